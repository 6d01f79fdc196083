import { CAPACITY_LIMITS, DEFAULT_CAPACITY, type Capacity } from '../sab/layout';
import type { Scenario } from './schema';

/** What boot itself fills: processes and caps exactly, objects and strings as an upper estimate. */
export function bootNeeds(s: Scenario): Pick<Capacity, 'processes' | 'caps' | 'objects' | 'machines' | 'strings'> {
  let caps = 0;
  let served = 0;
  for (const p of s.processes) {
    caps += p.caps?.length ?? 0;
    for (const c of p.caps ?? []) if (c.endpoint !== undefined || c.object !== undefined || c.session !== undefined) served++;
  }
  // Per machine: a spawner, a file system and its keys' objects; every endpoint, minted object and session is one.
  const objects = s.machines.length * 4 + served;
  return { processes: s.processes.length, caps, objects, machines: s.machines.length, strings: 2 * s.processes.length + objects + 256 };
}

/**
 * The state tables for this scenario: what it names in its `capacity` section, else room for twice what boot fills
 * (rounded up to a power of two), never below the defaults (the shell's spawns and the gallery's fork bomb are
 * tuned to them). So a small world keeps a small buffer and a big one is not full the moment it boots.
 */
export function capacityFor(s: Scenario): Capacity {
  const needs = bootNeeds(s);
  const out = { ...DEFAULT_CAPACITY };
  for (const k of Object.keys(needs) as (keyof typeof needs)[]) {
    out[k] = Math.max(out[k], Math.min(CAPACITY_LIMITS[k], pow2AtLeast(2 * needs[k])));
  }
  return { ...out, ...s.capacity };
}

function pow2AtLeast(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
