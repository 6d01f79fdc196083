import { bytesToHex } from '@noble/hashes/utils.js';
import type { ExecResult, OutputLine } from '../../host-api';
import { toBase64 } from '../../ledger/note';
import { consistencyProofJson, consistencyProofProblem, inclusionProblem, inclusionProofJson } from '../../ledger/proofs';
import { tamperCopy, verifyLedgerText } from '../../ledger/verifyText';
import { fmtTime, intArg, noMore, out, table, UsageError, words, type Command, type KernelView } from '../common';
import type { Token } from '../tokenize';

/**
 * The WORM ledger: the newest records, verifying the records, the Merkle tree and its tree heads, export (the page co-signs),
 * the tamper demo, and RFC 6962 proofs (inclusion of a record, consistency of two tree sizes).
 */

function ledgerCommand(sub: string, args: Token[], view: KernelView): OutputLine[] | ExecResult {
  const l = view.ledger;
  switch (sub) {
    case 'verify': {
      noMore(args, 1);
      const r = l.verify();
      if (!r.ok) return [out(`✕ the ledger does not verify: entry ${r.firstBad!.seq}: ${r.firstBad!.reason}`, 'error')];
      return [
        out(
          `✓ ${r.entries} entries, every hash matches its record; ${r.checkpoints} tree head${r.checkpoints === 1 ? '' : 's'} match the Merkle roots (the kernel signs none: an export is co-signed with this installation's key)`,
          'ok',
        ),
      ];
    }
    case 'export': {
      noMore(args, 1);
      // The page co-signs the tree heads with its installation's key and downloads the file (the kernel holds no key).
      return {
        lines: [out(`exporting ${l.length} entries as JSONL with their tree heads, co-signed by this installation's key`, 'ok')],
        download: { name: 'capplay-ledger.jsonl', ledger: true },
      };
    }
    case 'tamper': {
      const seq = args[1] ? intArg(args[1], 'seq', 1, l.length) : Math.max(1, Math.ceil(l.length / 2));
      noMore(args, 2);
      const copy = tamperCopy(l.exportJsonl(), seq);
      if (!copy) return [out(`entry ${seq} has no letter to alter`, 'error')];
      const r = verifyLedgerText(copy.altered, null);
      return [
        out(
          `altered one byte of entry ${seq} (line ${copy.line}) in a copy of the export; the ledger itself has no API to modify or delete a record`,
          'dim',
        ),
        r.ok
          ? out('✕ the altered copy still verified: this should never happen', 'error')
          : out(`verification of the copy: ✕ line ${r.line}${r.seq !== undefined ? `, entry ${r.seq}` : ''}: ${r.reason}`, 'ok'),
      ];
    }
    case 'prove': {
      if (l.length === 0) return [out('the ledger is empty: there is nothing to prove', 'error')];
      if (!args[1]) throw new UsageError('ledger prove takes the seq of a record, and optionally a tree size', args[0].column);
      const seq = intArg(args[1], 'seq', 1, l.length);
      // A tree size from seq to the length: the record proved in the tree as it was then (an earlier export's size).
      const size = args[2] ? intArg(args[2], 'size', seq, l.length) : l.length;
      noMore(args, 3);
      const p = l.proveInclusion(seq, size);
      const why = inclusionProblem(p);
      return [
        out(
          `entry ${seq} is leaf ${seq - 1} of the tree of ${p.treeSize} entries (RFC 6962 inclusion proof, ${p.path.length} hashes):`,
          'dim',
        ),
        out(`  leaf hash  ${bytesToHex(p.leafHash)}`),
        ...p.path.map((h, i) => out(`  ${i === 0 ? 'path' : '    '}       ${bytesToHex(h)}`)),
        out(`  root       ${toBase64(p.root)} (tree head for ${p.treeSize} entries of ${l.origin}, unsigned)`),
        why
          ? out(`✕ the proof does not check out: ${why}`, 'error')
          : out(
              "✓ the path leads from the leaf to the tree head's root (the kernel signs no head: an export's co-signed checkpoint would vouch for it, if an export was made at that size)",
              'ok',
            ),
        out(`proof: ${inclusionProofJson(p)}`, 'dim'),
      ];
    }
    case 'consistency': {
      if (!args[1] || !args[2]) throw new UsageError('ledger consistency takes two tree sizes, a <= b', args[0].column);
      const a = intArg(args[1], 'a', 1, Math.max(1, l.length));
      const b = intArg(args[2], 'b', a, Math.max(a, l.length));
      noMore(args, 3);
      if (b > l.length) return [out(`the ledger holds ${l.length} entries, not ${b}`, 'error')];
      const p = l.proveConsistency(a, b);
      const why = consistencyProofProblem(p);
      return [
        out(`the tree of ${a} entries is a prefix of the tree of ${b} (RFC 6962 consistency proof, ${p.path.length} hashes):`, 'dim'),
        out(`  root at ${a}  ${toBase64(p.fromRoot)}`),
        out(`  root at ${b}  ${toBase64(p.toRoot)}`),
        ...p.path.map((h, i) => out(`  ${i === 0 ? 'path' : '    '}       ${bytesToHex(h)}`)),
        why
          ? out(`✕ the proof does not check out: ${why}`, 'error')
          : out('✓ the path leads from the first root to the second: nothing before entry ' + (a + 1) + ' was changed', 'ok'),
        out(`proof: ${consistencyProofJson(p)}`, 'dim'),
      ];
    }
  }
  throw new UsageError(`ledger takes a count, verify, export, tamper, prove or consistency; got ${JSON.stringify(sub)}`, args[0].column);
}

export const LEDGER_COMMANDS: Command[] = [
  {
    name: 'ledger',
    world: 'outside',
    usage: 'ledger [n] | ledger verify | ledger export | ledger tamper [seq] | ledger prove <seq> [size] | ledger consistency <a> <b>',
    summary:
      'the last n audit records (default 10); verify the records, Merkle tree and tree heads; export JSONL (co-signed by this installation’s key); the tamper demo; RFC 6962 inclusion and consistency proofs',
    args: [words('action', ['verify', 'export', 'tamper', 'prove', 'consistency'])],
    run(args, { view }) {
      const sub = args[0]?.type === 'word' && /^[a-z]+$/.test(args[0].value) ? args[0].value : null;
      if (sub) return ledgerCommand(sub, args, view);
      const n = args[0] ? intArg(args[0], 'n', 1, 1000) : 10;
      noMore(args, 1);
      const rows = view.ledger.last(n).map((e) => [e.seq, fmtTime(e.time), e.kind, e.detail]);
      return [out(`${view.ledger.length} records in all`, 'dim'), ...table(['SEQ', 'TIME', 'EVENT', 'DETAIL'], rows)];
    },
  },
];
