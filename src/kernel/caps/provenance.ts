import type { Ledger } from '../ledger/ledger';
import type { LedgerEntry } from '../sab/layout';
import type { Slot } from './cnode';

/**
 * Provenance (seed 003 S1: "delegation is explicit and auditable via ProvChain"; seed 000: "the set of grants in
 * force at any time is inspectable"): a cap's chain of custody, read from the kernel's own ledger records only.
 * A slot knows the seq of the grant record that filled it; each grant record's facts name its origin and `from`,
 * the seq of the grant record of the slot it was copied or moved from. Masks are the holder's `mask` records for
 * the slot's name while it held it (a name is unique in a cnode, so the slot live across that span is the one).
 * A client facet minted from an endpoint is linked to the minter's endpoint (or mint authority) cap live then.
 */

export type ProvHow = 'boot' | 'mint' | 'facet' | 'import' | 'spawn' | 'grant' | 'move' | 'relabel' | 'mask';

export interface ProvStep {
  /** The ledger record of the step. */
  seq: number;
  how: ProvHow;
  /** Who held the cap after the step, and under what name. */
  holder: number;
  cap: string;
  /** Who did it (0: the kernel, boot wiring). */
  by: number;
  /** The record's own detail line (the kernel wrote it). */
  detail: string;
  /**
   * The link from this step to the next one is inferred, not recorded: a facet's grant record does not name the
   * cap it was minted from, so the chain takes the latest endpoint or minter cap the minter held on that target.
   */
  inferred?: true;
}

export interface Provenance {
  /** Oldest first: from the mint or boot wiring to the holder. */
  steps: ProvStep[];
  /** How many records the ledger held when the chain was read (the state it describes). */
  head: number;
  /** Set when a link could not be followed (a record that is not what the chain says it is): the chain stops there. */
  problem?: string;
}

/** One grant in force: a slot, and how and when its holder got it. */
export interface GrantInForce {
  slot: number;
  cap: string;
  kind: string;
  how: ProvHow;
  seq: number;
  by: number;
}

export type ProvLedger = Pick<Ledger, 'page' | 'seqsOfKind' | 'subjectOf' | 'length'>;

const HOW: Record<string, ProvHow> = { boot: 'boot', mint: 'mint', import: 'import', spawn: 'spawn', grant: 'grant', move: 'move' };

const at = (l: ProvLedger, seq: number): LedgerEntry | undefined => (seq >= 1 && seq <= l.length ? l.page(seq, 1)[0] : undefined);

/** How a grant record's cap came to be, from its facts (and its source's badge: a changed one is a relabel). */
function howOf(e: LedgerEntry, source: LedgerEntry | undefined): ProvHow {
  const f = e.facts!;
  if (f.origin === 'mint' && f.kind === 'client') return 'facet';
  if (f.origin === 'grant' && source && f.kind === 'client' && source.facts?.badge !== f.badge) return 'relabel';
  return HOW[String(f.origin)] ?? 'grant';
}

/** Is `e` a kernel grant record? (Only the kernel writes the `grant` kind; anything else breaks the chain.) */
const isGrant = (e: LedgerEntry | undefined): e is LedgerEntry & { facts: NonNullable<LedgerEntry['facts']> } =>
  !!e && e.kind === 'grant' && e.facts !== undefined && typeof e.facts.cap === 'string';

/**
 * The endpoint or mint authority cap `minter` held on `target` when it minted a facet at `before`: its grant seq.
 * Records are built only for `minter`'s own grants and releases (the subject column sorts out the rest): a facet
 * minted late in a long session would otherwise read every grant since boot.
 */
function minterCap(l: ProvLedger, minter: number, target: string | number, before: number): number {
  const grants = l.seqsOfKind('grant');
  let released: Set<unknown> | null = null; // the grants the minter's slot releases before `before` name
  for (let i = grants.length - 1; i >= 0; i--) {
    const seq = grants[i];
    if (seq >= before || l.subjectOf(seq) !== minter) continue;
    const e = at(l, seq);
    if (!isGrant(e) || e.subject !== minter || e.facts.target !== target) continue;
    if (e.facts.kind !== 'endpoint' && e.facts.kind !== 'minter') continue;
    released ??= releasedBefore(l, minter, before);
    if (!released.has(seq)) return seq;
  }
  return 0;
}

/** The grant seqs (facts.from) of the slot releases of `holder`'s caps recorded before `before`. */
function releasedBefore(l: ProvLedger, holder: number, before: number): Set<unknown> {
  const out = new Set<unknown>();
  for (const r of l.seqsOfKind('release')) {
    if (r >= before) break;
    if (l.subjectOf(r) === holder) out.add(at(l, r)?.facts?.from);
  }
  return out;
}

/** The chain of custody of the cap whose slot was filled by grant record `granted`, held by `holder` now. */
export function provenance(l: ProvLedger, holder: number, granted: number): Provenance {
  const masks = l.seqsOfKind('mask');
  const back: ProvStep[] = []; // newest first
  let seq = granted;
  let expect = holder;
  let until = l.length + 1; // the slot's masks count up to here: now, or the copy made from it
  for (let guard = 0; seq; guard++) {
    const e = at(l, seq);
    if (!isGrant(e) || e.subject !== expect || guard > 10_000)
      return { steps: back.reverse(), head: l.length, problem: `ledger record #${seq} is not the grant of a cap ${expect} held` };
    const name = e.facts.cap as string;
    for (let i = masks.length - 1; i >= 0; i--) {
      if (masks[i] <= seq || masks[i] >= until || l.subjectOf(masks[i]) !== e.subject) continue;
      const m = at(l, masks[i])!;
      if (m.actor === e.subject && m.facts?.cap === name)
        back.push({ seq: m.seq, how: 'mask', holder: e.subject, cap: name, by: m.actor, detail: m.detail });
    }
    let from = Number(e.facts.from) || 0;
    if (from >= seq) return { steps: back.reverse(), head: l.length, problem: `ledger record #${seq} names a later source, #${from}` };
    const source = from ? at(l, from) : undefined;
    const how = howOf(e, source);
    if (how === 'facet') from = minterCap(l, e.actor, e.facts.target, seq);
    back.push({
      seq,
      how,
      holder: e.subject,
      cap: name,
      by: e.actor,
      detail: e.detail,
      ...(how === 'facet' && from && { inferred: true as const }),
    });
    expect = e.actor;
    until = seq;
    seq = from;
  }
  return { steps: back.reverse(), head: l.length };
}

/** The grants in force in a cap table now: each slot with how and when (the ledger record) its holder got it. */
export function grantsInForce(l: ProvLedger, entries: Iterable<[number, Readonly<Slot>]>): GrantInForce[] {
  const out: GrantInForce[] = [];
  for (const [slot, s] of entries) {
    const e = at(l, s.granted);
    const ok = isGrant(e);
    const source = ok && e.facts.from ? at(l, Number(e.facts.from)) : undefined;
    out.push({ slot, cap: s.name, kind: s.cap.kind, how: ok ? howOf(e, source) : 'grant', seq: s.granted, by: ok ? e.actor : 0 });
  }
  return out;
}
