import { ExportProver } from '../kernel/ledger/exportProof';
import { badExportLine, CLI_LIMITS, signerLines, type VerifyIo } from './verify';

/**
 * `capplay prove <export.jsonl> <seq> [--size S]` and `capplay prove <export.jsonl> --consistency <A> <B>`: proofs an
 * auditor holding only an export can hand on. The export is verified as it is read (the verifier of `capplay
 * verify`), the tree rebuilt from its verified leaf hashes, and the proof made against the export's own checkpoint
 * at that size (default: the last) — a signed note under the export's vkey, or a bare tree head when it is
 * unsigned — and checked before it is printed. The proof JSON is the only thing on stdout (redirect it to a file
 * and check it with `capplay verify <proof.json>`); what was verified and who signed go to stderr.
 *
 * Exit codes as `capplay verify`: 0 a proof printed, 1 the export does not verify (or the proof did not check out),
 * 2 bad usage — a size the export has no checkpoint for (the sizes it has are named), an entry past that size.
 */

export type ProveRequest = { type: 'inclusion'; seq: number; size?: number } | { type: 'consistency'; from: number; to: number };

export function proveFile(
  chunks: Iterable<string>,
  source: string,
  req: ProveRequest,
  key: string | undefined,
  io: VerifyIo,
  own: Uint8Array | null = null,
): number {
  const prover = new ExportProver({ ...CLI_LIMITS, ...(key ? { publicKey: key } : {}) }, req.type === 'inclusion' ? req.seq : null);
  for (const chunk of chunks) {
    prover.push(chunk);
    if (prover.stopped) break; // the first problem is found: the rest of the file is not read
  }
  const r = prover.end();
  if (!r.ok) {
    io.err(badExportLine(source, r.firstBad));
    return 1;
  }
  const x = r.export;
  const made = req.type === 'inclusion' ? x.inclusion(req.seq, req.size) : x.consistency(req.from, req.to);
  if (!made.ok) {
    io.err(`capplay prove: ${source}: ${made.problem}`);
    return made.usage ? 2 : 1;
  }
  io.out(made.json);
  const v = x.verified;
  const say = (l: string) => io.err(l);
  say(`✓ ${source}: ${v.count} entries, ${v.checkpoints.length} checkpoint${v.checkpoints.length === 1 ? '' : 's'} verified`);
  if (made.proof && 'seq' in made.proof) {
    const p = made.proof;
    say(
      `  entry ${p.seq} is leaf ${p.seq - 1} of the tree at ${p.treeSize} entries (${p.path.length} hash${p.path.length === 1 ? '' : 'es'}): the proof on stdout checks out against the export's checkpoint at ${p.treeSize}`,
    );
  } else {
    const p = made.proof;
    say(
      `  the tree at ${p.from} entries is a prefix of the tree at ${p.to} (${p.path.length} hash${p.path.length === 1 ? '' : 'es'}): the proof on stdout checks out against the export's checkpoints at ${p.from} and ${p.to}`,
    );
  }
  if (!x.vkey) {
    say(
      '  UNSIGNED export ("vkey":null): the proof shows only that the path leads to the bare tree head\'s root; nothing vouches for that root',
    );
    return 0;
  }
  signerLines(
    { publicKey: v.publicKey, vkey: v.vkey, origin: v.origin, version: v.version },
    key,
    own,
    {
      by: 'the proof is against a checkpoint that key signed',
      subject: 'the proof',
    },
    { out: say, err: say },
  );
  return 0;
}
