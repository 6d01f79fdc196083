import type { HostTiming } from '../kernel/host';

/** The wall clock for headless runs (the runner, the grader): their worlds' steps are timed (programs/backstop.ts). */
export const WALL_CLOCK: HostTiming = { now: () => performance.now(), pause: () => Promise.resolve() };
