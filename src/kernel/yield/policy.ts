import type { Value } from '../services/service';
import { YieldFault } from './runtime';

/**
 * Where policy attaches (seed 004): a rate limit the chain's handler enforces from the payload, never from the
 * caller. Two sources, the stricter wins: `rate_limit`, baked into the EndpointRefCap's state at mint (fixed for
 * the cap's life), and the chain's sidecar `policies[cap_id]`, keyed by the cap_id baked in beside it (adjustable
 * after the grant). Both arrive in the part of the payload the cap's own bytecode writes from its state; the
 * caller's args travel under `args` and are never read here. No list of principals: the chain never asks who calls.
 */

/** The window a rate is counted over: one second of virtual time (ticks of 1 ms). */
export const WINDOW_MS = 1000;

/** The most calls per second a rate may allow. */
export const MAX_RATE = 1000;

export const isRate = (v: Value): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= MAX_RATE;

/**
 * The chain's side of it: the sidecar map, and each cap's admitted calls within the window as [tick, count] pairs,
 * oldest first (one pair per tick, so a log holds at most WINDOW_MS pairs however many calls it counts).
 */
export interface PolicyState {
  policies: Record<string, number>;
  calls: Record<string, [number, number][]>;
}

/** How many calls a cap's log counts in the window ending at `now`. */
export const admittedIn = (log: readonly [number, number][] | undefined, now: number): number =>
  (log ?? []).reduce((n, [t, c]) => (t > now - WINDOW_MS ? n + c : n), 0);

/** The rate in force for a cap, and which source set it: the stricter of baked and sidecar. */
export function inForce(baked: number | null, sidecar: number | null): { rate: number; by: 'baked' | 'sidecar' } | null {
  if (baked === null && sidecar === null) return null;
  if (sidecar !== null && (baked === null || sidecar < baked)) return { rate: sidecar, by: 'sidecar' };
  return { rate: baked!, by: 'baked' };
}

const plural = (n: number) => `${n} call${n === 1 ? '' : 's'}/s`;

/** Why this rate holds, in words: the source in force, and the other one (a sidecar equal to the baked rate is no stricter). */
function source(baked: number | null, sidecar: number | null, by: 'baked' | 'sidecar'): string {
  if (by === 'sidecar') return `the chain's sidecar policy${baked === null ? '' : `; baked in: ${plural(baked)}`}`;
  return `baked in${sidecar === null ? '' : `; its sidecar's ${plural(sidecar)} is ${sidecar === baked ? 'no stricter' : 'looser'}`}`;
}

/**
 * Admit one call at `now`, or fault with the reason (the call then never reaches its target). Reads `rate_limit`
 * and `cap_id` from the payload's top level, where the cap's bytecode put its own state. Every admitted call that
 * carries a cap_id is counted, limit or not, so a sidecar set mid-window sees the calls already made.
 */
export function admit(state: PolicyState, payload: Value, now: number): void {
  const field = (name: string): Value =>
    payload && typeof payload === 'object' && !Array.isArray(payload) ? ((payload as Record<string, Value>)[name] ?? null) : null;
  const baked = field('rate_limit');
  const capId = field('cap_id');
  if (baked !== null && !isRate(baked)) throw new YieldFault(`the payload's rate_limit ${JSON.stringify(baked)} is not a rate`);
  if (capId === null) {
    if (baked !== null) throw new YieldFault('a rate-limited cap carries no cap_id');
    return;
  }
  const id = String(capId);
  const sidecar = state.policies[id] ?? null;
  const limit = inForce(baked, sidecar);
  const log = (state.calls[id] ?? []).filter(([t]) => t > now - WINDOW_MS);
  state.calls[id] = log;
  const recent = admittedIn(log, now);
  if (limit && recent >= limit.rate)
    throw new YieldFault(
      `rate limit: cap #${id} allows ${plural(limit.rate)} (${source(baked, sidecar, limit.by)}), and ${recent} went through in the last 1 s`,
    );
  const last = log[log.length - 1];
  if (last && last[0] === now) last[1]++;
  else log.push([now, 1]);
}
