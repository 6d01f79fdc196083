import { bytesToHex } from '@noble/hashes/utils.js';
import type { ExecResult, OutputLine } from '../../host-api';
import { tamperCopy, verifyLedgerText } from '../../ledger/verifyText';
import { fmtTime, intArg, noMore, out, table, UsageError, words, type Command, type KernelView } from '../common';
import type { Token } from '../tokenize';

/** The WORM ledger: the newest records, verifying the chain and its signed checkpoints, export, the tamper demo. */

function ledgerCommand(sub: string, args: Token[], view: KernelView): OutputLine[] | ExecResult {
  const l = view.ledger;
  switch (sub) {
    case 'verify': {
      noMore(args, 1);
      const r = l.verify();
      if (!r.ok) return [out(`✕ the ledger does not verify: entry ${r.firstBad!.seq}: ${r.firstBad!.reason}`, 'error')];
      return [
        out(
          `✓ ${r.entries} entries, hash chain intact; ${r.checkpoints} signed checkpoint${r.checkpoints === 1 ? '' : 's'} verified (key ${bytesToHex(l.publicKey).slice(0, 16)}…)`,
          'ok',
        ),
      ];
    }
    case 'export': {
      noMore(args, 1);
      const text = l.exportJsonl();
      return {
        lines: [out(`exported ${l.length} entries as JSONL with their checkpoints (the last one signed over the head)`, 'ok')],
        download: { name: 'capplay-ledger.jsonl', text },
      };
    }
    case 'tamper': {
      const seq = args[1] ? intArg(args[1], 'seq', 1, l.length) : Math.max(1, Math.ceil(l.length / 2));
      noMore(args, 2);
      const copy = tamperCopy(l.exportJsonl(), seq);
      if (!copy) return [out(`entry ${seq} has no letter to alter`, 'error')];
      const r = verifyLedgerText(copy.altered, l.publicKey);
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
  }
  throw new UsageError(`ledger takes a count, verify, export or tamper; got ${JSON.stringify(sub)}`, args[0].column);
}

export const LEDGER_COMMANDS: Command[] = [
  {
    name: 'ledger',
    world: 'outside',
    usage: 'ledger [n] | ledger verify | ledger export | ledger tamper [seq]',
    summary: 'the last n audit records (default 10); verify the hash chain and signed checkpoints; export JSONL; the tamper demo',
    args: [words('action', ['verify', 'export', 'tamper'])],
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
