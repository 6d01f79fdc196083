import { sha256 } from '@noble/hashes/sha2.js';
import type { ConsistencyProof, InclusionProof } from './ledger';
import { consistencyProblem, rootFromInclusion } from './merkle';
import { LEAF_TAG } from './chain';
import { fromBase64, openCheckpoint, openTreeHead, parseCheckpoint, parseVkey, toBase64 } from './note';

/**
 * Proofs as files an auditor can check with standard tools (one JSON object, one line):
 *
 *   {"format":"capplay-ledger-proof","version":1,"type":"inclusion","vkey":"<name+id+key>","checkpoint":"<signed note>",
 *    "seq":S,"index":S-1,"treeSize":N,"leaf":"<base64 leaf input>","path":["<base64 hash>",…]}
 *
 *   {"format":"capplay-ledger-proof","version":1,"type":"consistency","vkey":"…","checkpoints":["<note at A>","<note at B>"],
 *    "from":A,"to":B,"path":["<base64 hash>",…]}
 *
 * `leaf` is the RFC 6962 leaf input (LEAF_TAG || encode(record), chain.ts): its leaf hash is SHA-256(0x00 || leaf).
 * `path` is RFC 6962 PATH (inclusion, leaf to root) or PROOF (consistency), checked with RFC 9162 §2.1.3.2 and
 * §2.1.4.2 against the root hashes of the checkpoints: signed notes whose signatures the vkey checks
 * (c2sp.org/signed-note), or, with "vkey":null, the kernel's unsigned tree heads.
 */
export const PROOF_FORMAT = 'capplay-ledger-proof';

/*
 * The kernel signs nothing, so a proof it makes carries its unsigned tree head ("vkey":null, the head's three lines
 * as "checkpoint"): it shows the path leads to that root; what vouches for the root is a signed export's checkpoint
 * for the same size (its co-signer's key). A proof with a vkey (made from a signed note) is checked under it.
 */

export function inclusionProofJson(p: InclusionProof, vkey: string | null = null, checkpoint = p.head): string {
  return JSON.stringify({
    format: PROOF_FORMAT,
    version: 1,
    type: 'inclusion',
    vkey,
    checkpoint,
    seq: p.seq,
    index: p.seq - 1,
    treeSize: p.treeSize,
    leaf: toBase64(p.leaf),
    path: p.path.map(toBase64),
  });
}

export function consistencyProofJson(p: ConsistencyProof, vkey: string | null = null, checkpoints = [p.fromHead, p.toHead]): string {
  return JSON.stringify({
    format: PROOF_FORMAT,
    version: 1,
    type: 'consistency',
    vkey,
    checkpoints,
    from: p.from,
    to: p.to,
    path: p.path.map(toBase64),
  });
}

/** A checkpoint as a proof carries it: a signed note checked under `vkey`, or (vkey null) a bare tree head. */
function openHead(text: string, vkey: string | null): { size: number; root: Uint8Array } | string {
  if (vkey === null) return openTreeHead(text);
  const key = parseVkey(vkey);
  if (typeof key === 'string') return `the verifier key: ${key}`;
  return openCheckpoint(text, key);
}

/** Check an inclusion proof as a verifier holding only the proof (and the vkey, if signed) would: null if it holds, else why not. */
export function inclusionProblem(p: InclusionProof, vkey: string | null = null, checkpoint = p.head): string | null {
  const cp = openHead(checkpoint, vkey);
  if (typeof cp === 'string') return `the checkpoint: ${cp}`;
  if (cp.size !== p.treeSize) return `the checkpoint is for ${cp.size} entries, the proof for ${p.treeSize}`;
  const root = rootFromInclusion(p.seq - 1, p.treeSize, sha256(new Uint8Array([0, ...p.leaf])), p.path);
  if (typeof root === 'string') return root;
  return root.every((x, i) => x === cp.root[i]) ? null : "the path does not lead to the tree head's root";
}

/** The same for a consistency proof: both heads read (and signed, with a vkey), and the path leads from the one root to the other. */
export function consistencyProofProblem(
  p: ConsistencyProof,
  vkey: string | null = null,
  checkpoints = [p.fromHead, p.toHead],
): string | null {
  const a = openHead(checkpoints[0], vkey);
  if (typeof a === 'string') return `the checkpoint at ${p.from}: ${a}`;
  const b = openHead(checkpoints[1], vkey);
  if (typeof b === 'string') return `the checkpoint at ${p.to}: ${b}`;
  if (a.size !== p.from || b.size !== p.to) return 'the checkpoints are not for the sizes the proof is for';
  return consistencyProblem(p.from, p.to, a.root, b.root, p.path);
}

// ── reading a proof file (capplay verify <proof.json>) ─────────────────────────────────────────────────────────

/** A proof file is one JSON line; anything far bigger is not one (a path has at most 64 hashes). */
export const MAX_PROOF_CHARS = 1024 * 1024;

/** What a proof file that checks out proves: the record (inclusion) or the two sizes (consistency), and under which key. */
export type ProofVerdict =
  | {
      ok: true;
      type: 'inclusion';
      seq: number;
      treeSize: number;
      pathLength: number;
      origin: string;
      root: Uint8Array;
      /** The record the leaf encodes (its kind and detail), for people. */
      record: { kind: string; detail: string };
      vkey: string | null;
      publicKey: Uint8Array | null;
    }
  | {
      ok: true;
      type: 'consistency';
      from: number;
      to: number;
      pathLength: number;
      origin: string;
      roots: [Uint8Array, Uint8Array];
      vkey: string | null;
      publicKey: Uint8Array | null;
    }
  | { ok: false; reason: string };

/**
 * True when the text is a proof file (its "format"), not an export: its first line, or the whole of a small text
 * (a proof pretty-printed over several lines, by jq say). Never throws.
 */
export function isProofText(text: string): boolean {
  const nl = text.indexOf('\n');
  const first = nl < 0 ? text : text.slice(0, nl);
  const isProof = (t: string) => {
    if (t.length > MAX_PROOF_CHARS || !t.includes(PROOF_FORMAT)) return false;
    try {
      const v = JSON.parse(t) as unknown;
      return typeof v === 'object' && v !== null && (v as { format?: unknown }).format === PROOF_FORMAT;
    } catch {
      return false;
    }
  };
  return isProof(first) || isProof(text);
}

const isSeq = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;

/** A list of base64 32-byte hashes, or why not. */
function hashes(v: unknown): Uint8Array[] | string {
  if (!Array.isArray(v)) return '"path" should be a list of base64 hashes';
  if (v.length > 64)
    return `"path" has ${v.length} hashes, over the 64 any proof here can need (a tree of up to 2^53 entries needs at most 53)`;
  const out: Uint8Array[] = [];
  for (const [i, h] of v.entries()) {
    const b = typeof h === 'string' ? fromBase64(h) : null;
    if (!b || b.length !== 32) return `"path"[${i}] is not the base64 of a 32-byte hash`;
    out.push(b);
  }
  return out;
}

/** The seq, kind and detail a record format 3 leaf input encodes (LEAF_TAG || u64 seq || f64 time || str kind || …), or why not. */
export function leafRecord(leaf: Uint8Array): { seq: number; kind: string; detail: string } | string {
  const T = LEAF_TAG.length;
  if (leaf.length < T + 16 + 4 || LEAF_TAG.some((b, i) => leaf[i] !== b))
    return 'the leaf is not a capplay ledger record (record format 3)';
  const v = new DataView(leaf.buffer, leaf.byteOffset, leaf.byteLength);
  const str = (at: number): [string, number] | null => {
    if (at + 4 > leaf.length) return null;
    const n = v.getUint32(at, false);
    if (at + 4 + n > leaf.length) return null;
    return [new TextDecoder().decode(leaf.subarray(at + 4, at + 4 + n)), at + 4 + n];
  };
  const seq = Number(v.getBigUint64(T, false));
  const kind = str(T + 16);
  const detail = kind && kind[1] + 24 <= leaf.length ? str(kind[1] + 24) : null;
  if (!kind || !detail) return 'the leaf is cut short: not a whole record';
  return { seq, kind: kind[0], detail: detail[0] };
}

/**
 * Check a proof file (untrusted text) as a verifier holding only it would: its checkpoint note(s) opened — signed
 * notes under the proof's vkey (which must be `publicKey` when one is pinned), or bare tree heads when "vkey" is
 * null — and the path checked against the note's root (RFC 9162 §2.1.3.2, §2.1.4.2). Never throws.
 */
export function verifyProofText(text: string, options: { publicKey?: Uint8Array } = {}): ProofVerdict {
  const bad = (reason: string): ProofVerdict => ({ ok: false, reason });
  if (typeof text !== 'string') return bad('expected the proof as text');
  if (text.length > MAX_PROOF_CHARS) return bad(`the file is ${text.length} characters long: a proof is one short JSON line`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return bad('the file is not one JSON object (a proof is one JSON line)');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('the proof should be a JSON object');
  const o = v as Record<string, unknown>;
  if (o.format !== PROOF_FORMAT) return bad(`"format" should be "${PROOF_FORMAT}"`);
  if (o.version !== 1) return bad('"version" should be 1, the only proof version this verifier reads');
  const vk = o.vkey;
  if (vk !== null && typeof vk !== 'string') return bad('"vkey" should be a signed-note verifier key, or null (unsigned)');
  const key = vk === null ? null : parseVkey(vk);
  if (typeof key === 'string') return bad(`"vkey" is not a usable verifier key: ${key}`);
  const pinned = options.publicKey;
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  if (pinned && !key) return bad(`the proof is unsigned ("vkey":null), not signed by the expected key ${hex(pinned)}`);
  if (pinned && key && hex(key.publicKey) !== hex(pinned))
    return bad(`the proof is signed by public key ${hex(key.publicKey)}, not the expected ${hex(pinned)}`);
  const path = hashes(o.path);
  if (typeof path === 'string') return bad(path);
  /** What every verdict carries: the path's length and the key (none: unsigned). */
  const common = { pathLength: path.length, vkey: vk, publicKey: key ? key.publicKey : null };
  const originOf = (note: string) => {
    const c = vk === null ? openTreeHead(note) : parseCheckpoint(note);
    return typeof c === 'string' ? '' : c.origin;
  };

  if (o.type === 'inclusion') {
    const { seq, index, treeSize, checkpoint } = o;
    if (!isSeq(seq, 1)) return bad('"seq" should be a whole number >= 1');
    if (index !== seq - 1) return bad(`"index" should be seq - 1 (${seq - 1}), the leaf's place in the tree`);
    if (!isSeq(treeSize, seq)) return bad(`"treeSize" should be a whole number >= seq (${seq})`);
    if (typeof checkpoint !== 'string') return bad('"checkpoint" should be the checkpoint note (a string)');
    const leaf = typeof o.leaf === 'string' ? fromBase64(o.leaf) : null;
    if (!leaf) return bad('"leaf" should be the base64 of the leaf input');
    const record = leafRecord(leaf);
    if (typeof record === 'string') return bad(record);
    if (record.seq !== seq) return bad(`the leaf is entry ${record.seq}'s record, but the proof is for entry ${seq}`);
    const p = { seq, treeSize, leaf, leafHash: new Uint8Array(0), path, root: new Uint8Array(0), head: checkpoint };
    const why = inclusionProblem(p, vk, checkpoint);
    if (why) return bad(why);
    const { root } = openHead(checkpoint, vk) as { root: Uint8Array };
    const { kind, detail } = record;
    return { ok: true, type: 'inclusion', seq, treeSize, origin: originOf(checkpoint), root, record: { kind, detail }, ...common };
  }
  if (o.type === 'consistency') {
    const { from, to, checkpoints } = o;
    if (!isSeq(from, 1)) return bad('"from" should be a whole number >= 1');
    if (!isSeq(to, from)) return bad(`"to" should be a whole number >= from (${from})`);
    if (!Array.isArray(checkpoints) || checkpoints.length !== 2 || checkpoints.some((c) => typeof c !== 'string'))
      return bad('"checkpoints" should be the two checkpoint notes, at from and at to');
    const [a, b] = checkpoints as [string, string];
    const p = { from, to, path, fromRoot: new Uint8Array(0), toRoot: new Uint8Array(0), fromHead: a, toHead: b };
    const why = consistencyProofProblem(p, vk, [a, b]);
    if (why) return bad(why);
    if (originOf(a) !== originOf(b)) return bad('the two checkpoints are of different logs (their origins differ)');
    const roots = [a, b].map((c) => (openHead(c, vk) as { root: Uint8Array }).root) as [Uint8Array, Uint8Array];
    return { ok: true, type: 'consistency', from, to, origin: originOf(a), roots, ...common };
  }
  return bad('"type" should be "inclusion" or "consistency"');
}
