import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { CELL_ID_KEY_TEXT, cellId, cellIdText, deriveEphemeralSeed, deriveIdentity, formatCellId, shortFingerprint } from './identity';
import { siphash128 } from './siphash';

const CELL_ID_PATTERN = /^[0-9a-f]{4}(-[0-9a-f]{4}){7}$/;

describe('deriveIdentity', () => {
  it('is deterministic per (seed, machine)', () => {
    const a = deriveIdentity(42, 'totebox');
    const b = deriveIdentity(42, 'totebox');
    expect(bytesToHex(a.staticKeyPair.secretKey)).toBe(bytesToHex(b.staticKeyPair.secretKey));
    expect(bytesToHex(a.staticKeyPair.publicKey)).toBe(bytesToHex(b.staticKeyPair.publicKey));
    expect(bytesToHex(a.signingKeyPair.secretKey)).toBe(bytesToHex(b.signingKeyPair.secretKey));
    expect(bytesToHex(a.signingKeyPair.publicKey)).toBe(bytesToHex(b.signingKeyPair.publicKey));
    expect(a.cellIdText).toBe(b.cellIdText);
  });

  it('differs across machines, across seeds, and between the number 1 and the string "1"', () => {
    const keys = [
      deriveIdentity(42, 'totebox'),
      deriveIdentity(42, 'console'),
      deriveIdentity(43, 'totebox'),
      deriveIdentity('42', 'totebox'),
      deriveIdentity(42, 'totebox2'),
    ].map((id) => bytesToHex(id.staticKeyPair.publicKey));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('separates purposes: the X25519 secret, the Ed25519 seed and ephemeral seeds are all different', () => {
    const id = deriveIdentity('demo', 'laptop');
    const secrets = [
      id.staticKeyPair.secretKey,
      id.signingKeyPair.secretKey,
      deriveEphemeralSeed('demo', 'laptop', 'pair#1'),
      deriveEphemeralSeed('demo', 'laptop', 'pair#2'),
      deriveEphemeralSeed('demo', 'desktop', 'pair#1'),
    ].map(bytesToHex);
    expect(new Set(secrets).size).toBe(secrets.length);
    expect(bytesToHex(deriveEphemeralSeed('demo', 'laptop', 'pair#1'))).toBe(bytesToHex(deriveEphemeralSeed('demo', 'laptop', 'pair#1')));
    expect(bytesToHex(deriveEphemeralSeed('demo', 'laptop', 1))).toBe(bytesToHex(deriveEphemeralSeed('demo', 'laptop', '1')));
  });

  it('produces working key pairs (public halves match the secrets; the signing key signs)', () => {
    const id = deriveIdentity(7, 'auditor');
    expect(id.staticKeyPair.secretKey).toHaveLength(32);
    expect(bytesToHex(id.staticKeyPair.publicKey)).toBe(bytesToHex(x25519.getPublicKey(id.staticKeyPair.secretKey)));
    expect(bytesToHex(id.signingKeyPair.publicKey)).toBe(bytesToHex(ed25519.getPublicKey(id.signingKeyPair.secretKey)));
    const statement = utf8ToBytes(`new static key for ${id.cellIdText}`);
    const signature = ed25519.sign(statement, id.signingKeyPair.secretKey);
    expect(ed25519.verify(signature, statement, id.signingKeyPair.publicKey)).toBe(true);
    expect(ed25519.verify(signature, utf8ToBytes('something else'), id.signingKeyPair.publicKey)).toBe(false);
  });

  it('rejects a non-finite numeric seed', () => {
    expect(() => deriveIdentity(Number.NaN, 'x')).toThrow(RangeError);
  });

  it('stays stable across releases (regression pin: changing the derivation re-keys every scenario)', () => {
    // Values produced by this module when it was written; they guard against silent drift, they are
    // not external reference data.
    const id = deriveIdentity(1, 'totebox');
    expect(bytesToHex(id.staticKeyPair.publicKey)).toBe(PINNED_TOTEBOX_STATIC_PUBLIC);
    expect(id.cellIdText).toBe(PINNED_TOTEBOX_CELL_ID);
  });
});

describe('cellId', () => {
  it('is 16 bytes, stable, and printed as 8 groups of 4 hex digits', () => {
    const id = deriveIdentity(1, 'totebox');
    expect(id.cellId).toHaveLength(16);
    expect(bytesToHex(cellId(id.staticKeyPair.publicKey))).toBe(bytesToHex(id.cellId));
    expect(id.cellIdText).toMatch(CELL_ID_PATTERN);
    expect(cellIdText(id.staticKeyPair.publicKey)).toBe(id.cellIdText);
    expect(formatCellId(id.cellId)).toBe(id.cellIdText);
  });

  it('is SipHash-2-4-128 of the public key under the 16-byte domain key "capplay-cellid-1"', () => {
    expect(utf8ToBytes(CELL_ID_KEY_TEXT)).toHaveLength(16);
    expect(bytesToHex(utf8ToBytes(CELL_ID_KEY_TEXT))).toBe('636170706c61792d63656c6c69642d31');
    // RFC 7748 section 6.1: Alice's X25519 public key, as an arbitrary fixed input.
    const alicePublic = hexToBytes('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(bytesToHex(cellId(alicePublic))).toBe(bytesToHex(siphash128(utf8ToBytes(CELL_ID_KEY_TEXT), alicePublic)));
  });

  it('changes completely when one bit of the key changes', () => {
    const key = deriveIdentity(1, 'totebox').staticKeyPair.publicKey.slice();
    const before = cellIdText(key);
    key[0] ^= 1;
    expect(cellIdText(key)).not.toBe(before);
  });

  it('rejects inputs of the wrong size', () => {
    expect(() => cellId(new Uint8Array(31))).toThrow(RangeError);
    expect(() => formatCellId(new Uint8Array(8))).toThrow(RangeError);
  });
});

describe('shortFingerprint', () => {
  it('is a prefix of the CellID, from a CellID or from the public key', () => {
    const id = deriveIdentity(1, 'totebox');
    expect(id.fingerprint).toBe(id.cellIdText.split('-').slice(0, 4).join('-'));
    expect(shortFingerprint(id.staticKeyPair.publicKey)).toBe(id.fingerprint);
    expect(shortFingerprint(id.cellId, 2)).toBe(id.cellIdText.slice(0, 9));
    expect(shortFingerprint(id.cellId, 8)).toBe(id.cellIdText);
    expect(() => shortFingerprint(id.cellId, 0)).toThrow(RangeError);
  });
});

const PINNED_TOTEBOX_STATIC_PUBLIC = 'a86fbda33ce8fec13cf83a6cd7900011488ae231fecd07f99ea8aee656b5e16a';
const PINNED_TOTEBOX_CELL_ID = 'b0da-7389-461b-3693-e54a-14a1-89e3-9490';
