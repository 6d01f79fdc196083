import type { LedgerEntry, VerdictOutcome } from '../sab/layout';
import type { Route } from './runtime';

/**
 * The seed's V1–V9 table, computed from what this session put in the ledger: each row is "demonstrated" when a
 * ledgered verdict (or, for V7, a ledgered route) showed the property holding, "violated" when one showed it
 * broken (with its defense off), "lost"/"caveat" for the weaknesses the seed admits once they were shown, and
 * "not shown yet" otherwise. Nothing here is assumed to hold.
 */

/** The opening words of the chain world's verdicts: how a verdict is written and how it is read back. */
export const VERDICT = {
  confined: 'confined',
  escaped: 'not confined',
  forgeBlocked: 'forged mint blocked',
  forgeSucceeded: 'forged mint succeeded',
  literalRefused: 'forged cap refused',
  literalAccepted: 'forged cap accepted',
  revoked: 'revoked by key rotation',
  notRevoked: 'old cap still works after the rotation',
  caveat: 'snapshot caveat',
  inflightRevoked: 'rotation reached the call in flight',
  theftRefused: 'sender theft refused',
  stolen: 'sender stolen',
  rights: 'cap rights held',
  rightsBroken: 'cap rights broken',
  lookalikeRefused: 'look-alike refused',
  lookalikePaid: 'image_hash taken as authority',
  stalled: 'availability lost',
  unbounded: 'nested gas unbounded',
  deterministic: 'deterministic',
  nondeterministic: 'nondeterministic',
  rateHeld: 'rate limit held',
  rateBroken: 'rate limit broken',
  claimIgnored: 'policy claim ignored',
  claimTaken: 'policy taken from the caller',
  tightened: 'policy tightened',
  notTightened: 'policy not tightened',
} as const;

type Opening = (typeof VERDICT)[keyof typeof VERDICT];

/**
 * Each verdict's outcome, the ledger field (rule 8): the property held, or it broke (a breach). The snapshot caveat
 * and lost availability are breaches the seed admits, and say which weakness they are.
 */
const OUTCOME: Record<Opening, { outcome: VerdictOutcome; weakness?: string }> = {
  [VERDICT.confined]: { outcome: 'held' },
  [VERDICT.escaped]: { outcome: 'breach' },
  [VERDICT.forgeBlocked]: { outcome: 'held' },
  [VERDICT.forgeSucceeded]: { outcome: 'breach' },
  [VERDICT.literalRefused]: { outcome: 'held' },
  [VERDICT.literalAccepted]: { outcome: 'breach' },
  [VERDICT.revoked]: { outcome: 'held' },
  [VERDICT.notRevoked]: { outcome: 'breach' },
  [VERDICT.caveat]: { outcome: 'breach', weakness: 'snapshot caveat' },
  [VERDICT.inflightRevoked]: { outcome: 'held' },
  [VERDICT.theftRefused]: { outcome: 'held' },
  [VERDICT.stolen]: { outcome: 'breach' },
  [VERDICT.rights]: { outcome: 'held' },
  [VERDICT.rightsBroken]: { outcome: 'breach' },
  [VERDICT.lookalikeRefused]: { outcome: 'held' },
  [VERDICT.lookalikePaid]: { outcome: 'breach' },
  [VERDICT.stalled]: { outcome: 'breach', weakness: 'availability' },
  [VERDICT.unbounded]: { outcome: 'breach' },
  [VERDICT.deterministic]: { outcome: 'held' },
  [VERDICT.nondeterministic]: { outcome: 'breach' },
  [VERDICT.rateHeld]: { outcome: 'held' },
  [VERDICT.rateBroken]: { outcome: 'breach' },
  [VERDICT.claimIgnored]: { outcome: 'held' },
  [VERDICT.claimTaken]: { outcome: 'breach' },
  [VERDICT.tightened]: { outcome: 'held' },
  // Re-minting leaves the old cap's baked rate in force: the weakness the sidecar exists for (seed 004).
  [VERDICT.notTightened]: { outcome: 'breach', weakness: 'baked policy' },
};

/** A chain-world verdict as the ledger takes it: the prose, and its outcome (and admitted weakness) as fields. */
export interface ChainVerdict {
  text: string;
  outcome: VerdictOutcome;
  weakness?: string;
}

export const verdict = (opening: Opening, rest: string): ChainVerdict => ({ text: `${opening}: ${rest}`, ...OUTCOME[opening] });

export type PropertyStatus = 'not shown yet' | 'demonstrated' | 'violated' | 'lost' | 'caveat';
export interface Property {
  id: string;
  name: string;
  status: PropertyStatus;
  note: string;
}

type Outcome = 'held' | 'violated' | 'lost' | 'caveat';
interface Row {
  id: string;
  name: string;
  evidence: Partial<Record<Outcome, readonly string[]>>;
  /** V7: shown by a ledgered route that passed an intermediate owner on its way to the catcher. */
  routes?: true;
  hint: string;
}

const ROWS: readonly Row[] = [
  {
    id: 'V1',
    name: 'Authority confinement',
    evidence: { held: [VERDICT.confined], violated: [VERDICT.escaped] },
    hint: 'invoke "x" drain (ask the EndpointRefCap for another endpoint)',
  },
  {
    id: 'V2',
    name: 'Authority unforgeability',
    evidence: { held: [VERDICT.forgeBlocked, VERDICT.literalRefused], violated: [VERDICT.forgeSucceeded, VERDICT.literalAccepted] },
    hint: 'forge, forge literal',
  },
  {
    id: 'V3',
    name: 'Revocation',
    evidence: { held: [VERDICT.revoked, VERDICT.inflightRevoked], violated: [VERDICT.notRevoked], caveat: [VERDICT.caveat] },
    hint: 'rotate invoke_key, then invoke old',
  },
  { id: 'V4', name: 'Endpoint mediation', evidence: { held: [VERDICT.theftRefused], violated: [VERDICT.stolen] }, hint: 'steal' },
  {
    id: 'V5',
    name: 'Cap rights',
    // Policy baked into the cap's state, or keyed by the cap_id baked beside it (seed 004, "Where policy attaches").
    evidence: {
      held: [VERDICT.rights, VERDICT.rateHeld, VERDICT.claimIgnored, VERDICT.tightened],
      violated: [VERDICT.rightsBroken, VERDICT.rateBroken, VERDICT.claimTaken],
    },
    hint: 'mint art sunrise other (the caller names another domain)',
  },
  {
    id: 'V6',
    name: 'Integrity',
    evidence: { held: [VERDICT.lookalikeRefused], violated: [VERDICT.lookalikePaid] },
    hint: 'lookalike',
  },
  { id: 'V7', name: 'Confidentiality from intermediates', evidence: {}, routes: true, hint: 'attest or invoke' },
  { id: 'V8', name: 'Availability', evidence: { lost: [VERDICT.stalled] }, hint: 'stall' },
  {
    id: 'V9',
    name: 'Determinism',
    evidence: { held: [VERDICT.deterministic], violated: [VERDICT.nondeterministic] },
    hint: 'yields replay',
  },
];

/** How a route reads in the ledger: "key: emitter → owner → Interposer#2 (forwarded) → caught by Catcher#1". */
export function routeText(route: Route | null, name: (id: number | 'kernel' | null) => string): string {
  if (!route) return 'no yield';
  // The catcher is the last owner walked: name it once, as the catcher.
  const walked = typeof route.caughtBy === 'number' ? route.walked.slice(0, -1) : route.walked;
  const forwarded = new Set(route.forwardedBy ?? []);
  const path = [name(route.emitter), ...walked.map((id) => (forwarded.has(id) ? `${name(id)} (forwarded)` : name(id)))].join(' → ');
  return route.caughtBy === null
    ? `${route.key}: ${path} → fault (${route.fault})`
    : `${route.key}: ${path} → caught by ${name(route.caughtBy)}`;
}

/** The owners a caught route passed that neither caught nor forwarded it (they never saw its payload). */
export function passedOwners(text: string): string[] {
  const parts = text.slice(text.indexOf(': ') + 2).split(' → ');
  if (!parts.pop()?.startsWith('caught by ')) return [];
  return parts.slice(1).filter((p) => !p.endsWith(' (forwarded)'));
}

type Seen = { seq: number; detail: string; count: number };

/** Tallies evidence from ledger records as they come (the ledger only grows), and answers the table. */
export class EvidenceTally {
  private readonly seen = new Map<string, Seen>(); // `${row}:${outcome}` → the newest such evidence
  private last = 0;

  add(e: Pick<LedgerEntry, 'seq' | 'kind' | 'detail'>): void {
    if (e.seq <= this.last) return;
    this.last = e.seq;
    for (const row of ROWS) {
      if (e.kind === 'yield' && row.routes && passedOwners(e.detail).length) this.note(row.id, 'held', e);
      if (e.kind !== 'verdict') continue;
      for (const [outcome, openings] of Object.entries(row.evidence) as [Outcome, string[]][])
        if (openings.some((o) => e.detail.startsWith(`${o}:`))) this.note(row.id, outcome, e);
    }
  }

  private note(row: string, outcome: Outcome, e: Pick<LedgerEntry, 'seq' | 'detail'>) {
    const k = `${row}:${outcome}`;
    this.seen.set(k, { seq: e.seq, detail: e.detail, count: (this.seen.get(k)?.count ?? 0) + 1 });
  }

  /** The newest record this tally has read. */
  get upTo(): number {
    return this.last;
  }

  properties(): Property[] {
    return ROWS.map((row) => {
      const get = (o: Outcome) => this.seen.get(`${row.id}:${o}`);
      const cite = (s: Seen) => `ledger #${s.seq}${s.count > 1 ? ` (and ${s.count - 1} more)` : ''}: ${clip(s.detail)}`;
      const violated = get('violated');
      const held = get('held');
      const weak = get('lost') ?? get('caveat');
      const status: PropertyStatus = violated
        ? 'violated'
        : held
          ? 'demonstrated'
          : weak
            ? get('lost')
              ? 'lost'
              : 'caveat'
            : 'not shown yet';
      const notes = [violated, held, weak].filter((s): s is Seen => !!s).map(cite);
      return { id: row.id, name: row.name, status, note: notes.length ? notes.join('; ') : `not shown yet: try ${row.hint}` };
    });
  }
}

const clip = (s: string) => (s.length > 110 ? `${s.slice(0, 109)}…` : s);

/** What a tally reads the ledger with. */
export interface EvidenceLedger {
  seqsOfKind(kind: 'verdict' | 'yield'): Int32Array;
  page(from: number, count: number): LedgerEntry[];
}

/** Bring a tally up to date with the ledger: only records after the ones it has read. */
export function tallyLedger(t: EvidenceTally, ledger: EvidenceLedger): EvidenceTally {
  const fresh: number[] = [];
  for (const kind of ['verdict', 'yield'] as const) {
    const seqs = ledger.seqsOfKind(kind);
    for (let i = seqs.length - 1; i >= 0 && seqs[i] > t.upTo; i--) fresh.push(seqs[i]);
  }
  for (const seq of fresh.sort((a, b) => a - b)) {
    const e = ledger.page(seq, 1)[0];
    if (e) t.add(e);
  }
  return t;
}
