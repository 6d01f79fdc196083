import { sha256 } from '@noble/hashes/sha2.js';
import type { ConsistencyProof, InclusionProof } from './ledger';
import { consistencyProblem, rootFromInclusion } from './merkle';
import { openCheckpoint, parseVkey, toBase64 } from './note';

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
 * §2.1.4.2 against the root hashes of the checkpoint notes, whose signatures the vkey checks (c2sp.org/signed-note).
 */
export const PROOF_FORMAT = 'capplay-ledger-proof';

export function inclusionProofJson(p: InclusionProof, vkey: string): string {
  return JSON.stringify({
    format: PROOF_FORMAT,
    version: 1,
    type: 'inclusion',
    vkey,
    checkpoint: p.note,
    seq: p.seq,
    index: p.seq - 1,
    treeSize: p.treeSize,
    leaf: toBase64(p.leaf),
    path: p.path.map(toBase64),
  });
}

export function consistencyProofJson(p: ConsistencyProof, vkey: string): string {
  return JSON.stringify({
    format: PROOF_FORMAT,
    version: 1,
    type: 'consistency',
    vkey,
    checkpoints: [p.fromNote, p.toNote],
    from: p.from,
    to: p.to,
    path: p.path.map(toBase64),
  });
}

/** Check an inclusion proof as a verifier holding only the proof and the vkey would: null if it holds, else why not. */
export function inclusionProblem(p: InclusionProof, vkey: string): string | null {
  const key = parseVkey(vkey);
  if (typeof key === 'string') return `the verifier key: ${key}`;
  const cp = openCheckpoint(p.note, key);
  if (typeof cp === 'string') return `the checkpoint: ${cp}`;
  if (cp.size !== p.treeSize) return `the checkpoint is for ${cp.size} entries, the proof for ${p.treeSize}`;
  const root = rootFromInclusion(p.seq - 1, p.treeSize, sha256(new Uint8Array([0, ...p.leaf])), p.path);
  if (typeof root === 'string') return root;
  return root.every((x, i) => x === cp.root[i]) ? null : 'the path does not lead to the signed root';
}

/** The same for a consistency proof: both notes signed, and the path leads from the one root to the other. */
export function consistencyProofProblem(p: ConsistencyProof, vkey: string): string | null {
  const key = parseVkey(vkey);
  if (typeof key === 'string') return `the verifier key: ${key}`;
  const a = openCheckpoint(p.fromNote, key);
  if (typeof a === 'string') return `the checkpoint at ${p.from}: ${a}`;
  const b = openCheckpoint(p.toNote, key);
  if (typeof b === 'string') return `the checkpoint at ${p.to}: ${b}`;
  if (a.size !== p.from || b.size !== p.to) return 'the checkpoints are not for the sizes the proof is for';
  return consistencyProblem(p.from, p.to, a.root, b.root, p.path);
}
