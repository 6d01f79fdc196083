/**
 * Pairing crypto benchmarks (Node): full Noise XX handshakes and SipHash-128 CellIDs. Prints one JSON object;
 * each figure sits next to a baseline measured in the same run. Run: npx tsx bench/handshake.bench.ts
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { HandshakeState, runHandshake, type Party } from '../src/kernel/pairing/handshake';
import { deriveEphemeralSeed, deriveIdentity } from '../src/kernel/pairing/identity';
import { siphash128, siphash64 } from '../src/kernel/pairing/siphash';
import { time } from './timing';

/** Median of 5 rounds, after one warm-up round (JIT). */
function median5(fn: () => void, minMs?: number): number {
  time(fn, 200);
  const rounds = Array.from({ length: 5 }, () => time(fn, minMs ?? 400).perSecond).sort((a, b) => a - b);
  return rounds[2];
}

const SEED = 'bench';
const laptop = deriveIdentity(SEED, 'laptop');
const totebox = deriveIdentity(SEED, 'totebox');
// Distinct ephemeral seeds per handshake would only add an HKDF; reusing a pool of 64 keeps the loop honest
// (no caching of results anywhere) without measuring the seed derivation.
const seeds = Array.from({ length: 64 }, (_, i) => [deriveEphemeralSeed(SEED, 'laptop', i), deriveEphemeralSeed(SEED, 'totebox', i)]);
let round = 0;
let sink = 0;

// Full XX, both sides, state machines only: 3 messages written and read, Split on both ends.
const fullXx = median5(() => {
  const [ei, er] = seeds[round++ & 63];
  const initiator = new HandshakeState({ role: 'initiator', staticKeyPair: laptop.staticKeyPair, ephemeralSeed: ei });
  const responder = new HandshakeState({ role: 'responder', staticKeyPair: totebox.staticKeyPair, ephemeralSeed: er });
  responder.readMessage(initiator.writeMessage());
  initiator.readMessage(responder.writeMessage());
  responder.readMessage(initiator.writeMessage());
  sink ^= initiator.session.handshakeHash[0];
});

// The same through runHandshake, which also builds the UI trace (hex, DH comparisons, CellIDs, sentences).
const withTrace = median5(() => {
  const [ei, er] = seeds[round++ & 63];
  const i: Party = { name: 'laptop', staticKeyPair: laptop.staticKeyPair, ephemeralSeed: ei };
  const r: Party = { name: 'totebox', staticKeyPair: totebox.staticKeyPair, ephemeralSeed: er };
  sink ^= runHandshake(i, r).trace.length;
});

// Baseline: one X25519 scalar multiplication. A full XX does 8 (2 ephemeral public keys + ee, es, se on each side).
const x25519Ops = median5(() => {
  const [ei] = seeds[round++ & 63];
  sink ^= x25519.getSharedSecret(ei, totebox.staticKeyPair.publicKey)[0];
});

const key = Uint8Array.from({ length: 16 }, (_, i) => i);
const input32 = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
const BATCH = 1000;
const sip128 =
  median5(() => {
    for (let i = 0; i < BATCH; i++) {
      input32[0] = i;
      sink ^= siphash128(key, input32)[0];
    }
  }, 300) * BATCH;
const sip64 =
  median5(() => {
    for (let i = 0; i < BATCH; i++) {
      input32[0] = i;
      sink ^= siphash64(key, input32)[0];
    }
  }, 300) * BATCH;
const sha =
  median5(() => {
    for (let i = 0; i < BATCH; i++) {
      input32[0] = i;
      sink ^= sha256(input32)[0];
    }
  }, 300) * BATCH;

console.log(
  JSON.stringify(
    {
      node: process.version,
      noiseXxHandshakesPerSecond: {
        fullBothSides: fullXx,
        withUiTrace: withTrace,
        baselineX25519ScalarMultsPerSecond: x25519Ops,
        ceilingAt8ScalarMults: Math.round(x25519Ops / 8),
      },
      siphash128PerSecond32ByteInput: { value: sip128, siphash64: sip64, baselineNobleSha256: sha },
      sink: sink >= 0,
    },
    null,
    2,
  ),
);
