import type { Session } from '../kernel/host-api';
import { H } from '../kernel/sab/layout';
import { sessionProblem } from '../kernel/session/check';

/** A user program's step the page saw hold the worker: where it ran, and the host entry it last reached. */
export interface StuckStep {
  pid: number;
  step: number;
  check: number;
  /** The tick of the turn it ran in, and the turns of that tick taken before it. */
  at: number;
  within: number;
}

/**
 * The session with that step cut (src/kernel/programs/backstop.ts): the cut goes in before the turn the step ran
 * in, after every entry a replay applies before that turn, so the replay cuts it at the entry it last reached
 * instead of running into what held the worker. The session is given back unchanged if it already cuts that
 * process, or if the cut would make it one the kernel refuses (a full log).
 */
export function withCut(session: Session, stuck: StuckStep): Session {
  if (session.log.some((c) => c.cut?.pid === stuck.pid)) return session;
  const later = (c: Session['log'][number]) =>
    c.at > stuck.at || (c.at === stuck.at && (c.within === undefined || c.within > stuck.within));
  let i = session.log.length;
  while (i > 0 && later(session.log[i - 1])) i--;
  const cut = { at: stuck.at, within: stuck.within, line: '', cut: { pid: stuck.pid, step: stuck.step, check: stuck.check } };
  const next = { ...session, log: [...session.log.slice(0, i), cut, ...session.log.slice(i)], ticks: Math.max(session.ticks, stuck.at) };
  return sessionProblem(next) ? session : next;
}

/** The step running now, as the worker last wrote it into the state buffer's header; null when none is. */
export function stepInProgress(header: Int32Array): StuckStep | null {
  const pid = Atomics.load(header, H.STEP_PID);
  if (pid <= 0) return null;
  return {
    pid,
    step: Atomics.load(header, H.STEP_N),
    check: Atomics.load(header, H.STEP_CHECK),
    at: Atomics.load(header, H.STEP_AT),
    within: Atomics.load(header, H.STEP_WITHIN),
  };
}
