import type { LedgerEntry } from '../sab/layout';
import { HASH_BYTES, recordLeaf } from './chain';
import { factsText } from './facts';
import { ExportVerifier, type ExportBad, type VerifyExportOptions, type VerifyExportResult } from './jsonl';
import type { ConsistencyProof, InclusionProof } from './ledger';
import { MerkleTree } from './merkle';
import { parseCheckpoint } from './note';
import { consistencyProofJson, consistencyProofProblem, inclusionProblem, inclusionProofJson } from './proofs';

/**
 * Proofs made from an export, for an auditor who holds only the file (`capplay prove`): the file is verified as it
 * streams in (ExportVerifier, the verifier of `capplay verify` and Import…), the verified entries' leaf hashes are
 * kept (32 bytes each: 32 MB for a million) and the RFC 6962 tree rebuilt from them, and a proof is made against
 * the export's own checkpoints — signed notes under its vkey, or an unsigned export's bare tree heads — and
 * checked as a verifier holding only the proof would check it, before it is handed out.
 */

export type VerifiedExport = VerifyExportResult & { ok: true };

/** A proof, or why none: `usage` when the request does not fit the file (a size with no checkpoint), else a failed check. */
export type ExportProofResult<P> = { ok: true; proof: P; json: string; notes: string[] } | { ok: false; usage: boolean; problem: string };

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;

export class ExportProver {
  private readonly verifier: ExportVerifier;
  private leaves = new Uint8Array(1024 * HASH_BYTES);
  private count = 0;
  private readonly notes = new Map<number, string>();
  private record: LedgerEntry | null = null;

  constructor(
    options: Omit<VerifyExportOptions, 'observe' | 'collect'>,
    /** The seq whose record an inclusion proof will need (its leaf input is made from it). */
    seq: number | null = null,
  ) {
    this.verifier = new ExportVerifier({
      ...options,
      collect: false,
      observe: {
        leaf: (s, hash) => this.keepLeaf(s, hash),
        checkpoint: (size, note) => void this.notes.set(size, note),
        ...(seq !== null ? { record: { seq, got: (e: LedgerEntry) => void (this.record = e) } } : {}),
      },
    });
  }

  /** The next piece of the file. */
  push(chunk: string): void {
    this.verifier.push(chunk);
  }

  /** True once a problem was found (end() says which). */
  get stopped(): boolean {
    return this.verifier.stopped;
  }

  /** The file is complete: the verdict, and what can be proved from it if it verified. */
  end(): { ok: true; export: ProvableExport } | { ok: false; firstBad: ExportBad } {
    const r = this.verifier.end();
    if (!r.ok) return r;
    return { ok: true, export: new ProvableExport(r, this.leaves.subarray(0, this.count * HASH_BYTES), this.notes, this.record) };
  }

  /** The hex "hash" as read (the verdict checks it against the record before anything here is used). */
  private keepLeaf(seq: number, hash: string): void {
    if (seq * HASH_BYTES > this.leaves.length) {
      const grown = new Uint8Array(this.leaves.length * 2);
      grown.set(this.leaves);
      this.leaves = grown;
    }
    const off = (seq - 1) * HASH_BYTES;
    for (let i = 0; i < HASH_BYTES; i++)
      this.leaves[off + i] = (HEX_VALUE[hash.charCodeAt(2 * i)] << 4) | HEX_VALUE[hash.charCodeAt(2 * i + 1)];
    this.count = seq;
  }
}

/** A verified export, its tree rebuilt from the leaf hashes: proofs against its checkpoints. */
export class ProvableExport {
  private readonly tree: MerkleTree;

  constructor(
    readonly verified: VerifiedExport,
    leaves: Uint8Array,
    private readonly notes: ReadonlyMap<number, string>,
    private readonly record: LedgerEntry | null,
  ) {
    this.tree = new MerkleTree((i, out, off) => out.set(leaves.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES), off));
    this.tree.appendMany(leaves, 0, leaves.length / HASH_BYTES);
  }

  /** The tree sizes the export has checkpoints for, in order. */
  get sizes(): number[] {
    return [...this.notes.keys()];
  }

  /** The vkey the notes are signed under (null: an unsigned export, bare tree heads). */
  get vkey(): string | null {
    return this.verified.vkey ?? null;
  }

  /** Record `seq` is in the tree at `size` (default: the last checkpoint's). */
  inclusion(seq: number, size = this.sizes.at(-1) ?? 0): ExportProofResult<InclusionProof> {
    const refused = this.refuse(size) ?? (seq > size ? this.usage(`entry ${seq} is not in a tree of ${size} entries`) : null);
    if (refused) return refused;
    if (!this.record || this.record.seq !== seq)
      return this.usage(`entry ${seq} was not read from the file (it has ${this.verified.count})`);
    const { leaf, leafHash } = recordLeaf(this.record, factsText(this.record.facts));
    const note = this.notes.get(size)!;
    const p: InclusionProof = {
      seq,
      treeSize: size,
      leaf,
      leafHash,
      path: this.tree.inclusionProof(seq - 1, size),
      root: this.tree.rootAt(size),
      head: this.body(note),
    };
    const why = inclusionProblem(p, this.vkey, note);
    if (why) return { ok: false, usage: false, problem: `the proof made does not check out: ${why}` };
    return { ok: true, proof: p, json: inclusionProofJson(p, this.vkey, note), notes: [note] };
  }

  /** The tree at `from` entries is a prefix of the tree at `to`: both must be checkpoints of the export. */
  consistency(from: number, to: number): ExportProofResult<ConsistencyProof> {
    if (from > to) return this.usage(`a consistency proof goes from a smaller tree size to a larger one, not ${from} to ${to}`);
    const refused = this.refuse(from) ?? this.refuse(to);
    if (refused) return refused;
    const a = this.notes.get(from)!;
    const b = this.notes.get(to)!;
    const p: ConsistencyProof = {
      from,
      to,
      path: this.tree.consistencyProof(from, to),
      fromRoot: this.tree.rootAt(from),
      toRoot: this.tree.rootAt(to),
      fromHead: this.body(a),
      toHead: this.body(b),
    };
    const why = consistencyProofProblem(p, this.vkey, [a, b]);
    if (why) return { ok: false, usage: false, problem: `the proof made does not check out: ${why}` };
    return { ok: true, proof: p, json: consistencyProofJson(p, this.vkey, [a, b]), notes: [a, b] };
  }

  /** A note's checkpoint body (the note itself when unsigned: a bare tree head). */
  private body(note: string): string {
    if (this.vkey === null) return note;
    const c = parseCheckpoint(note);
    return typeof c === 'string' ? note : c.body;
  }

  private usage(problem: string): { ok: false; usage: true; problem: string } {
    return { ok: false, usage: true, problem };
  }

  /** Why `size` cannot be proved against (no checkpoint for it: the sizes there are named), or null. */
  private refuse(size: number): { ok: false; usage: true; problem: string } | null {
    if (this.verified.version !== 3)
      return this.usage(`the export is in record format ${this.verified.version}, a hash chain: proofs need the RFC 6962 tree of format 3`);
    if (!this.notes.size) return this.usage('the export is empty: it has no checkpoint to prove against');
    if (this.notes.has(size)) return null;
    return this.usage(`the export has no checkpoint at tree size ${size}; it has ${sizesText(this.sizes, this.verified.checkpointEvery)}`);
  }
}

/** "8192, 16384 and 20000", or, for many, the first and last few and the rule. */
export function sizesText(sizes: readonly number[], every: number): string {
  const list = (xs: readonly number[]) => (xs.length === 1 ? `${xs[0]}` : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);
  if (sizes.length <= 8) return `${sizes.length === 1 ? 'one, at' : 'checkpoints at'} ${list(sizes)}`;
  return `${sizes.length} checkpoints, at ${sizes.slice(0, 3).join(', ')}, …, ${list(sizes.slice(-2))} (every ${every} entries, and the last)`;
}
