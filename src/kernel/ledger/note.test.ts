import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import {
  checkpointBody,
  fromBase64,
  keyId,
  ledgerOrigin,
  openCheckpoint,
  openTreeHead,
  parsePrivateKey,
  parseVkey,
  privateKeyText,
  signCheckpoint,
  signedNote,
  toBase64,
  vkey,
  type VerifierKey,
} from './note';

/*
 * The worked example of golang.org/x/mod/sumdb/note (note_test.go, the reference implementation of
 * c2sp.org/signed-note): the PeterNeumann key and its signed note. Ed25519 is deterministic (RFC 8032), so signing
 * the same text with the same key must reproduce the published signature byte for byte.
 */
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe('C2SP signed notes (note.ts)', () => {
  it('reads the Go reference vkey, derives its key ID, and reproduces its signed note byte for byte', () => {
    const k = parseVkey(GO_VKEY) as VerifierKey;
    expect(typeof k).toBe('object');
    expect(k.name).toBe('PeterNeumann');
    expect(Buffer.from(keyId('PeterNeumann', k.publicKey)).toString('hex')).toBe('c74f20a3');
    expect(vkey('PeterNeumann', k.publicKey)).toBe(GO_VKEY);
    const seed = fromBase64(GO_SKEY.split('+').slice(4).join('+'))!.subarray(1); // 0x01 || 32-byte seed
    expect(ed25519.getPublicKey(seed)).toEqual(k.publicKey);
    const sig = ed25519.sign(new TextEncoder().encode(GO_TEXT), seed);
    expect(signedNote(GO_TEXT, 'PeterNeumann', k.publicKey, sig)).toBe(GO_NOTE);
  });

  it('refuses vkeys that are not exactly right', () => {
    expect(parseVkey(GO_VKEY.replace('c74f20a3', 'c74f20a4'))).toBe('the key ID does not match the name and key');
    expect(parseVkey(GO_VKEY.replace('Peter', 'Pete r'))).toMatch(/is not allowed/);
    expect(parseVkey('PeterNeumann+c74f20a3')).toMatch(/name\+keyid\+key/);
    expect(parseVkey(GO_VKEY.replace('+ARpc', '+AhRpc'))).toMatch(/not base64 of 0x01/);
  });

  it('signs and opens a checkpoint; rejects edits, extension lines, a leading zero, and a note without our signature', () => {
    const sk = new Uint8Array(32).fill(7);
    const pk = ed25519.getPublicKey(sk);
    const origin = ledgerOrigin('Chat on one machine!', 2026);
    expect(origin).toBe('capplay.invalid/ledger/chat-on-one-machine/seed-2026');
    const key = parseVkey(vkey(origin, pk)) as VerifierKey;
    const root = new Uint8Array(32).map((_, i) => i);
    const body = checkpointBody(origin, 42, root);
    expect(body).toBe(`${origin}\n42\n${toBase64(root)}\n`);
    const { note } = signCheckpoint(body, origin, sk, pk);
    expect(openCheckpoint(note, key)).toMatchObject({ origin, size: 42, root });
    expect(openCheckpoint(note.replace('\n42\n', '\n43\n'), key)).toBe(`the signature by ${origin} does not verify`);
    expect(openCheckpoint(note.replace('\n42\n', '\n042\n'), key)).toMatch(/not a decimal number without leading zeros/);
    expect(openCheckpoint(note.replace(`${toBase64(root)}\n`, `${toBase64(root)}\nextra\n`), key)).toMatch(/extension lines/);
    // A cosignature by someone else is ignored (the spec says so); ours must still be there and verify.
    const other = signCheckpoint(body, 'witness.example', new Uint8Array(32).fill(9), ed25519.getPublicKey(new Uint8Array(32).fill(9)));
    const cosigned = note + other.note.slice(body.length + 1);
    expect(openCheckpoint(cosigned, key)).toMatchObject({ size: 42 });
    expect(openCheckpoint(other.note, key)).toBe(`no signature by the key ${origin}+${Buffer.from(key.id).toString('hex')}`);
    expect(openCheckpoint(note.slice(0, -1), key)).toBe('the note does not end in a newline');
    expect(fromBase64('AAA=')).toEqual(new Uint8Array([0, 0]));
    expect(fromBase64('AAB=')).toBeNull(); // non-canonical: trailing bits set
    expect(fromBase64('AA')).toBeNull();
  });

  it('reads and writes signed-note private keys (golang.org/x/mod/sumdb/note form), whatever base64 holds', () => {
    // Go's note.GenerateKey writes PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>; a seed whose base64 holds '+'.
    for (const byte of [0, 0xfb, 0xff]) {
      const seed = new Uint8Array(32).fill(byte);
      const text = privateKeyText('ci.example/k', seed);
      const pk = ed25519.getPublicKey(seed);
      expect(text).toBe(
        `PRIVATE+KEY+ci.example/k+${Buffer.from(keyId('ci.example/k', pk)).toString('hex')}+${toBase64(new Uint8Array([1, ...seed]))}`,
      );
      expect(parsePrivateKey(`${text}\n`)).toEqual({ name: 'ci.example/k', seed, publicKey: pk });
    }
    const good = privateKeyText('n', new Uint8Array(32).fill(0xfb));
    expect(good).toMatch(/\+[^+]*\+.*\+.*\+/); // the base64 itself has a '+'
    expect(parsePrivateKey('hello')).toMatch(/^a key file holds one line PRIVATE\+KEY/);
    expect(parsePrivateKey(good.replace(/\+[0-9a-f]{8}\+/, '+00000000+'))).toBe('the key ID does not match the name and key');
    expect(parsePrivateKey(good.slice(0, -4))).toMatch(/not base64 of 0x01 and a 32-byte Ed25519 seed/);
  });

  it('reads an unsigned tree head: exactly the three checkpoint lines', () => {
    const root = new Uint8Array(32).fill(7);
    const body = checkpointBody('o.example', 5, root);
    expect(openTreeHead(body)).toEqual({ origin: 'o.example', size: 5, root });
    expect(openTreeHead(`${body}\n— o.example AAAA\n`)).toMatch(/has a signature block/);
    expect(openTreeHead(body.replace('\n5\n', '\n05\n'))).toMatch(/without leading zeros/);
    expect(openTreeHead(body.slice(0, -1))).toMatch(/does not end in a newline/);
  });
});
