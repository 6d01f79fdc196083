import { ed25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import type { LedgerEntry, LedgerKind } from '../sab/layout';
import { ChainHasher, checkpointMessage, HASH_BYTES, type Checkpoint } from './chain';
import { exportLines } from './jsonl';

export { GENESIS, toHex, type Checkpoint } from './chain';
export { LEDGER_FORMAT, LEDGER_FORMAT_VERSION, MAX_IMPORT_CHARS, MAX_IMPORT_CHECKPOINTS, MAX_IMPORT_LINES, MAX_LINE_CHARS, verifyExport } from './jsonl';
export type { ExportBad, VerifyExportOptions, VerifyExportResult } from './jsonl';

/**
 * Entries per signed checkpoint when none is given. Measured on this project's 2-core Xeon (Node 20, noble):
 * chaining an entry costs ~5 µs, an Ed25519 signature ~1–1.5 ms, a verification ~2.5–3.5 ms. So a checkpoint
 * adds ~1.2/N µs to every append and ~3/N ms to verifying each entry: at N = 1024 that is a third of verify
 * time (1M entries: +2.9 s, over the 5 s budget), at 4096 ~17%, at 8192 ~8%, at 16384 ~4%. 8192 keeps
 * signatures under a tenth of both costs while a rewrite is still pinned to an 8192-entry window; and an
 * export is covered up to its last entry whatever N is, because `exportJsonl` signs the head at the end of
 * every file. bench/ledger.bench.ts prints the sweep.
 */
export const DEFAULT_CHECKPOINT_EVERY = 8192;

const DEFAULT_KEY_TEXT = 'capplay-ledger/v1 default signing key (public: for demos and tests only)';

/**
 * The deterministic key `new Ledger()` signs with: SHA-256 of a constant. Anyone can compute it, so its
 * signatures prove nothing against a forger — inject a real key (or at least `ledgerKeyFromSeed`) for that.
 */
export const DEFAULT_SIGNING_KEY: Uint8Array = sha256(utf8ToBytes(DEFAULT_KEY_TEXT));

/**
 * The kernel's checkpoint-signing key for a scenario seed: HKDF-SHA256 in the style of the machine identities
 * (pairing/identity.ts), so a replay of the same seed produces byte-identical checkpoints and exports. The seed
 * is not a secret: these signatures catch edits by anyone who does not know the seed, not a forger who does.
 * A deployment that needs more injects a secret key instead.
 */
export function ledgerKeyFromSeed(seed: number | string): Uint8Array {
  const ikm = utf8ToBytes(typeof seed === 'number' ? `n:${seed}` : `s:${seed}`);
  return hkdf(sha256, ikm, utf8ToBytes(LEDGER_KDF_SALT), utf8ToBytes('ed25519-checkpoint-signing'), 32);
}

/** HKDF salt of ledgerKeyFromSeed; bump the version to re-key every scenario's ledger. */
export const LEDGER_KDF_SALT = 'capplay/ledger/checkpoint/v1';

export interface LedgerOptions {
  /** Ed25519 secret key (32 bytes). Default: DEFAULT_SIGNING_KEY. */
  signingKey?: Uint8Array;
  /** Sign a checkpoint after every this many entries (integer >= 1). Default: DEFAULT_CHECKPOINT_EVERY. */
  checkpointEvery?: number;
}

export interface LedgerVerifyResult {
  ok: boolean;
  /** Entries checked (all of them when ok). */
  entries: number;
  /** Checkpoints checked (all of them when ok). */
  checkpoints: number;
  firstBad?: { seq: number; reason: string };
}

const MAX_CHECKPOINT_EVERY = 2 ** 31;

function checkKey(key: unknown): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== 32) throw new TypeError('the ledger signing key must be a Uint8Array of 32 bytes');
  return key.slice();
}

/**
 * The audit ledger: append-only, one record per spawn, exit, kill, grant, release, mint, close, revoke, denial,
 * defense toggle, verdict and clock change. Records carry virtual time, so a replay reproduces the ledger exactly.
 *
 * WORM: there is no modify or delete API, and every record is hash-chained to the one before (see chain.ts).
 * Every `checkpointEvery` entries the ledger signs (size, head hash, interval) with its Ed25519 key. `verify()`
 * re-derives the chain and checks every checkpoint; `exportJsonl()` writes the ledger as JSON lines that
 * `verifyExport()` checks without trusting anything in the file except, optionally, a public key the caller pins.
 */
export class Ledger {
  private records: LedgerEntry[] = [];
  /** hash of entry seq at bytes [32(seq-1), 32 seq). Grows by doubling. */
  private hashes = new Uint8Array(HASH_BYTES * 256);
  private cps: Checkpoint[] = [];
  private readonly chain = new ChainHasher();
  readonly checkpointEvery: number;
  #secretKey: Uint8Array;
  #publicKey: Uint8Array | null = null;

  constructor(options: LedgerOptions = {}) {
    const every = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
    if (!Number.isInteger(every) || every < 1 || every > MAX_CHECKPOINT_EVERY) throw new RangeError(`checkpointEvery must be an integer from 1 to ${MAX_CHECKPOINT_EVERY}`);
    this.checkpointEvery = every;
    this.#secretKey = checkKey(options.signingKey ?? DEFAULT_SIGNING_KEY);
  }

  /** Replace the signing key. Only before the first append: a ledger is signed by one key throughout. */
  setSigningKey(key: Uint8Array): void {
    if (this.records.length > 0) throw new Error('the ledger signing key can only be set before the first append');
    this.#secretKey = checkKey(key);
    this.#publicKey = null;
  }

  /** The Ed25519 public key that verifies this ledger's checkpoints (a copy). */
  get publicKey(): Uint8Array {
    this.#publicKey ??= ed25519.getPublicKey(this.#secretKey);
    return this.#publicKey.slice();
  }

  get length(): number {
    return this.records.length;
  }

  append(time: number, kind: LedgerKind, actor: number, subject: number, detail: string, object = 0): LedgerEntry {
    const seq = this.records.length + 1;
    const entry: LedgerEntry = Object.freeze({ seq, time, kind, actor, subject, object, detail });
    this.chain.push(seq, time, kind, actor, subject, object, detail);
    const off = (seq - 1) * HASH_BYTES;
    if (off + HASH_BYTES > this.hashes.length) {
      const grown = new Uint8Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.chain.headInto(this.hashes, off);
    this.records.push(entry);
    if (seq % this.checkpointEvery === 0) this.cps.push(this.sign(seq));
    return entry;
  }

  /** Records with seq in [from, from + count). */
  page(from: number, count: number): LedgerEntry[] {
    const start = Math.max(0, from - 1);
    return this.records.slice(start, start + Math.max(0, count));
  }

  /** The seqs of every record of one kind, oldest first (a filter over the whole ledger, for the UI). */
  seqsOfKind(kind: LedgerKind): Int32Array {
    const out = new Int32Array(this.records.length);
    let n = 0;
    for (const e of this.records) if (e.kind === kind) out[n++] = e.seq;
    return out.slice(0, n);
  }

  last(n: number): LedgerEntry[] {
    return this.records.slice(Math.max(0, this.records.length - n));
  }

  /** The hash of the newest entry (GENESIS, 32 zero bytes, while empty). A copy. */
  headHash(): Uint8Array {
    const n = this.records.length;
    return n === 0 ? new Uint8Array(HASH_BYTES) : this.hashes.slice((n - 1) * HASH_BYTES, n * HASH_BYTES);
  }

  /** The hash of entry `seq` (a copy), or undefined if there is no such entry. */
  hashAt(seq: number): Uint8Array | undefined {
    if (!Number.isInteger(seq) || seq < 1 || seq > this.records.length) return undefined;
    return this.hashes.slice((seq - 1) * HASH_BYTES, seq * HASH_BYTES);
  }

  /** The signed checkpoints so far, oldest first, one per `checkpointEvery` entries (copies). */
  checkpoints(): Checkpoint[] {
    return this.cps.map((c) => ({ size: c.size, root: c.root.slice(), sig: c.sig.slice() }));
  }

  /**
   * A checkpoint over the current head, signed now but not stored (Ed25519 is deterministic: the same ledger
   * always gives the same bytes). `exportJsonl` ends with one so the tail after the last stored checkpoint is
   * covered too. Null while the ledger is empty.
   */
  signHead(): Checkpoint | null {
    const n = this.records.length;
    if (n === 0) return null;
    const last = this.cps[this.cps.length - 1];
    if (last && last.size === n) return { size: n, root: last.root.slice(), sig: last.sig.slice() };
    return this.sign(n);
  }

  /**
   * Re-derive the whole chain from the records and compare it with the stored hashes, then check each
   * checkpoint's root against the chain and its signature against `publicKey`. Stops at the first problem.
   */
  verify(): LedgerVerifyResult {
    return this.verifyFrom({ hasher: new ChainHasher(), next: 0, ci: 0 });
  }

  /** Where the last incremental verification stopped: the chain state after the entries already checked. */
  private checked: { hasher: ChainHasher; next: number; ci: number } | null = null;

  /**
   * Verify only what was appended since the last call (the entries before were checked and there is no API to
   * change them), so a status that is kept current costs time per new entry, not per entry ever written.
   */
  verifyNew(max = Infinity): LedgerVerifyResult {
    this.checked ??= { hasher: new ChainHasher(), next: 0, ci: 0 };
    const r = this.verifyFrom(this.checked, max);
    if (!r.ok) this.checked = null; // start over next time, and report the same break
    return r;
  }

  /** Check entries from `at.next` on, advancing `at` (its hasher holds the chain head so far). */
  private verifyFrom(at: { hasher: ChainHasher; next: number; ci: number }, max = Infinity): LedgerVerifyResult {
    const n = Math.min(this.records.length, at.next + max);
    const every = this.checkpointEvery;
    const { hasher } = at;
    const hashes = this.hashes;
    const records = this.records;
    const cps = this.cps;
    const publicKey = this.publicKey;
    let ci = at.ci;
    for (let i = at.next; i < n; i++) {
      const e = records[i];
      const seq = i + 1;
      if (!e || e.seq !== seq) return { ok: false, entries: i, checkpoints: ci, firstBad: { seq, reason: `entry ${seq}: the record in its place says seq ${e?.seq} — records were reordered or replaced` } };
      hasher.push(seq, e.time, e.kind, e.actor, e.subject, e.object, e.detail);
      if (!hasher.headEquals(hashes, i * HASH_BYTES)) {
        return { ok: false, entries: i, checkpoints: ci, firstBad: { seq, reason: `entry ${seq}: contents do not match its hash — altered after it was written` } };
      }
      // Checkpoints are checked where they were signed, so a bad one is reported before the entries after it.
      let signedHere = false;
      for (; ci < cps.length && cps[ci].size <= seq; ci++) {
        const bad = cps[ci].size === seq ? this.checkCheckpoint(ci, hasher, publicKey) : `checkpoint ${ci + 1} is for size ${cps[ci].size}, out of order`;
        if (bad) return { ok: false, entries: seq, checkpoints: ci, firstBad: { seq, reason: bad } };
        signedHere = true;
      }
      if (seq % every === 0 && !signedHere) return { ok: false, entries: seq, checkpoints: ci, firstBad: { seq, reason: `the checkpoint after entry ${seq} is missing` } };
      at.next = seq;
      at.ci = ci;
    }
    if (n < this.records.length) return { ok: true, entries: n, checkpoints: ci }; // checked so far; more to come
    if (ci < cps.length) {
      const c = cps[ci];
      return { ok: false, entries: n, checkpoints: ci, firstBad: { seq: c.size, reason: `checkpoint ${ci + 1} claims ${c.size} entries but the ledger holds ${n}` } };
    }
    return { ok: true, entries: n, checkpoints: cps.length };
  }


  /** Write the ledger as JSON lines (see jsonl.ts for the format). A pure function of the ledger: same ledger, same text. */
  exportJsonl(): string {
    return exportLines(this.records, this.hashes, this.cps, this.publicKey, this.checkpointEvery, this.signHead());
  }

  private checkCheckpoint(ci: number, hasher: ChainHasher, publicKey: Uint8Array): string | null {
    const c = this.cps[ci];
    const from = ci === 0 ? 1 : this.cps[ci - 1].size + 1;
    const covers = `checkpoint ${ci + 1} (entries 1..${c.size}; new since the previous checkpoint: ${from}..${c.size})`;
    if (!hasher.headEquals(c.root, 0)) return `${covers}: its root is not the chain head at entry ${c.size}`;
    if (!ed25519.verify(c.sig, checkpointMessage(c.size, c.root, this.checkpointEvery), publicKey, { zip215: false })) return `${covers}: its signature does not verify under the ledger's public key`;
    return null;
  }

  private sign(size: number): Checkpoint {
    const root = this.hashes.slice((size - 1) * HASH_BYTES, size * HASH_BYTES);
    return { size, root, sig: ed25519.sign(checkpointMessage(size, root, this.checkpointEvery), this.#secretKey) };
  }
}
