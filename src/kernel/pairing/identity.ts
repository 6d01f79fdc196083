/**
 * Machine identity for pairing (seed 001: "the pair is the permission"; seed 003, S4: TOFU+ keyed by a
 * SipHash-128 CellID).
 *
 * Everything is derived from (scenarioSeed, machineName) with HKDF-SHA256, so a scenario replays with
 * the same machines, keys and CellIDs every time. Nothing here reads a clock or a random source: the
 * simulated world has no entropy of its own, and the caller's seed stands in for it.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { siphash128 } from './siphash';

export type ScenarioSeed = number | string;

export interface KeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export interface MachineIdentity {
  readonly machineName: string;
  /** X25519 static key: the Noise `s` this machine proves possession of in the handshake. */
  readonly staticKeyPair: KeyPair;
  /** Ed25519 key for signed statements by the machine (for example announcing a new key, S4 point 3). */
  readonly signingKeyPair: KeyPair;
  /** SipHash-128 of the static public key under CELL_ID_KEY: the name TOFU+ binds (16 bytes). */
  readonly cellId: Uint8Array;
  /** `cellId` as 8 dash-separated groups of 4 hex digits. */
  readonly cellIdText: string;
  /** Short form for the UI: the first 4 groups of `cellIdText`. */
  readonly fingerprint: string;
}

/** HKDF salt for every key this module derives; bump the version to re-key every scenario. */
export const IDENTITY_KDF_SALT_TEXT = 'capplay/pairing/identity/v1';

/**
 * The fixed, public SipHash key that turns a static public key into a CellID: the 16 ASCII bytes
 * "capplay-cellid-1" (hex 636170706c61792d63656c6c69642d31). It is a domain separator, not a secret:
 * anyone can recompute a peer's CellID from its public key, which is the point of a name.
 */
export const CELL_ID_KEY_TEXT = 'capplay-cellid-1';

const IDENTITY_KDF_SALT = utf8ToBytes(IDENTITY_KDF_SALT_TEXT);
const CELL_ID_KEY = utf8ToBytes(CELL_ID_KEY_TEXT);
if (CELL_ID_KEY.length !== 16) throw new Error('CELL_ID_KEY_TEXT must be exactly 16 bytes');

/** HKDF `info` labels: one per key purpose, so no two purposes can ever share a secret. */
const PURPOSE_STATIC = 'x25519-static';
const PURPOSE_SIGNING = 'ed25519-signing';
const PURPOSE_EPHEMERAL = 'x25519-ephemeral';

/** Derive a machine's full identity. Same (seed, name) → same keys, byte for byte. */
export function deriveIdentity(scenarioSeed: ScenarioSeed, machineName: string): MachineIdentity {
  const staticSecret = deriveSecret(scenarioSeed, machineName, PURPOSE_STATIC);
  const signingSeed = deriveSecret(scenarioSeed, machineName, PURPOSE_SIGNING);
  const staticKeyPair: KeyPair = { secretKey: staticSecret, publicKey: x25519.getPublicKey(staticSecret) };
  const signingKeyPair: KeyPair = { secretKey: signingSeed, publicKey: ed25519.getPublicKey(signingSeed) };
  const id = cellId(staticKeyPair.publicKey);
  return {
    machineName,
    staticKeyPair,
    signingKeyPair,
    cellId: id,
    cellIdText: formatCellId(id),
    fingerprint: shortFingerprint(id),
  };
}

/**
 * The 32-byte ephemeral seed for one handshake by one machine. Noise wants a fresh ephemeral key per
 * handshake; here "fresh" means a distinct `sessionLabel` (e.g. "pair#3"), so a replayed scenario
 * reproduces its handshakes exactly while two sessions never share an ephemeral key.
 */
export function deriveEphemeralSeed(scenarioSeed: ScenarioSeed, machineName: string, sessionLabel: string | number): Uint8Array {
  return deriveSecret(scenarioSeed, machineName, PURPOSE_EPHEMERAL, String(sessionLabel));
}

/** CellID (S4): SipHash-2-4-128 of the 32-byte X25519 static public key under CELL_ID_KEY. */
export function cellId(staticPublicKey: Uint8Array): Uint8Array {
  if (staticPublicKey.length !== 32) throw new RangeError(`a static public key is 32 bytes, got ${staticPublicKey.length}`);
  return siphash128(CELL_ID_KEY, staticPublicKey);
}

/** 16 bytes → "a3f1-09bc-77de-0012-5e6f-7a8b-9c0d-1e2f". */
export function formatCellId(id: Uint8Array): string {
  if (id.length !== 16) throw new RangeError(`a CellID is 16 bytes, got ${id.length}`);
  return bytesToHex(id).match(/.{4}/g)!.join('-');
}

/** The CellID text of a static public key, for callers that only hold the key. */
export function cellIdText(staticPublicKey: Uint8Array): string {
  return formatCellId(cellId(staticPublicKey));
}

/**
 * A short label for the UI: the first `groups` groups of the CellID (default 4 = 64 bits). It is a
 * prefix of the CellID rather than a separate hash, so the screen never shows two different names for
 * one machine. Accepts a CellID (16 bytes) or a static public key (32 bytes).
 */
export function shortFingerprint(cellIdOrPublicKey: Uint8Array, groups = 4): string {
  const id = cellIdOrPublicKey.length === 32 ? cellId(cellIdOrPublicKey) : cellIdOrPublicKey;
  if (!Number.isInteger(groups) || groups < 1 || groups > 8) throw new RangeError('groups must be 1..8');
  return formatCellId(id).split('-').slice(0, groups).join('-');
}

/**
 * HKDF-SHA256(ikm = seed ‖ machine name, salt = IDENTITY_KDF_SALT, info = purpose [‖ extra]) → 32 bytes.
 * Every field is length-prefixed so ("ab", "c") and ("a", "bc") can never collide, and the seed carries
 * its type, so the number 1 and the string "1" name different worlds.
 */
function deriveSecret(scenarioSeed: ScenarioSeed, machineName: string, purpose: string, extra?: string): Uint8Array {
  const ikm = concatBytes(lengthPrefixed(seedLabel(scenarioSeed)), lengthPrefixed(machineName));
  const info = extra === undefined ? lengthPrefixed(purpose) : concatBytes(lengthPrefixed(purpose), lengthPrefixed(extra));
  return hkdf(sha256, ikm, IDENTITY_KDF_SALT, info, 32);
}

function seedLabel(seed: ScenarioSeed): string {
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw new RangeError('a numeric scenario seed must be finite');
    return `n:${seed}`;
  }
  return `s:${seed}`;
}

function lengthPrefixed(text: string): Uint8Array {
  const bytes = utf8ToBytes(text);
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length);
  out.set(bytes, 4);
  return out;
}
