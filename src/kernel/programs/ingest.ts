import type { Fiber, ProgramContext } from './abi';
import { errorText, say } from './io';

/**
 * ingest: an ingest service (seed 000's Ring 1) appending to the WORM ledger through @ledger, a LedgerAppend cap
 * the policy file grants. Booted, it appends "<text> #n" every `period` ms (args: text, period; default "reading",
 * 2000); run from the shell with words after its name, it appends them once and exits. It reports on @stdio if it
 * holds one. Without an append cap the kernel refuses the call: it says why and exits 1.
 */
export function* ingest(ctx: ProgramContext): Fiber {
  const once = ctx.argv.length > 0;
  const text = once ? ctx.argv.join(' ') : String(ctx.args.text ?? 'reading');
  const period = typeof ctx.args.period === 'number' && ctx.args.period >= 10 ? Math.floor(ctx.args.period) : 2000;
  const stdio = ctx.cap('stdio') !== null;
  for (let i = 1; ; i++) {
    const r = yield { op: 'call', cap: 'ledger', method: 'append', args: [once ? text : `${text} #${i}`] };
    if (!r?.ok) {
      if (stdio) yield* say(`${ctx.name}: append refused: ${errorText(r)}`);
      yield { op: 'exit', code: 1 };
      return;
    }
    const seq = (r.value as { seq?: number } | null)?.seq;
    if (stdio) yield* say(`${ctx.name}: appended ledger record #${seq}`);
    if (once) return;
    yield { op: 'sleep', ms: period };
  }
}
