/**
 * The capability algebra (Nexus S1) for channels and memory regions: permission bits and bounds, MASK that only
 * narrows, delegation depth, the Law of Decay, and epoch revocation.
 *
 * The Law of Decay, made explicit (its two parameters come from the scenario, `decay`):
 *   a cap loses the rights it holds in the order exec, write, read —
 *   - one for every `ageStepMs` of virtual time since its authority was minted (a copy keeps its source's age), and
 *   - one for every delegation level at or beyond `depthLimit` (depth 0 is the minter's own cap).
 *   A cap whose rights have all decayed is dead.
 * A cap stores its rights as minted or masked, never decayed ones: the effective rights are derived from them, the
 * age and the depth, so the law applies once.
 */

export const R = 1;
export const W = 2;
export const X = 4;
export const ALL_RIGHTS = R | W | X;
/** Rights go in this order as a cap decays: exec first, read last. */
const DECAY_ORDER = [X, W, R];

export interface DecayRule {
  ageStepMs: number;
  depthLimit: number;
}

export const DEFAULT_DECAY: DecayRule = { ageStepMs: 60_000, depthLimit: 3 };

export interface Bounds {
  base: number;
  length: number;
}

export function rightsText(bits: number): string {
  return `${bits & R ? 'r' : '-'}${bits & W ? 'w' : '-'}${bits & X ? 'x' : '-'}`;
}

/** Parse "rw", "r-x", "rwx", "" (none). Null if it is not a rights string. */
export function parseRights(text: string): number | null {
  if (!/^[rwx-]{0,3}$/.test(text)) return null;
  let bits = 0;
  for (const ch of text) {
    const bit = ch === 'r' ? R : ch === 'w' ? W : ch === 'x' ? X : 0;
    if (bit && bits & bit) return null; // "rr"
    bits |= bit;
  }
  return bits;
}

/** How many rights the rule takes away at `age` and `depth`. */
function decaySteps(rule: DecayRule, age: number, depth: number): number {
  return Math.floor(Math.max(0, age) / rule.ageStepMs) + Math.max(0, depth - rule.depthLimit + 1);
}

/** The rights a cap holds now, after decay. */
export function effectiveRights(rights: number, rule: DecayRule, age: number, depth: number): number {
  let left = rights;
  let steps = decaySteps(rule, age, depth);
  for (const bit of DECAY_ORDER) {
    if (steps <= 0) break;
    if (left & bit) {
      left &= ~bit;
      steps--;
    }
  }
  return left;
}

/** When (virtual ms) the cap next loses a right, or null if it has none left to lose. */
export function nextDecayAt(rights: number, rule: DecayRule, since: number, now: number, depth: number): number | null {
  if (!effectiveRights(rights, rule, now - since, depth)) return null;
  return since + (Math.floor(Math.max(0, now - since) / rule.ageStepMs) + 1) * rule.ageStepMs;
}

/**
 * The rights MASK stores so that `next` (within the effective rights) is what the cap holds now: the rights decay
 * already took stay stored and keep counting against the same steps, so decay takes them once, not `next`'s again.
 * (Decay takes the first held rights in order; those it took all come before those left, so it takes them again.)
 */
export function maskedRights(stored: number, effective: number, next: number): number {
  return next | (stored & ~effective);
}

/** MASK: the new rights and bounds must lie within the old ones. Returns why not, or null if it only narrows. */
export function maskProblem(current: number, next: number, bounds?: Bounds, nextBounds?: Bounds): string | null {
  const added = next & ~current;
  if (added) return `MASK only narrows: the cap has ${rightsText(current)}, and ${rightsText(added).replace(/-/g, '')} would widen it`;
  if (nextBounds) {
    if (!bounds) return 'only a memory region has bounds';
    if (nextBounds.length < 0 || nextBounds.base < bounds.base || nextBounds.base + nextBounds.length > bounds.base + bounds.length) {
      return `MASK only narrows: bounds [${nextBounds.base}, ${nextBounds.base + nextBounds.length}) do not lie within [${bounds.base}, ${bounds.base + bounds.length})`;
    }
  }
  return null;
}
