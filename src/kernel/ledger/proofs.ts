import { sha256 } from '@noble/hashes/sha2.js';
import type { ConsistencyProof, InclusionProof } from './ledger';
import { consistencyProblem, rootFromInclusion } from './merkle';
import { openCheckpoint, openTreeHead, parseVkey, toBase64 } from './note';

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
