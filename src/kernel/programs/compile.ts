/**
 * A syntax check of a user program's source by the engine that will run it (QuickJS, compile only: nothing of
 * the source runs), so the editor marks exactly what the sandbox would refuse. A fresh engine instance each time
 * (its memory fixed like a program's), dropped at once.
 */
import { sanitize } from '../../text/sanitize';
import { USER_LIMITS } from './user';
import { newEngine } from './engine';

/** Clean (ok), or the engine's first syntax error and where it is (1-based line and column). */
export type ProgramCheck = { ok: true } | { ok: false; message: string; line: number; column: number };

/** Compile-check interrupts: parsing is linear in the source (≤ 64 KiB), so this only guards a pathological case. */
const COMPILE_INTERRUPTS = 50;

export function compileCheck(source: string, name = 'program'): ProgramCheck {
  const engine = newEngine();
  if (typeof engine === 'string') return { ok: false, message: engine, line: 1, column: 1 };
  const rt = engine.quickjs.newRuntime();
  let interrupts = 0;
  try {
    rt.setMaxStackSize(USER_LIMITS.stackBytes);
    rt.setInterruptHandler(() => ++interrupts > COMPILE_INTERRUPTS);
    const vm = rt.newContext();
    try {
      const r = vm.evalCode(String(source), `${name}.js`, { type: 'global', strict: true, compileOnly: true });
      if (!r.error) {
        r.value.dispose();
        return { ok: true };
      }
      const err = vm.dump(r.error) as { name?: unknown; message?: unknown; stack?: unknown } | string;
      r.error.dispose();
      if (typeof err !== 'object' || err === null) return { ok: false, message: sanitize(String(err)), line: 1, column: 1 };
      const where = /:(\d+):(\d+)/.exec(typeof err.stack === 'string' ? err.stack : '');
      const text = `${typeof err.name === 'string' ? `${err.name}: ` : ''}${typeof err.message === 'string' ? err.message : 'does not compile'}`;
      return {
        ok: false,
        message: sanitize(text).slice(0, 300),
        line: where ? Number(where[1]) : 1,
        column: where ? Number(where[2]) : 1,
      };
    } finally {
      vm.dispose();
    }
  } catch (e) {
    return { ok: false, message: `the engine could not check it: ${e instanceof Error ? e.message : String(e)}`, line: 1, column: 1 };
  } finally {
    rt.dispose();
  }
}
