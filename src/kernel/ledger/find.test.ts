import { describe, expect, it } from 'vitest';
import { ledgerMatcher, type LedgerMatch } from '../../text/ledgerRow';
import { FIND_SUPERSEDED } from '../host-api';
import { KernelHost } from '../host';
import { LEDGER_KINDS, type LedgerKind } from '../sab/layout';
import { Ledger } from './ledger';

const KINDS = LEDGER_KINDS as readonly LedgerKind[];
// Details as scenario files and programs can make them: control and bidi characters (which the row strips),
// letters with case outside ASCII, characters of two, three and four bytes, a lone surrogate (stored as WTF-8), regex syntax, nothing at all.
const DETAILS = [
  'init (pid 1) holds @chat: client → endpoint "chat"',
  'π ∈ ☃, 😀 Emoji after a four-byte character',
  'denied: CALL chat.send on Endpoint #7',
  'ev\x1b[31mil\x1b[0m na\u202eme',
  'ÄRGER über Größe',
  'lone \ud800 surrogate',
  'rights (RW)* [a-z]+ \\d $1',
  '',
];

function ledger(n: number, segmentRecords: number): Ledger {
  const l = new Ledger({ segmentRecords });
  for (let i = 0; i < n; i++) l.append(i, KINDS[(i * 5) % KINDS.length], i % 4 ? i % 13 : 0, 0, DETAILS[i % DETAILS.length]);
  return l;
}

/** What the panel would show as matching: every record read back, tested one by one. */
const reference = (l: Ledger, kind: LedgerKind | null, m: LedgerMatch) =>
  l
    .page(1, l.length)
    .filter((e) => (kind === null || e.kind === kind) && m(e.kind, e.actor, e.detail))
    .map((e) => e.seq);

describe('ledger text search', () => {
  it('matches the row as shown: kind, actor or cleaned detail, case aside, each cell on its own', () => {
    const m = (q: string, kind: string, actor: number, detail: string) => ledgerMatcher(q)!(kind, actor, detail);
    expect(m('CHAT', 'grant', 3, 'holds @chat')).toBe(true);
    expect(m('größe', 'grant', 3, 'ÄRGER über GRÖSSE')).toBe(false); // ß is not SS: toLowerCase, not case folding
    expect(m('ärger', 'grant', 3, 'ÄRGER')).toBe(true);
    expect(m('ΣΊΣΥΦΟΣ', 'grant', 3, 'σίσυφος')).toBe(true); // case folding: a final sigma too
    expect(m('DEN', 'deny', 3, '')).toBe(true); // the kind
    expect(m('kern', 'boot', 0, '')).toBe(true); // pid 0 shows as "kernel"
    expect(m('13', 'boot', 13, '')).toBe(true);
    expect(m('kern', 'boot', 4, '')).toBe(false);
    expect(m('deny 3', 'deny', 3, 'x')).toBe(false); // never across two cells
    // Cleaned as the row is: the escape sequences and the bidi override are gone, so the text between them joins.
    expect(m('evil name', 'grant', 1, 'ev\x1b[31mil\x1b[0m na\u202eme')).toBe(true);
    expect(m('31m', 'grant', 1, 'ev\x1b[31mil')).toBe(false);
    // Plain text, never a pattern.
    expect(m('(rw)*', 'grant', 1, 'rights (RW)*')).toBe(true);
    expect(m('.*', 'grant', 1, 'rights (RW)')).toBe(false);
    expect(m('$1', 'grant', 1, '\\d $1')).toBe(true);
    expect(m('x'.repeat(5000), 'grant', 1, 'x'.repeat(4999))).toBe(false);
    expect(ledgerMatcher('')).toBeNull();
    expect(ledgerMatcher('   ')).toBeNull();
  });

  it('finds over sealed segments and the hot one exactly what testing each record finds, in steps of any size', () => {
    const l = ledger(61, 5); // blocks with and without the lone surrogate (which decode one by one)
    for (const q of [
      'chat',
      'CALL',
      'evil name',
      'größe',
      'ärger',
      '😀 emoji',
      'emoji after',
      'kernel',
      '1',
      '\ud800',
      '(rw)*',
      'de',
      'nothing',
    ])
      for (const kind of [null, 'grant', 'deny', 'spawn'] as const) {
        const m = ledgerMatcher(q)!;
        const expected = reference(l, kind, m);
        for (const budget of [1, 5, 8, 1000]) {
          const f = l.find(kind, m);
          let steps = 0;
          while (!f.step(budget)) steps++;
          expect(f.seqs, `${q} / ${kind} / ${budget}`).toEqual(expected);
          expect(steps).toBe(Math.ceil(61 / budget) - 1);
        }
      }
    expect(reference(l, null, ledgerMatcher('evil name')!).length).toBeGreaterThan(0); // the awkward details are there
  });

  it('a search goes on to records appended while it runs, sealed meanwhile or not', () => {
    const l = ledger(20, 8);
    const m = ledgerMatcher('endpoint')!;
    const f = l.find(null, m);
    expect(f.step(12)).toBe(false);
    for (let i = 0; i < 15; i++) l.append(0, 'grant', 1, 0, DETAILS[i % DETAILS.length]); // seals records 17..32
    while (!f.step(3));
    expect(f.seqs).toEqual(reference(l, null, m));
    expect(f.seqs.at(-1)).toBeGreaterThan(20);
  });

  it('the worker searches the live ledger in slices: combined with a kind, superseded by the next search', async () => {
    let clock = 0;
    const h = new KernelHost(undefined, false, { now: () => (clock += 10), pause: () => new Promise<void>((r) => setTimeout(r, 0)) });
    h.exec('spawn "idle" with { chat: @chat_participant }');
    const all = h.kernel.ledger.page(1, h.kernel.ledger.length);
    const grantsOfChat = all.filter((e) => e.kind === 'grant' && e.detail.toLowerCase().includes('@chat')).map((e) => e.seq);
    expect(grantsOfChat.length).toBeGreaterThan(1);
    expect([...(await h.ledgerFind('grant', '@CHAT'))]).toEqual(grantsOfChat);
    expect([...(await h.ledgerFind('grant', ''))]).toEqual([...h.kernel.ledger.seqsOfKind('grant')]); // blank: the kind filter
    expect((await h.ledgerFind(null, '')).length).toBe(all.length);
    expect((await h.ledgerFind('no such kind', 'chat')).length).toBe(0);

    for (let i = 0; i < 10_000; i++) h.kernel.ledger.append(0, 'grant', 1, 0, `filler ${i}`);
    const first = h.ledgerFind(null, 'filler 99');
    const second = h.ledgerFind(null, 'filler 999');
    await expect(first).rejects.toThrow(FIND_SUPERSEDED);
    const found = await second;
    expect(found.length).toBe(11); // filler 999 and 9990..9999
    expect(h.kernel.ledger.page(found[0], 1)[0].detail).toBe('filler 999');
  });
});
