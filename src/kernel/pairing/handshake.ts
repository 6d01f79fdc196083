/**
 * Noise_XX_25519_ChaChaPoly_SHA256 (Noise Protocol Framework, revision 34), the handshake behind
 * machine pairing (seed 001: "both sides demonstrate possession of complementary key material").
 *
 *   XX:
 *     -> e
 *     <- e, ee, s, es
 *     -> s, se
 *
 * The layering follows the spec: CipherState (k, n) → SymmetricState (ck, h) → HandshakeState (s, e, rs,
 * re). Byte-exact with other implementations: the tests replay a published known-answer vector.
 *
 * Two deliberate departures, both about where keys come from, not how they are used:
 *  - GENERATE_KEYPAIR is deterministic: the caller's 32-byte ephemeral seed is the X25519 secret. The
 *    simulated world has no entropy; a scenario seed stands in for it (see deriveEphemeralSeed).
 *  - The static public key is sent exactly as given, never recomputed from the secret, so a test can
 *    stage an impostor that claims someone else's key while holding only its own private key. The
 *    handshake then fails on its own, at the DH that needs the missing private key.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { equalBytes } from '@noble/curves/utils.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { cellIdText, type KeyPair } from './identity';

export const PROTOCOL_NAME = 'Noise_XX_25519_ChaChaPoly_SHA256';

const DHLEN = 32;
const HASHLEN = 32;
const TAGLEN = 16;
/** Noise caps every message at 65535 bytes. */
const MAX_MESSAGE_LEN = 65535;
const EMPTY = new Uint8Array(0);

export type Role = 'initiator' | 'responder';
export type Token = 'e' | 's' | 'ee' | 'es' | 'se';
export type DhToken = 'ee' | 'es' | 'se';
export type MessageIndex = 1 | 2 | 3;

/** The XX message patterns, in order. */
export const XX_PATTERN: readonly { readonly from: Role; readonly tokens: readonly Token[] }[] = [
  { from: 'initiator', tokens: ['e'] },
  { from: 'responder', tokens: ['e', 'ee', 's', 'es'] },
  { from: 'initiator', tokens: ['s', 'se'] },
];

/** Which keys each DH token combines (i = initiator, r = responder). */
export const DH_FORMULA: Readonly<Record<DhToken, string>> = {
  ee: 'DH(e_i, e_r)',
  es: 'DH(e_i, s_r)',
  se: 'DH(s_i, e_r)',
};

/** Where a handshake failed: a token of the pattern, the payload, or a check around them. */
export type FailedStep = Token | 'payload' | 'length' | 'turn' | 'pinned-key';

export class HandshakeError extends Error {
  constructor(
    /** 1..3: the message being written or read when it failed. */
    readonly messageIndex: MessageIndex,
    readonly step: FailedStep,
    /** Without the "message N:" prefix, e.g. "decrypting the responder's static key failed (AEAD tag mismatch)". */
    readonly detail: string,
    /** Plain-English likely causes, for the UI. */
    readonly hint: string,
  ) {
    super(`message ${messageIndex}: ${detail}`);
    this.name = 'HandshakeError';
  }
}

/** Thrown by CipherState when ChaCha20-Poly1305 rejects a ciphertext. */
export class AeadError extends Error {
  constructor() {
    super('AEAD tag mismatch');
    this.name = 'AeadError';
  }
}

/** Internal: a failure that already knows its kind; HandshakeState turns it into a HandshakeError. */
class StepFailure extends Error {
  constructor(
    readonly kind: 'too-short' | 'too-long' | 'turn' | 'pinned-key' | 'low-order',
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------------------
// CipherState: a key k and a nonce counter n.

export class CipherState {
  private k: Uint8Array | null = null;
  private n = 0;

  constructor(key?: Uint8Array) {
    if (key) this.initializeKey(key);
  }

  initializeKey(key: Uint8Array): void {
    if (key.length !== 32) throw new RangeError('a ChaChaPoly key is 32 bytes');
    this.k = key.slice();
    this.n = 0;
  }

  hasKey(): boolean {
    return this.k !== null;
  }

  /** The next nonce to be used. */
  get nonce(): number {
    return this.n;
  }

  /** A copy of the key (the playground shows session keys; a real system would not). */
  keyBytes(): Uint8Array | null {
    return this.k ? this.k.slice() : null;
  }

  /** Without a key this is the identity, as the spec says (message 1's payload goes out in the clear). */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (!this.k) return plaintext.slice();
    const ciphertext = chacha20poly1305(this.k, nonceBytes(this.n), ad).encrypt(plaintext);
    this.n++;
    return ciphertext;
  }

  /** On a bad tag nothing changes (n is not advanced), so the state stays usable for a retry. */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (!this.k) return ciphertext.slice();
    let plaintext: Uint8Array;
    try {
      plaintext = chacha20poly1305(this.k, nonceBytes(this.n), ad).decrypt(ciphertext);
    } catch {
      throw new AeadError();
    }
    this.n++;
    return plaintext;
  }
}

/** ChaChaPoly nonce: 32 zero bits, then n as a 64-bit little-endian integer. */
function nonceBytes(n: number): Uint8Array {
  // 2^64-1 is reserved by the spec; a JS counter stops far earlier, at 2^53-1.
  if (!Number.isSafeInteger(n)) throw new RangeError('nonce exhausted');
  const nonce = new Uint8Array(12);
  const view = new DataView(nonce.buffer);
  view.setUint32(4, n >>> 0, true);
  view.setUint32(8, Math.floor(n / 0x1_0000_0000), true);
  return nonce;
}

// ---------------------------------------------------------------------------------------------------------
// SymmetricState: the chaining key ck (what the DHs feed) and the transcript hash h (what AEAD binds to).

class SymmetricState {
  readonly cipher = new CipherState();
  private ck: Uint8Array;
  private h: Uint8Array;

  constructor(protocolName: string) {
    // A name of at most HASHLEN bytes is used as h directly (zero-padded); a longer one is hashed.
    const name = utf8ToBytes(protocolName);
    if (name.length <= HASHLEN) {
      this.h = new Uint8Array(HASHLEN);
      this.h.set(name);
    } else {
      this.h = sha256(name);
    }
    this.ck = this.h.slice();
  }

  get handshakeHash(): Uint8Array {
    return this.h.slice();
  }

  /** ck, k = HKDF(ck, ikm): every DH result moves the chaining key forward and rekeys the cipher. */
  mixKey(inputKeyMaterial: Uint8Array): void {
    const [nextCk, tempK] = noiseHkdf(this.ck, inputKeyMaterial);
    this.ck = nextCk;
    this.cipher.initializeKey(tempK);
  }

  mixHash(data: Uint8Array): void {
    this.h = sha256(concatBytes(this.h, data));
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipher.encryptWithAd(this.h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cipher.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** Two transport keys: the first for initiator → responder, the second for responder → initiator. */
  split(): [CipherState, CipherState] {
    const [k1, k2] = noiseHkdf(this.ck, EMPTY);
    return [new CipherState(k1), new CipherState(k2)];
  }
}

/**
 * Noise's HKDF(ck, ikm) with two outputs: HMAC(HMAC(ck, ikm), 0x01) and HMAC(…, out1 ‖ 0x02). That is
 * RFC 5869 HKDF with salt = ck and empty info, cut into two 32-byte halves.
 */
function noiseHkdf(chainingKey: Uint8Array, inputKeyMaterial: Uint8Array): [Uint8Array, Uint8Array] {
  const okm = hkdf(sha256, inputKeyMaterial, chainingKey, EMPTY, 2 * HASHLEN);
  return [okm.slice(0, HASHLEN), okm.slice(HASHLEN)];
}

// ---------------------------------------------------------------------------------------------------------
// HandshakeState: one side of an XX handshake.

export interface HandshakeConfig {
  role: Role;
  /** The static key pair. `publicKey` is sent as given (see the note at the top of this file). */
  staticKeyPair: KeyPair;
  /** 32 bytes, used as the X25519 ephemeral secret. Must differ for every handshake. */
  ephemeralSeed: Uint8Array;
  /** Bytes both sides must agree on without sending them (mixed into h first). Default: empty. */
  prologue?: Uint8Array;
  /**
   * TOFU+ (S4): the peer's static key this side has bound on first use. If set, the handshake aborts as
   * soon as the peer's static key is read and differs.
   */
  expectedRemoteStatic?: Uint8Array;
}

/** Both directions of a finished handshake, from one side's point of view. */
export interface TransportSession {
  readonly send: CipherState;
  readonly receive: CipherState;
  /** The final h: equal on both sides exactly when they saw the same transcript. Usable for channel binding. */
  readonly handshakeHash: Uint8Array;
  readonly remoteStaticPublicKey: Uint8Array;
}

export class HandshakeState {
  readonly role: Role;
  private readonly symmetric = new SymmetricState(PROTOCOL_NAME);
  private readonly s: KeyPair;
  private readonly ephemeralSeed: Uint8Array;
  private readonly expectedRemoteStatic: Uint8Array | null;
  private e: KeyPair | null = null;
  private rs: Uint8Array | null = null;
  private re: Uint8Array | null = null;
  /** Index into XX_PATTERN of the next message to write or read. */
  private next = 0;
  private failure: HandshakeError | null = null;
  private transport: TransportSession | null = null;
  /** DH outputs by message and token, kept so the trace can show whether both sides computed the same. */
  private readonly dhOutputs = new Map<string, Uint8Array>();

  constructor(config: HandshakeConfig) {
    if (config.ephemeralSeed.length !== DHLEN) throw new RangeError('the ephemeral seed is 32 bytes');
    if (config.staticKeyPair.secretKey.length !== DHLEN || config.staticKeyPair.publicKey.length !== DHLEN) {
      throw new RangeError('X25519 keys are 32 bytes');
    }
    this.role = config.role;
    this.s = { secretKey: config.staticKeyPair.secretKey.slice(), publicKey: config.staticKeyPair.publicKey.slice() };
    this.ephemeralSeed = config.ephemeralSeed.slice();
    this.expectedRemoteStatic = config.expectedRemoteStatic ? config.expectedRemoteStatic.slice() : null;
    this.symmetric.mixHash(config.prologue ?? EMPTY);
    // XX has no pre-messages, so nothing else is hashed before message 1.
  }

  /** 1..3, or null once the handshake is complete. */
  get nextMessage(): MessageIndex | null {
    return this.next < XX_PATTERN.length ? ((this.next + 1) as MessageIndex) : null;
  }

  /** True when the next message is this side's to write. */
  get isWriter(): boolean {
    return this.next < XX_PATTERN.length && XX_PATTERN[this.next].from === this.role;
  }

  get complete(): boolean {
    return this.transport !== null;
  }

  get failed(): HandshakeError | null {
    return this.failure;
  }

  get handshakeHash(): Uint8Array {
    return this.symmetric.handshakeHash;
  }

  get remoteStaticPublicKey(): Uint8Array | null {
    return this.rs ? this.rs.slice() : null;
  }

  get remoteEphemeralPublicKey(): Uint8Array | null {
    return this.re ? this.re.slice() : null;
  }

  /** The transport keys; throws until the handshake is complete. */
  get session(): TransportSession {
    if (!this.transport) throw new Error('the handshake is not complete');
    return this.transport;
  }

  /** The DH output this side computed for `token` of message `index`, or null if it never got there. */
  dhOutput(index: MessageIndex, token: DhToken): Uint8Array | null {
    const out = this.dhOutputs.get(`${index}:${token}`);
    return out ? out.slice() : null;
  }

  writeMessage(payload: Uint8Array = EMPTY): Uint8Array {
    const index = this.beginMessage(true);
    const parts: Uint8Array[] = [];
    let step: FailedStep = 'e';
    try {
      for (const token of XX_PATTERN[index - 1].tokens) {
        step = token;
        if (token === 'e') {
          this.e = { secretKey: this.ephemeralSeed, publicKey: x25519.getPublicKey(this.ephemeralSeed) };
          parts.push(this.e.publicKey);
          this.symmetric.mixHash(this.e.publicKey);
        } else if (token === 's') {
          parts.push(this.symmetric.encryptAndHash(this.s.publicKey));
        } else {
          this.mixDh(index, token);
        }
      }
      step = 'payload';
      parts.push(this.symmetric.encryptAndHash(payload));
    } catch (error) {
      throw this.fail(index, step, error);
    }
    const message = concatBytes(...parts);
    if (message.length > MAX_MESSAGE_LEN) {
      throw this.fail(
        index,
        'length',
        new StepFailure('too-long', `the message would be ${message.length} bytes; Noise allows at most ${MAX_MESSAGE_LEN}`),
      );
    }
    this.endMessage();
    return message;
  }

  /** Returns the decrypted payload. Throws HandshakeError (and stays failed) on any mismatch. */
  readMessage(message: Uint8Array): Uint8Array {
    const index = this.beginMessage(false);
    if (message.length > MAX_MESSAGE_LEN) {
      throw this.fail(
        index,
        'length',
        new StepFailure('too-long', `the message is ${message.length} bytes; Noise allows at most ${MAX_MESSAGE_LEN}`),
      );
    }
    let cursor = 0;
    const take = (count: number, what: string): Uint8Array => {
      if (message.length - cursor < count) {
        throw new StepFailure('too-short', `the message is too short: ${what} needs ${count} bytes, only ${message.length - cursor} left`);
      }
      const bytes = message.slice(cursor, cursor + count);
      cursor += count;
      return bytes;
    };

    let step: FailedStep = 'e';
    let payload: Uint8Array;
    try {
      for (const token of XX_PATTERN[index - 1].tokens) {
        step = token;
        if (token === 'e') {
          this.re = take(DHLEN, 'the ephemeral key');
          this.symmetric.mixHash(this.re);
        } else if (token === 's') {
          const sealed = take(DHLEN + (this.symmetric.cipher.hasKey() ? TAGLEN : 0), 'the encrypted static key');
          this.rs = this.symmetric.decryptAndHash(sealed);
          this.checkPinnedKey();
        } else {
          this.mixDh(index, token);
        }
      }
      step = 'payload';
      const sealedPayload = message.slice(cursor);
      if (this.symmetric.cipher.hasKey() && sealedPayload.length < TAGLEN) {
        throw new StepFailure(
          'too-short',
          `the message is too short: the payload needs a ${TAGLEN}-byte tag, only ${sealedPayload.length} left`,
        );
      }
      payload = this.symmetric.decryptAndHash(sealedPayload);
    } catch (error) {
      throw this.fail(index, step, error);
    }
    this.endMessage();
    return payload;
  }

  private beginMessage(writing: boolean): MessageIndex {
    if (this.failure) throw this.failure;
    const index = this.nextMessage;
    if (index === null) throw new Error('the handshake is already complete');
    if (this.isWriter !== writing) {
      const verb = writing ? 'write' : 'read';
      const detail = `it is not the ${this.role}'s turn to ${verb} this message`;
      throw this.fail(index, 'turn', new StepFailure('turn', detail));
    }
    return index;
  }

  private endMessage(): void {
    this.next++;
    if (this.next < XX_PATTERN.length) return;
    const [initiatorToResponder, responderToInitiator] = this.symmetric.split();
    const initiator = this.role === 'initiator';
    this.transport = {
      send: initiator ? initiatorToResponder : responderToInitiator,
      receive: initiator ? responderToInitiator : initiatorToResponder,
      handshakeHash: this.symmetric.handshakeHash,
      remoteStaticPublicKey: this.rs!.slice(),
    };
  }

  /** es and se are asymmetric: which local key meets which remote key depends on the role. */
  private mixDh(index: MessageIndex, token: Token): void {
    const initiator = this.role === 'initiator';
    let local: KeyPair | null;
    let remote: Uint8Array | null;
    if (token === 'ee') [local, remote] = [this.e, this.re];
    else if (token === 'es') [local, remote] = initiator ? [this.e, this.rs] : [this.s, this.re];
    else if (token === 'se') [local, remote] = initiator ? [this.s, this.re] : [this.e, this.rs];
    else throw new Error(`${token} is not a DH token`);
    if (!local || !remote) throw new Error(`${token} is missing a key`);
    let shared: Uint8Array;
    try {
      shared = x25519.getSharedSecret(local.secretKey, remote);
    } catch {
      throw new StepFailure(
        'low-order',
        `the ${token} DH failed: the ${peerOf(this.role)}'s key is a low-order point (all-zero shared secret)`,
      );
    }
    this.dhOutputs.set(`${index}:${token}`, shared);
    this.symmetric.mixKey(shared);
  }

  private checkPinnedKey(): void {
    if (!this.expectedRemoteStatic || !this.rs) return;
    if (equalBytes(this.expectedRemoteStatic, this.rs)) return;
    throw new StepFailure(
      'pinned-key',
      `the ${peerOf(this.role)}'s static key (CellID ${cellIdText(this.rs)}) is not the one bound on first use ` +
        `(CellID ${cellIdText(this.expectedRemoteStatic)})`,
    );
  }

  private fail(index: MessageIndex, step: FailedStep, cause: unknown): HandshakeError {
    if (cause instanceof HandshakeError) return cause;
    if (cause instanceof StepFailure && cause.kind === 'pinned-key') step = 'pinned-key';
    this.failure = describeFailure(this.role, index, step, cause);
    return this.failure;
  }
}

/** Turn a low-level error into a sentence naming the message, the step and what it means. */
function describeFailure(role: Role, index: MessageIndex, step: FailedStep, cause: unknown): HandshakeError {
  const peer = peerOf(role);
  if (cause instanceof AeadError) {
    const what = step === 's' ? `the ${peer}'s static key` : `the ${peer}'s payload`;
    return new HandshakeError(index, step, `decrypting ${what} failed (AEAD tag mismatch)`, aeadHint(index, step, peer));
  }
  if (cause instanceof StepFailure) {
    const hints: Record<StepFailure['kind'], string> = {
      'too-short': 'The message was truncated in transit.',
      'too-long': 'The message exceeds the Noise size limit.',
      turn: 'The messages arrived out of order (a replay or a dropped message).',
      'pinned-key':
        'TOFU+: the peer presented a different key than the one bound on first contact. Either it re-keyed without announcing it, or someone in the middle is answering in its place.',
      'low-order': 'A malformed or malicious key was substituted in transit.',
    };
    return new HandshakeError(index, step, cause.message, hints[cause.kind]);
  }
  const raw = cause instanceof Error ? cause.message : String(cause);
  return new HandshakeError(index, step, `${step} failed: ${raw}`, 'Unexpected error.');
}

/**
 * Why a tag can fail at this point. The AEAD key comes from every DH so far and the associated data is
 * the transcript hash, so a failure means the two sides disagree on a DH or on some earlier byte.
 */
function aeadHint(index: MessageIndex, step: FailedStep, peer: Role): string {
  if (index === 2 && step === 's') {
    return 'The two sides disagree on the ee secret or on the transcript so far: message 1 or 2 was altered, or message 2 was replayed from another session (it answers a different ephemeral key).';
  }
  if (index === 2) {
    return `The keys after es disagree: the ${peer} does not hold the private key of the static key it sent (an impostor), or the message was altered in transit.`;
  }
  if (step === 's') {
    return 'The two sides disagree on the keys or transcript so far: message 3 was altered, or replayed from another session.';
  }
  return `The keys after se disagree: the ${peer} does not hold the private key of the static key it sent (an impostor), or the message was altered in transit.`;
}

function peerOf(role: Role): Role {
  return role === 'initiator' ? 'responder' : 'initiator';
}

// ---------------------------------------------------------------------------------------------------------
// Driver: run both sides in one call and record an ordered trace for the UI stepper.

export interface Party {
  /** Shown in the trace, e.g. the machine name. */
  name: string;
  staticKeyPair: KeyPair;
  ephemeralSeed: Uint8Array;
  /** Overrides RunOptions.prologue for this side (to show what a prologue mismatch does). */
  prologue?: Uint8Array;
  /** TOFU+ binding: the peer key this side expects (see HandshakeConfig.expectedRemoteStatic). */
  expectedRemoteStatic?: Uint8Array;
}

export interface RunOptions {
  prologue?: Uint8Array;
  /** Payload carried by each message (default empty). Message 1's payload travels in the clear. */
  payloads?: Partial<Record<MessageIndex, Uint8Array>>;
  /** Sees every message on the wire and returns what is delivered: the place to tamper or replay. */
  intercept?: (messageIndex: MessageIndex, bytes: Uint8Array) => Uint8Array;
}

export interface DhTrace {
  token: DhToken;
  /** e.g. "ee: DH(e_i, e_r)". */
  formula: string;
  /**
   * What the sending side of this session computed while writing. If the message was replaced in transit
   * (a replay), the delivered bytes were not built with this value.
   */
  senderHex: string | null;
  /** Null when the receiver stopped before computing it. */
  receiverHex: string | null;
  /** Whether both sides computed the same secret; null if either side did not compute it. */
  agree: boolean | null;
}

export interface TraceStep {
  index: MessageIndex;
  from: string;
  to: string;
  fromRole: Role;
  toRole: Role;
  tokens: Token[];
  dh: DhTrace[];
  /** The bytes the sender wrote. */
  sentHex: string;
  /** The bytes the receiver got (differs from sentHex if the intercept hook changed them). */
  deliveredHex: string;
  length: number;
  altered: boolean;
  /** The payload as the receiver decrypted it; null if reading failed. */
  payloadHex: string | null;
  /** The receiver's transcript hash h after this message; null if reading failed. */
  hashAfterHex: string | null;
  /** Plain English: what the receiver learned (or why it refused). */
  learns: string;
  ok: boolean;
  error?: string;
}

export interface SideResult {
  name: string;
  role: Role;
  remoteStaticHex: string;
  remoteCellId: string;
  handshakeHashHex: string;
  sendKeyHex: string;
  receiveKeyHex: string;
}

export type HandshakeOutcome =
  | { ok: true; handshakeHashHex: string; initiator: SideResult; responder: SideResult }
  | {
      ok: false;
      failedMessage: MessageIndex;
      failedStep: FailedStep;
      /** The side that noticed (usually the receiver; the writer only if it cannot build its message). */
      detectedBy: Role;
      /** e.g. "message 2: decrypting the responder's static key failed (AEAD tag mismatch)". */
      reason: string;
      hint: string;
    };

export interface HandshakeRun {
  protocol: string;
  trace: TraceStep[];
  outcome: HandshakeOutcome;
  /** Live transport states for both sides, only when the handshake succeeded. Not plain data. */
  sessions?: { initiator: TransportSession; responder: TransportSession };
}

/** Run a full XX handshake between two parties; never throws on a protocol failure, reports it. */
export function runHandshake(initiator: Party, responder: Party, options: RunOptions = {}): HandshakeRun {
  const parties: Record<Role, Party> = { initiator, responder };
  const states: Record<Role, HandshakeState> = {
    initiator: new HandshakeState({
      role: 'initiator',
      staticKeyPair: initiator.staticKeyPair,
      ephemeralSeed: initiator.ephemeralSeed,
      prologue: initiator.prologue ?? options.prologue,
      expectedRemoteStatic: initiator.expectedRemoteStatic,
    }),
    responder: new HandshakeState({
      role: 'responder',
      staticKeyPair: responder.staticKeyPair,
      ephemeralSeed: responder.ephemeralSeed,
      prologue: responder.prologue ?? options.prologue,
      expectedRemoteStatic: responder.expectedRemoteStatic,
    }),
  };
  const trace: TraceStep[] = [];

  for (let i = 0; i < XX_PATTERN.length; i++) {
    const index = (i + 1) as MessageIndex;
    const fromRole = XX_PATTERN[i].from;
    const toRole = peerOf(fromRole);
    const tokens = [...XX_PATTERN[i].tokens];

    let sent: Uint8Array;
    try {
      sent = states[fromRole].writeMessage(options.payloads?.[index] ?? EMPTY);
    } catch (error) {
      const outcome = failure(error, fromRole);
      const detail = error instanceof HandshakeError ? error.detail : String(error);
      trace.push({
        index,
        from: parties[fromRole].name,
        to: parties[toRole].name,
        fromRole,
        toRole,
        tokens,
        dh: [],
        sentHex: '',
        deliveredHex: '',
        length: 0,
        altered: false,
        payloadHex: null,
        hashAfterHex: null,
        learns: `${parties[fromRole].name} cannot build message ${index}: ${detail}. It drops the handshake.`,
        ok: false,
        error: outcome.ok ? undefined : outcome.reason,
      });
      return { protocol: PROTOCOL_NAME, trace, outcome };
    }
    const delivered = options.intercept ? options.intercept(index, sent.slice()) : sent;

    const step: TraceStep = {
      index,
      from: parties[fromRole].name,
      to: parties[toRole].name,
      fromRole,
      toRole,
      tokens,
      dh: [],
      sentHex: bytesToHex(sent),
      deliveredHex: bytesToHex(delivered),
      length: delivered.length,
      altered: !equalBytes(sent, delivered),
      payloadHex: null,
      hashAfterHex: null,
      learns: '',
      ok: false,
    };
    trace.push(step);

    let readError: unknown = null;
    try {
      step.payloadHex = bytesToHex(states[toRole].readMessage(delivered));
      step.hashAfterHex = bytesToHex(states[toRole].handshakeHash);
      step.ok = true;
    } catch (error) {
      readError = error;
    }
    step.dh = tokens.filter(isDhToken).map((token) => dhTrace(index, token, states[fromRole], states[toRole]));

    if (readError) {
      const outcome = failure(readError, toRole);
      step.error = outcome.ok ? undefined : outcome.reason;
      step.learns = `${step.to} rejects message ${index}: ${readError instanceof HandshakeError ? readError.detail : String(readError)}. ${step.to} learns nothing it can trust and drops the handshake.`;
      return { protocol: PROTOCOL_NAME, trace, outcome };
    }
    step.learns = learnsSentence(index, step.from, step.to, states[toRole]);
  }

  return finish(parties, states, trace);
}

function finish(parties: Record<Role, Party>, states: Record<Role, HandshakeState>, trace: TraceStep[]): HandshakeRun {
  const side = (role: Role): SideResult => {
    const session = states[role].session;
    return {
      name: parties[role].name,
      role,
      remoteStaticHex: bytesToHex(session.remoteStaticPublicKey),
      remoteCellId: cellIdText(session.remoteStaticPublicKey),
      handshakeHashHex: bytesToHex(session.handshakeHash),
      sendKeyHex: bytesToHex(session.send.keyBytes()!),
      receiveKeyHex: bytesToHex(session.receive.keyBytes()!),
    };
  };
  const initiator = side('initiator');
  const responder = side('responder');
  // Cannot differ if every message was accepted (each tag covers h); checked anyway, as a tripwire.
  const agree =
    initiator.handshakeHashHex === responder.handshakeHashHex &&
    initiator.sendKeyHex === responder.receiveKeyHex &&
    initiator.receiveKeyHex === responder.sendKeyHex;
  if (!agree) {
    return {
      protocol: PROTOCOL_NAME,
      trace,
      outcome: {
        ok: false,
        failedMessage: 3,
        failedStep: 'payload',
        detectedBy: 'responder',
        reason: 'after message 3: the two sides finished with different handshake hashes or keys',
        hint: 'This should be impossible; it points to a bug in the handshake code.',
      },
    };
  }
  return {
    protocol: PROTOCOL_NAME,
    trace,
    outcome: { ok: true, handshakeHashHex: initiator.handshakeHashHex, initiator, responder },
    sessions: { initiator: states.initiator.session, responder: states.responder.session },
  };
}

function failure(error: unknown, detectedBy: Role): HandshakeOutcome {
  if (error instanceof HandshakeError) {
    return { ok: false, failedMessage: error.messageIndex, failedStep: error.step, detectedBy, reason: error.message, hint: error.hint };
  }
  throw error;
}

function isDhToken(token: Token): token is DhToken {
  return token === 'ee' || token === 'es' || token === 'se';
}

function dhTrace(index: MessageIndex, token: DhToken, sender: HandshakeState, receiver: HandshakeState): DhTrace {
  const mine = sender.dhOutput(index, token);
  const theirs = receiver.dhOutput(index, token);
  return {
    token,
    formula: `${token}: ${DH_FORMULA[token]}`,
    senderHex: mine ? bytesToHex(mine) : null,
    receiverHex: theirs ? bytesToHex(theirs) : null,
    agree: mine && theirs ? equalBytes(mine, theirs) : null,
  };
}

function learnsSentence(index: MessageIndex, from: string, to: string, receiver: HandshakeState): string {
  if (index === 1) {
    return `${to} learns ${from}'s ephemeral public key, sent in the clear. Nobody is authenticated yet, and a payload in this message would be readable by anyone on the wire.`;
  }
  const cell = cellIdText(receiver.remoteStaticPublicKey!);
  if (index === 2) {
    return `${to} learns ${from}'s ephemeral key and, encrypted under the ee secret, ${from}'s static key (CellID ${cell}). The payload decrypted only because both sides derived the same es secret, so ${from} really holds the private half of that static key.`;
  }
  return `${to} learns ${from}'s static key (CellID ${cell}), encrypted. The se secret matched, so ${from} holds its private half. Both sides now share the same handshake hash and split it into two transport keys, one per direction.`;
}
