import { errorText, say as write } from './io';
import type { Fiber, ProgramContext, Syscall, SyscallResult } from './abi';

/**
 * The confused deputy (Hardy, 1988), as two compilers. Each is installed once and serves jobs it reads from its
 * @jobs channel: a job is one line, `<output> <source text…>`. Each keeps a billing file, /var/billing, and adds a
 * line to it per job: that is the compiler's own business and its own authority.
 *
 * - `cc` has ambient authority: one @fs cap it uses for everything. It writes the output wherever the job names,
 *   so a caller who names /var/billing gets the compiler to overwrite its own billing file: the caller supplied the
 *   name, the compiler supplied the authority.
 * - `capcc` is the capability version: its own authority is @billing (an fs cap it is started unveiled to
 *   /var/billing only, and uses only to bill), and it writes output only through a channel cap the caller passed
 *   it (`grant @capcc @out`, then the job names `out`). A path is not a cap: naming /var/billing gets nothing.
 *
 * Each ends a story with a verdict (the banner shows it): `cc` checks its billing file after every job.
 */

export const BILLING = '/var/billing';
export const BILLING_HEADER = '# billing: one line per compile job';
const POLL_MS = 20;

/** Report on @stdio, if the compiler was given one. */
function* say(ctx: ProgramContext, text: string): Generator<Syscall, void, SyscallResult | undefined> {
  if (ctx.cap('stdio')) yield* write(text);
}

/** The next job from @jobs: [output, source], or null when the channel is gone (the compiler then ends). */
function* nextJob(): Generator<Syscall, [string, string] | null, SyscallResult | undefined> {
  for (;;) {
    const r = yield { op: 'call', cap: 'jobs', method: 'read' };
    if (!r || !r.ok) return null;
    if (typeof r.value === 'string' && r.value.trim()) {
      const [output, ...source] = r.value.trim().split(/\s+/);
      return [output, source.join(' ')];
    }
    yield { op: 'sleep', ms: POLL_MS };
  }
}

const objectCode = (source: string) => `; object code compiled from ${JSON.stringify(source.slice(0, 200))}\n`;

/** Append a billing line through `cap` (an fs cap), at the fixed path /var/billing. */
function* bill(
  cap: string,
  who: string,
  output: string,
  bytes: number,
): Generator<Syscall, SyscallResult | undefined, SyscallResult | undefined> {
  const before = yield { op: 'call', cap, method: 'read', args: [BILLING] };
  const text = before?.ok ? String(before.value) : `${BILLING_HEADER}\n`;
  return yield { op: 'call', cap, method: 'write', args: [BILLING, `${text}${who}: compiled ${bytes} bytes into ${output}: 1 credit\n`] };
}

/** cc: the ambient-authority compiler. Needs @jobs and @fs (@stdio to report). */
export function* ambientCompiler(ctx: ProgramContext): Fiber {
  const me = `${ctx.name} (pid ${ctx.pid})`;
  for (;;) {
    const job = yield* nextJob();
    if (!job) return;
    const [output, source] = job;
    yield* bill('fs', ctx.name, output, source.length);
    // The bug: the output path comes from the caller, the authority to write it from the compiler.
    const w = yield { op: 'call', cap: 'fs', method: 'write', args: [output, objectCode(source)] };
    yield* say(ctx, w?.ok ? `${ctx.name}: compiled ${source.length} bytes into ${output}` : `${ctx.name}: ${errorText(w)}`);
    const after = yield { op: 'call', cap: 'fs', method: 'read', args: [BILLING] };
    if (after?.ok && !String(after.value).startsWith(BILLING_HEADER)) {
      yield {
        op: 'verdict',
        outcome: 'breach',
        text: `confused deputy: ${me} wrote its caller's output to "${output}" with its own filesystem authority and overwrote ${BILLING}; the caller only named the file, the compiler supplied the authority, and the billing records are gone`,
      };
    }
  }
}

/** capcc: the capability compiler. Needs @jobs and @billing (@stdio to report); outputs arrive as channel caps. */
export function* capCompiler(ctx: ProgramContext): Fiber {
  const me = `${ctx.name} (pid ${ctx.pid})`;
  for (;;) {
    const job = yield* nextJob();
    if (!job) return;
    const [output, source] = job;
    const held = ctx.cap(output);
    // An output is a channel cap a caller passed; never its job queue, never its own billing authority.
    if (!held || held.kind !== 'channel' || output === 'jobs') {
      const what = held ? `its own @${output}, not an output cap a caller passed it` : 'a name, not a cap it was passed';
      yield* say(ctx, `${ctx.name}: "${output}" is ${what}: pass an output channel (grant @${ctx.name} @out) and name it in the job`);
      yield {
        op: 'verdict',
        outcome: 'held',
        text: `confused deputy prevented: ${me} was asked to write its output to "${output}", ${what}; it writes only through caps passed to it for that, so nothing was written and ${BILLING} keeps its records`,
      };
      continue;
    }
    const w = yield { op: 'call', cap: output, method: 'write', args: [objectCode(source)] };
    if (!w?.ok) {
      yield* say(ctx, `${ctx.name}: writing @${output}: ${errorText(w)}`);
      continue;
    }
    const b = yield* bill('billing', ctx.name, `@${output}`, source.length);
    yield* say(ctx, `${ctx.name}: compiled ${source.length} bytes into @${output}${b?.ok ? '' : ` (billing failed: ${errorText(b)})`}`);
  }
}
