import type { Session } from '../kernel/host-api';
import { CUT_RING_SIZE, H } from '../kernel/sab/layout';
import { sessionProblem } from '../kernel/session/check';

/** A cut as the state buffer's header gives it: the process, its step and check, and the session it belongs to. */
export interface HeaderCut {
  pid: number;
  step: number;
  check: number;
  /** The worker's session id for the world the step ran in; -1 for a restore replaying aside. */
  session: number;
}

/** The user program's step running now, as the worker last wrote it; null when none is. */
export function stepInProgress(header: Int32Array): HeaderCut | null {
  const pid = Atomics.load(header, H.STEP_PID);
  if (pid <= 0) return null;
  return {
    pid,
    step: Atomics.load(header, H.STEP_N),
    check: Atomics.load(header, H.STEP_CHECK),
    session: Atomics.load(header, H.STEP_SESSION),
  };
}

/** The newest cuts the worker's clock made (its ring in the header), oldest first. */
export function recentCuts(header: Int32Array): HeaderCut[] {
  const n = Atomics.load(header, H.CUTS);
  const out: HeaderCut[] = [];
  for (let i = Math.max(0, n - CUT_RING_SIZE); i < n; i++) {
    const at = H.CUT_RING + (i % CUT_RING_SIZE) * 4;
    out.push({ pid: header[at], step: header[at + 1], check: header[at + 2], session: header[at + 3] });
  }
  return out;
}

/**
 * The session with this cut (src/kernel/programs/backstop.ts), replacing any other of that process. A cut's place
 * in the log does not matter to a replay (it knows every cut before it starts), so it goes at the end, where the
 * last entry is. The session is given back unchanged if it has this cut already, or if the cut would make it one
 * the kernel refuses (a full log).
 */
export function withCut(session: Session, cut: { pid: number; step: number; check: number }): Session {
  const had = session.log.find((c) => c.cut?.pid === cut.pid)?.cut;
  if (had && had.step === cut.step && had.check === cut.check) return session;
  const log = session.log.filter((c) => c.cut?.pid !== cut.pid);
  const last = log[log.length - 1];
  const entry = { at: last?.at ?? 0, ...(last?.within !== undefined && { within: last.within }), line: '', cut: { ...cut } };
  const next = { ...session, log: [...log, entry] };
  return sessionProblem(next) ? session : next;
}

/**
 * What a page rebuilds after the worker went, with the cuts that belong in it: the worker's recent cuts its copy
 * may lack, and the step that held the worker, cut before it ran (nothing after it ran live, and what it did is
 * seen only when it yields, so a cut at check 0 is as faithful, and the step never runs again). `session` is the
 * worker's session id for the page's copy (the cuts of other sessions are not its), or 'replaying' when the copy
 * is a session a restore was replaying.
 */
export function withCuts(
  copy: Session,
  of: number | 'replaying',
  recent: readonly HeaderCut[],
  stuck: HeaderCut | null,
): { session: Session; stuckCut: boolean } {
  let session = copy;
  const ours = (c: HeaderCut) => (of === 'replaying' ? c.session === -1 : c.session === of);
  for (const c of recent)
    if (ours(c) && !session.log.some((e) => e.cut?.pid === c.pid)) session = withCut(session, { pid: c.pid, step: c.step, check: c.check });
  const before = session;
  if (stuck && ours(stuck)) session = withCut(session, { pid: stuck.pid, step: stuck.step, check: 0 });
  return { session, stuckCut: session !== before };
}
