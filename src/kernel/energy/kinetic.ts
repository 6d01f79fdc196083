/**
 * The Kinetic economy (Nexus S3): every kernel operation is charged as one of seven verbs; every fiber has a u32
 * energy balance refilled to its budget on the virtual clock at the rate of its Spectrum tier. A fiber that
 * cannot pay for a verb freezes until its next refill: users see latency, not an error.
 */

export const VERBS = { SPAWN: 500, SEND: 5, RECV: 2, MAP: 10, MASK: 3, TICK: 1, GRANT: 20 } as const;
export type Verb = keyof typeof VERBS;
/** What one operation is charged: a verb, or several paid together (a spawn pays SPAWN and a GRANT per cap). */
export type Charge = Verb | readonly Verb[];

export const costOf = (c: Charge): number => (typeof c === 'string' ? VERBS[c] : c.reduce((sum, v) => sum + VERBS[v], 0));

/** "SPAWN", or "SPAWN + 3 GRANT". */
export function chargeText(c: Charge): string {
  if (typeof c === 'string') return c;
  const counts = new Map<Verb, number>();
  for (const v of c) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([v, n]) => (n === 1 ? v : `${n} ${v}`)).join(' + ') || 'nothing';
}

/** A spawn's charge: SPAWN, and GRANT for each cap passed to the child (paid by the parent). */
export const spawnCharge = (grants: number): Charge => (grants ? ['SPAWN', ...Array<Verb>(grants).fill('GRANT')] : 'SPAWN');

/** Refill period per Spectrum tier, in virtual ms. Ordered fastest first: a lower index is a higher tier. */
export const TIERS = [
  { id: 'photon', label: 'Photon', periodMs: 8, use: 'real-time' },
  { id: 'matter', label: 'Matter', periodMs: 16, use: 'interactive' },
  { id: 'gravity', label: 'Gravity', periodMs: 100, use: 'batch' },
  { id: 'void', label: 'Void', periodMs: 1000, use: 'idle' },
] as const;
export type Tier = (typeof TIERS)[number]['id'];
export const TIER_IDS = TIERS.map((t) => t.id) as readonly Tier[];
export const tierIndex = (t: Tier): number => TIER_IDS.indexOf(t);
export const periodOf = (t: Tier): number => TIERS[tierIndex(t)].periodMs;

export const DEFAULT_BUDGET = 2000;
export const U32_MAX = 0xffff_ffff;
/** The tier a spawned fiber starts at: the lowest. Raising it takes authority (`tier`), never the fiber itself. */
export const SPAWN_TIER: Tier = 'void';

/** How every kernel operation is charged: `help verbs` prints this. */
export const OPERATION_VERBS: readonly [string, Verb | 'free'][] = [
  ['spawn a fiber', 'SPAWN'],
  ['pass a cap to the child at spawn (each one, paid by the parent)', 'GRANT'],
  ['CALL through a cap (client facet, service object, session, mint authority, filesystem)', 'SEND'],
  ['RETURN from a service (paid by the server)', 'SEND'],
  ['a line a program reads from stdio', 'SEND'],
  ['grant a cap to a running process (copy or move)', 'GRANT'],
  ['mask a cap (narrow its rights)', 'MASK'],
  ['map a memory region', 'MAP'],
  ['read from a channel', 'RECV'],
  ['write to a channel', 'SEND'],
  ['sleep, or read the timer (a syscall: programs have no free clock)', 'TICK'],
  ['kill a child (a message to the kernel)', 'SEND'],
  ['wait for a child (read its exit status)', 'RECV'],
  ['revoke a channel or region (flip its epoch: a restriction)', 'MASK'],
  ['set another fiber’s tier (delegating energy authority)', 'GRANT'],
  ['pledge, unveil (narrow a fiber), or drop a cap from its own table', 'MASK'],
  ['pair, unpair, import, announce, forget (a CALL on the service-pairing)', 'SEND'],
  ['a yield example or attack on the chain world (a CALL into the chain)', 'SEND'],
  ['exit', 'free'],
  ['boot wiring: the scenario’s caps, granted by the capability manager', 'free'],
  ['experimenter controls and inspection (outside the world)', 'free'],
];

/** A fiber's meter. Balances are u32: never negative, never above U32_MAX. */
export interface Meter {
  energy: number;
  budget: number;
  tier: Tier;
  nextRefill: number;
}

export function newMeter(now: number, tier: Tier = SPAWN_TIER, budget = DEFAULT_BUDGET): Meter {
  return { energy: clampU32(budget), budget: clampU32(budget), tier, nextRefill: now + periodOf(tier) };
}

export const clampU32 = (n: number): number => Math.max(0, Math.min(U32_MAX, Math.floor(n)));

/** Pay for `c` (all of it) if the balance allows; false (and nothing spent) if it does not. */
export function charge(m: Meter, c: Charge): boolean {
  const cost = costOf(c);
  if (m.energy < cost) return false;
  m.energy -= cost;
  return true;
}

/** Refill if the clock reached the meter's refill time. Returns true if it refilled. */
export function refillIfDue(m: Meter, now: number): boolean {
  if (now < m.nextRefill) return false;
  const period = periodOf(m.tier);
  m.energy = m.budget;
  m.nextRefill += Math.ceil((now - m.nextRefill + 1) / period) * period; // catch up without refilling twice
  return true;
}

export function setTier(m: Meter, tier: Tier, now: number): void {
  m.tier = tier;
  m.nextRefill = Math.min(m.nextRefill, now + periodOf(tier));
}
