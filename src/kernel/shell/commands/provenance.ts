import { grantsInForce, provenance } from '../../caps/provenance';
import type { OutputLine } from '../../host-api';
import { intArg, noMore, out, table, UsageError, type ShellContext } from '../common';
import type { Token } from '../tokenize';

/**
 * `caps --why`: provenance (seed 003 S1, seed 000). With a cap, its chain of custody from the mint or boot wiring to
 * the holder, each step with its ledger record; without one, the grants in force in the table. Read from the
 * kernel's grant, mask and release records only (caps/provenance.ts).
 */
export function capsWhy(args: Token[], { view, pid }: ShellContext): OutputLine[] {
  let i = 1;
  const ref = args[i]?.type === 'ref' ? args[i++] : undefined;
  const target = args[i] ? intArg(args[i++], 'pid', 1, 0x7fffffff) : pid;
  noMore(args, i);
  const p = view.processes.get(target);
  if (!p) throw new UsageError(`no process with pid ${target}`, args[i - 1]?.column);
  if (!ref) {
    const rows = grantsInForce(view.ledger, p.cnode.entries()).map((g) => [
      g.slot,
      `@${g.cap}`,
      g.kind,
      g.how,
      g.by ? view.who(g.by) : 'kernel',
      `#${g.seq}`,
    ]);
    return [
      out(`grants in force in ${view.who(target)}: ${rows.length} cap${rows.length === 1 ? '' : 's'}`, 'dim'),
      ...table(['SLOT', 'NAME', 'KIND', 'HOW', 'BY', 'RECORD'], rows),
    ];
  }
  const slot = p.cnode.indexOf(ref.value);
  if (slot < 0) {
    const holders = [...view.processes.values()].filter((q) => q.cnode.indexOf(ref.value) >= 0).map((q) => q.pid);
    const hint = holders.length ? `; held as @${ref.value} by pid ${holders.slice(0, 5).join(', ')} (caps --why @${ref.value} <pid>)` : '';
    throw new UsageError(`${view.who(target)} holds no cap named @${ref.value}${hint}`, ref.column);
  }
  const chain = provenance(view.ledger, target, p.cnode.get(slot)!.granted);
  const lines = [
    out(
      `chain of custody of @${ref.value} in ${view.who(target)}: ${chain.steps.length} step${chain.steps.length === 1 ? '' : 's'}, oldest first`,
      'dim',
    ),
  ];
  for (const s of chain.steps)
    lines.push(
      out(
        `  #${s.seq}  ${s.how.padEnd(7)}  ${s.detail}${s.inferred ? ' (minted from the cap above: inferred, the record does not name it)' : ''}`,
      ),
    );
  if (chain.problem) lines.push(out(`  the chain stops: ${chain.problem}`, 'error'));
  return lines;
}
