import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import pointsav from '../../content/scenarios/pointsav.json';
import { spawnWithGrants } from '../caps/transfer';
import { KernelHost } from '../host';
import type { Kernel } from '../kernel';
import { verifyExport } from '../ledger/jsonl';
import { tamperCopy } from '../ledger/verifyText';
import { Publisher } from '../sab/publish';
import { readLedger, SabViews, VERDICT_OUTCOMES, type LedgerEntry } from '../sab/layout';
import type { Fiber, SyscallResult } from '../programs/abi';
import { programByName } from '../programs/programs';
import type { Process } from '../types';

const host = () => new KernelHost(undefined, false);
const shellOf = (k: Kernel) => [...k.processes.values()].find((p) => p.program === 'shell')!;
const record = (k: Kernel, seq: number): LedgerEntry => k.ledger.page(seq, 1)[0];
/** The grant record that put `name` in `p`'s cnode, found through the slot, then read from the ledger. */
const grantOf = (k: Kernel, p: Process, name: string) => record(k, p.cnode.get(p.cnode.indexOf(name))!.granted);
const verdicts = (k: Kernel, from = 1) => k.ledger.page(from, 1e6).filter((e) => e.kind === 'verdict');
/** A version-1 export made by the kernel before records had facts (commit 3146986): see fixtures/README.md. */
const V1 = readFileSync(new URL('../ledger/fixtures/v1-export.jsonl', import.meta.url), 'utf8');

describe('seed 001 (audit) — rule 8: the ledger says what happened in fields, not only prose', () => {
  it('every grant says where its cap came from: follow a copy chain boot → grant → grant by its `from` seqs', () => {
    const h = host();
    const k = h.kernel;
    const shell = shellOf(k);
    // The shell's spawner is the boot manifest's; each child passes a copy on to the next.
    const a = spawnWithGrants(k, shell.pid, 'idle', [{ name: 'spawner', from: 'spawner', mode: 'copy' }]);
    const b = spawnWithGrants(k, a.pid, 'idle', [{ name: 'sp', from: 'spawner', mode: 'copy' }]);
    const last = grantOf(k, b, 'sp');
    expect(last).toMatchObject({ kind: 'grant', actor: a.pid, subject: b.pid });
    // Walk the chain through the ledger alone: each record names the one before it.
    const chain: LedgerEntry[] = [];
    for (let e: LedgerEntry | undefined = last; e; e = e.facts!.from ? record(k, e.facts!.from as number) : undefined) chain.push(e);
    expect(chain.map((e) => [e.subject, e.facts!.cap, e.facts!.origin])).toEqual([
      [b.pid, 'sp', 'grant'],
      [a.pid, 'spawner', 'grant'],
      [shell.pid, 'spawner', 'boot'],
    ]);
    expect(chain.map((e) => e.kind)).toEqual(['grant', 'grant', 'grant']);
    expect(chain.at(-1)!.facts!.from).toBe(0);
    expect(chain.at(-1)!.seq).toBe(grantOf(k, shell, 'spawner').seq);
    // The same cap all along: one kind, one target, on one machine, each link written before the next.
    expect(new Set(chain.map((e) => `${e.facts!.kind} ${e.facts!.target} ${e.facts!.machine}`)).size).toBe(1);
    expect(chain[0].facts).toMatchObject({ kind: 'spawner', target: expect.stringMatching(/^o:\d+$/), machine: b.machine });
    expect(chain.map((e) => e.seq)).toEqual([...chain.map((e) => e.seq)].sort((x, y) => y - x));
    // A spawn's handle is its own origin, and the spawn record says who and where in fields.
    expect(grantOf(k, a, 'idle').facts).toMatchObject({ origin: 'spawn', from: 0, kind: 'process', target: `p:${b.pid}` });
    const spawn = k.ledger.page(1, 1e6).find((e) => e.kind === 'spawn' && e.subject === b.pid)!;
    expect(spawn.facts).toEqual({ pid: b.pid, parent: a.pid, machine: b.machine, program: 'idle' });
  });

  it('a move and a mint say so, and a release names the grant record of the slot it emptied', () => {
    const h = host();
    const k = h.kernel;
    const shell = shellOf(k);
    h.exec('spawn "idle" with { chat: @chat_participant }');
    const idle = [...k.processes.values()].find((p) => p.program === 'idle')!;
    const held = grantOf(k, shell, 'chat_mod').seq;
    h.exec('grant @idle move @chat_mod');
    const moved = grantOf(k, idle, 'chat_mod');
    expect(moved.facts).toMatchObject({ cap: 'chat_mod', origin: 'move', from: held });
    const release = k.ledger.page(moved.seq, 10).find((e) => e.kind === 'release')!;
    expect(release.facts).toEqual({ cap: 'chat_mod', from: held });
    h.exec('channel news');
    expect(grantOf(k, shell, 'news').facts).toMatchObject({ origin: 'mint', from: 0, kind: 'channel', rights: 7, depth: 0 });
    h.exec('grant @idle @news');
    expect(grantOf(k, idle, 'news').facts).toMatchObject({ origin: 'grant', from: grantOf(k, shell, 'news').seq, depth: 1 });
    h.exec('revoke @news');
    const revoke = k.ledger.last(5).find((e) => e.kind === 'revoke')!;
    expect(revoke.facts).toEqual({ object: revoke.object, epoch: 1, was: 0, dead: 1 });
  });

  it('an import says it is one, over which pairing; pair and unpair records name the machines and the type', () => {
    const h = host();
    expect(h.boot(JSON.stringify(pointsav)).ok).toBe(true);
    const k = h.kernel;
    const since = k.ledger.length + 1;
    h.exec('pair totebox as USER');
    const pair = k.ledger.page(since, 100).find((e) => e.kind === 'pair' && e.facts?.type)!;
    expect(pair.facts).toMatchObject({ a: 'console', b: 'totebox', type: 'USER' });
    // The TOFU+ binding each end makes on first contact is a fact too (what changes a binding, the oracle asks).
    expect(
      k.ledger
        .page(since, 100)
        .filter((e) => e.facts?.binding)
        .map((e) => [e.facts!.machine, e.facts!.peer, e.facts!.binding]),
    ).toEqual([
      ['console', 'totebox', 'first contact'],
      ['totebox', 'console', 'first contact'],
    ]);
    h.exec('import totebox vault');
    const shell = shellOf(k);
    expect(grantOf(k, shell, 'vault').facts).toMatchObject({ origin: 'import', from: 0, kind: 'import', pairing: pair.facts!.pairing });
    const before = k.ledger.length + 1;
    h.exec('unpair totebox');
    const after = k.ledger.page(before, 100);
    expect(after.find((e) => e.kind === 'unpair')!.facts).toMatchObject({ a: 'console', b: 'totebox', type: 'USER' });
    expect(after.find((e) => e.kind === 'verdict')).toMatchObject({
      detail: expect.stringMatching(/^pairing revoked/),
      facts: { outcome: 'held' },
    });
  });

  it('a verdict carries its outcome: relabel blocked is held; with Gate 0 off, relabel succeeded is a breach', () => {
    const h = host();
    const k = h.kernel;
    const relabel = 'spawn "chat-client" with { chat: client @chat badge 200 }';
    h.exec(relabel);
    const [blocked] = verdicts(k);
    expect(blocked.detail).toMatch(/^relabel blocked: /);
    expect(blocked.facts).toEqual({ outcome: 'held' });
    const from = k.ledger.length + 1;
    h.exec('defense gate0 off');
    expect(k.ledger.page(from, 1)[0].facts).toEqual({ defense: 'gate0', on: 0 });
    h.exec(relabel);
    const [succeeded] = verdicts(k, from);
    expect(succeeded.detail).toMatch(/^relabel succeeded: /);
    expect(succeeded.facts).toEqual({ outcome: 'breach' });
    // The outcome travels in the SAB ring, so the page tells the two apart without reading the prose.
    const views = SabViews.create(undefined, false);
    new Publisher(views).publish(k, { scenarioName: 0, scenarioGen: 1, selfPid: shellOf(k).pid });
    const ring = readLedger(views, 1)!.entries.filter((e) => e.kind === 'verdict');
    expect(ring.map((e) => [e.seq, e.facts])).toEqual([
      [blocked.seq, { outcome: 'held' }],
      [succeeded.seq, { outcome: 'breach' }],
    ]);
    expect(readLedger(views, 1)!.entries.find((e) => e.kind === 'grant')!.facts).toBeUndefined(); // only the outcome travels
  });

  it('every verdict of a session with its defenses toggled has one of the three outcomes', () => {
    const h = host();
    const k = h.kernel;
    for (const line of [
      'run "fetch-worker" pledge "stdio net" with { stdio: client @stdio, chat: @chat_participant, fs: @fs }',
      'defense sandbox off',
      'run "fetch-worker" pledge "stdio net" with { stdio: client @stdio, chat: @chat_participant, fs: @fs }',
      'forge',
      'defense interpose off',
      'forge',
    ]) {
      h.exec(line);
      k.step(900);
    }
    const seen = verdicts(k).map((e) => [e.detail.split(':')[0], e.facts?.outcome]);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['pledge violation blocked', 'held'],
        ['pledge bypassed', 'breach'],
        ['forged mint blocked', 'held'],
        ['forged mint succeeded', 'breach'],
      ]),
    );
    for (const [, outcome] of seen) expect(VERDICT_OUTCOMES).toContain(outcome);
  });

  it('a program says its own verdict with an outcome; one without a known outcome is refused, not guessed', () => {
    const told: (SyscallResult | undefined)[] = [];
    function* teller(): Fiber {
      told.push(yield { op: 'verdict', outcome: 'breach', text: 'the story ended badly' });
      told.push(yield { op: 'verdict', outcome: 'won' as never, text: 'relabel blocked: it says held, it is not' });
      for (;;) yield { op: 'wait' };
    }
    programByName.set('teller', { name: 'teller', summary: 'a test program', body: teller });
    try {
      const h = host();
      const k = h.kernel;
      const from = k.ledger.length + 1;
      const p = spawnWithGrants(k, shellOf(k).pid, 'teller', []);
      k.step(5);
      expect(told).toEqual([
        { ok: true },
        { ok: false, code: 'EINVAL', error: expect.stringMatching(/outcome is held, breach, info; got "won"/) },
      ]);
      const mine = k.ledger.page(from, 100).filter((e) => e.actor === p.pid && (e.kind === 'verdict' || e.kind === 'deny'));
      expect(mine.map((e) => [e.kind, e.facts?.outcome])).toEqual([
        ['verdict', 'breach'],
        ['deny', undefined],
      ]);
      expect(mine[1].detail).toMatch(/^denied: verdict by teller \(pid \d+\): EINVAL: /);
    } finally {
      programByName.delete('teller');
    }
  });

  it('a version-1 export (before facts) still verifies with the v1 encoding, and a tampered one is located', () => {
    const r = verifyExport(V1);
    if (!r.ok) throw new Error(r.firstBad.reason);
    expect(r.version).toBe(1);
    expect(r.count).toBe(62);
    expect(r.entries.every((e) => !('facts' in e))).toBe(true);
    expect(r.entries.find((e) => e.kind === 'verdict')?.detail).toMatch(/^relabel blocked/);
    // One letter of entry 48's detail changed: found there, not before it.
    const copy = tamperCopy(V1, 48)!;
    expect(verifyExport(copy.altered)).toEqual({
      ok: false,
      firstBad: { line: 49, seq: 48, reason: 'entry 48 (line 49): contents do not match its hash — altered after it was written' },
    });
    // A v1 file cannot be given facts after the fact.
    const lines = V1.split('\n');
    lines[48] = lines[48].replace(',"prev":', ',"facts":{"outcome":"breach"},"prev":');
    expect(verifyExport(lines.join('\n'))).toMatchObject({
      ok: false,
      firstBad: { line: 49, seq: 48, reason: expect.stringMatching(/version 1 export has no "facts"/) },
    });
    // Nor does it verify as a version-2 file: the encodings differ.
    const asV2 = verifyExport(V1.replace('"version":1', '"version":2'));
    expect(asV2).toMatchObject({
      ok: false,
      firstBad: { line: 2, seq: 1, reason: expect.stringMatching(/contents do not match its hash/) },
    });
  });

  it('an export (version 3) carries the facts and gives them back; a tampered facts field is located at its entry', () => {
    const h = host();
    const k = h.kernel;
    h.exec('spawn "chat-client" with { chat: client @chat badge 200 }');
    h.exec('channel news');
    const text = k.ledger.exportJsonl();
    expect(text.split('\n', 1)[0]).toMatch(/^\{"format":"capplay-ledger","version":3,/);
    const r = verifyExport(text);
    if (!r.ok) throw new Error(r.firstBad.reason);
    expect(r.version).toBe(3);
    expect(r.entries).toEqual(k.ledger.page(1, 1e6));
    expect(r.entries.filter((e) => e.facts?.origin === 'boot').length).toBeGreaterThan(5);
    // Change one fact (a boot grant claims a mint): the JSON stays canonical, only the hash gives it away.
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('"origin":"boot"'));
    const seq = JSON.parse(lines[at]).seq as number;
    lines[at] = lines[at].replace('"origin":"boot"', '"origin":"mint"');
    expect(verifyExport(lines.join('\n'))).toEqual({
      ok: false,
      firstBad: {
        line: at + 1,
        seq,
        reason: `entry ${seq} (line ${at + 1}): contents do not match its hash — altered after it was written`,
      },
    });
    // Facts out of canonical order, or of a type a fact cannot have, are named too; nothing throws.
    const reorder = text.split('\n');
    reorder[at] = reorder[at].replace(/"facts":\{"badge":(\d+),/, '"facts":{"zz":1,"badge":$1,');
    expect(verifyExport(reorder.join('\n'))).toMatchObject({
      ok: false,
      firstBad: { seq, reason: expect.stringMatching(/not in canonical form/) },
    });
    const nested = text.split('\n');
    nested[at] = nested[at].replace(/"facts":\{"badge":(\d+),/, '"facts":{"badge":{"x":$1},');
    expect(verifyExport(nested.join('\n'))).toMatchObject({
      ok: false,
      firstBad: { seq, reason: expect.stringMatching(/"facts" "badge" should be a string or a finite number, found object/) },
    });
  });
});
