import { describe, expect, it } from 'vitest';
import defaultScenario from '../../content/scenarios/default.json';
import { BUILT_IN_SCENARIOS } from '../../content/scenarios';
import { KernelHost } from '../host';
import { grantsInForce, provenance, type ProvHow, type ProvLedger } from './provenance';

/**
 * Seed 003 S1: "delegation is explicit and auditable via ProvChain"; seed 000: "the set of grants in force at any
 * time is inspectable". Each chain is read back from the kernel's ledger records and checked step by step.
 */

function session() {
  const scenario = structuredClone(defaultScenario) as typeof defaultScenario;
  // The shell also owns an endpoint, so it can mint client facets with badges.
  const shellCaps = scenario.processes.find((p) => p.name === 'shell')!.caps as unknown[];
  shellCaps.push({ endpoint: 'mine' });
  const host = new KernelHost(undefined, false);
  expect(host.boot(JSON.stringify(scenario), 7).ok).toBe(true);
  const run = (line: string) => {
    const r = host.exec(line);
    const text = r.lines.map((l) => l.text).join('\n');
    if (r.lines.some((l) => l.style === 'error')) throw new Error(`${line}: ${text}`);
    return text;
  };
  const k = host.kernel;
  const pidOf = (name: string) => [...k.processes.values()].filter((p) => p.name === name).at(-1)!.pid;
  const chain = (pid: number, cap: string) => {
    const p = k.process(pid);
    return provenance(k.ledger, pid, p.cnode.lookup(cap).granted);
  };
  const shape = (pid: number, cap: string) => chain(pid, cap).steps.map((s): [ProvHow, number, string] => [s.how, s.holder, s.cap]);
  return { host, k, run, pidOf, chain, shape };
}

describe('provenance: the chain of custody of a cap (seed 003 S1)', () => {
  it('a boot cap: one step, the boot wiring, by the kernel, naming its grant record', () => {
    const { k, pidOf, chain } = session();
    const shell = pidOf('shell');
    const c = chain(shell, 'chat');
    expect(c.problem).toBeUndefined();
    expect(c.steps.map((s) => [s.how, s.by, s.holder])).toEqual([['boot', 0, shell]]);
    const rec = k.ledger.page(c.steps[0].seq, 1)[0];
    expect(rec.kind).toBe('grant');
    expect(rec.detail).toMatch(/holds @chat: client .* badge 42/);
  });

  it('a copied grant and then a move: boot → grant → move, each step the holder and its record', () => {
    const { k, run, pidOf, shape, chain } = session();
    const shell = pidOf('shell');
    run('spawn "idle" with { chat: @chat_participant }');
    const a = pidOf('idle');
    run(`spawn "idle" with { mod: move @chat_mod }`);
    const b = pidOf('idle');
    expect(shape(a, 'chat')).toEqual([
      ['boot', shell, 'chat_participant'],
      ['grant', a, 'chat'],
    ]);
    expect(shape(b, 'mod')).toEqual([
      ['boot', shell, 'chat_mod'],
      ['move', b, 'mod'],
    ]);
    // The steps are in ledger order and each names a real grant record for that holder.
    for (const s of chain(b, 'mod').steps) expect(k.ledger.page(s.seq, 1)[0]).toMatchObject({ kind: 'grant', subject: s.holder });
    // A grant to a running child over the shell's handle to it: the same two steps, the second by the shell.
    run(`grant ${a} @chat_participant as again`);
    expect(chain(a, 'again').steps.map((s) => [s.how, s.by])).toEqual([
      ['boot', 0],
      ['grant', shell],
    ]);
  });

  it('a client facet with a badge, minted from the endpoint the shell owns, then copied on', () => {
    const { run, pidOf, shape, chain } = session();
    const shell = pidOf('shell');
    run('spawn "idle" with { svc: client @mine badge 9 }');
    const child = pidOf('idle');
    expect(shape(child, 'svc')).toEqual([
      ['boot', shell, 'mine'],
      ['facet', child, 'svc'],
    ]);
    expect(chain(child, 'svc').steps[1].detail).toMatch(/badge 9/);
  });

  it('a facet minted late in a long session reads only the minter’s own records, not every grant since boot', () => {
    const { k, run, pidOf } = session();
    const alice = pidOf('alice');
    for (let i = 0; i < 20_000; i++)
      k.record('grant', 0, alice, `filler ${i}`, 0, { cap: `f${i}`, kind: 'client', target: 'o:1', origin: 'grant', from: 0 });
    run('spawn "idle" with { svc: client @mine badge 9 }');
    const child = pidOf('idle');
    let built = 0; // records read back whole (each decodes its detail and facts)
    const counting: ProvLedger = {
      length: k.ledger.length,
      seqsOfKind: (kind) => k.ledger.seqsOfKind(kind),
      subjectOf: (seq) => k.ledger.subjectOf(seq),
      page: (from, count) => {
        built += count;
        return k.ledger.page(from, count);
      },
    };
    const c = provenance(counting, child, k.process(child).cnode.lookup('svc').granted);
    expect(c.steps.map((s) => s.how)).toEqual(['boot', 'facet']);
    expect(built).toBeLessThan(50);
  });

  it('a relabel (Gate 0 off) is its own step, unlike a copy that keeps the badge', () => {
    const { run, pidOf, shape } = session();
    const shell = pidOf('shell');
    run('spawn "idle" with { same: client @chat }');
    const keeps = pidOf('idle');
    run('defense gate0 off');
    run('spawn "idle" with { bob: client @chat badge 200 }');
    const forged = pidOf('idle');
    expect(shape(keeps, 'same')).toEqual([
      ['boot', shell, 'chat'],
      ['grant', keeps, 'same'],
    ]);
    expect(shape(forged, 'bob')).toEqual([
      ['boot', shell, 'chat'],
      ['relabel', forged, 'bob'],
    ]);
  });

  it('an import across a pairing starts its chain (seed 000: only an import crosses machines)', () => {
    const host = new KernelHost(undefined, false);
    const pointsav = BUILT_IN_SCENARIOS.find((x) => x.id === 'pointsav')!;
    expect(host.boot(pointsav.text, 7).ok).toBe(true);
    const k = host.kernel;
    const media = [...k.processes.values()].find((p) => p.name === 'media')!;
    const c = provenance(k.ledger, media.pid, media.cnode.lookup('telemetry').granted);
    expect(c.steps.map((s) => [s.how, s.holder, s.cap])).toEqual([['import', media.pid, 'telemetry']]);
  });

  it('a spawn handle, and a channel minted then masked: mask steps belong to the slot that was masked', () => {
    const { run, pidOf, shape, chain } = session();
    const shell = pidOf('shell');
    run('spawn "idle"');
    const child = pidOf('idle');
    expect(shape(shell, 'idle')).toEqual([['spawn', shell, 'idle']]);
    expect(chain(shell, 'idle').steps[0].detail).toContain(`process → idle (pid ${child})`);
    run('channel news');
    run('mask @news rw');
    run(`spawn "idle" with { news: @news }`); // the same name in the child's table
    run('mask @news r'); // the shell's own slot, after the copy: not in the copy's chain
    const reader = pidOf('idle');
    expect(shape(reader, 'news')).toEqual([
      ['mint', shell, 'news'],
      ['mask', shell, 'news'],
      ['grant', reader, 'news'],
    ]);
    expect(shape(shell, 'news').map((s) => s[0])).toEqual(['mint', 'mask', 'mask']);
  });

  it('the grants in force in a table: every slot, with how its holder got it and the record', () => {
    const { k, run, pidOf } = session();
    run('spawn "idle" with { chat: @chat_participant, svc: client @mine badge 3, mod: move @chat_mod }');
    const child = k.process(pidOf('idle'));
    const grants = grantsInForce(k.ledger, child.cnode.entries());
    expect(grants.map((g) => [g.cap, g.how, g.by])).toEqual([
      ['chat', 'grant', pidOf('shell')],
      ['svc', 'facet', pidOf('shell')],
      ['mod', 'move', pidOf('shell')],
    ]);
    for (const g of grants) expect(g.seq).toBe(child.cnode.lookup(g.cap).granted);
  });

  it('a chain never follows a record that is not a kernel grant of that holder', () => {
    const { k, pidOf } = session();
    const shell = pidOf('shell');
    const deny = k.ledger.seqsOfKind('map')[0] ?? 1; // any record that is not a grant
    expect(provenance(k.ledger, shell, deny).problem).toMatch(/is not the grant/);
    const alien = k.process(pidOf('alice')).cnode.lookup('chat').granted; // alice's grant, asked for as the shell's
    expect(provenance(k.ledger, shell, alien).problem).toMatch(`#${alien} is not the grant of a cap ${shell} held`);
  });
});

describe('caps --why in the shell', () => {
  it('prints the chain oldest first with each record, and the grants in force', () => {
    const { run, pidOf, chain } = session();
    run('spawn "idle" with { chat: @chat_participant }');
    const child = pidOf('idle');
    const out = run(`caps --why @chat ${child}`).split('\n');
    expect(out[0]).toMatch(/chain of custody of @chat in idle \(pid \d+\): 2 steps/);
    const seqs = chain(child, 'chat').steps.map((s) => s.seq);
    expect(out[1]).toMatch(new RegExp(`^  #${seqs[0]}  boot +shell \\(pid \\d+\\) holds @chat_participant`));
    expect(out[2]).toMatch(new RegExp(`^  #${seqs[1]}  grant +idle \\(pid ${child}\\) holds @chat`));
    const force = run('caps --why');
    expect(force).toMatch(/grants in force in shell/);
    expect(force).toMatch(/@chat_mod +object +boot +kernel +#\d+/);
  });

  it('names what is wrong: no such cap, a cap only another process holds, no such pid', () => {
    const { host, pidOf } = session();
    const err = (line: string) =>
      host
        .exec(line)
        .lines.map((l) => `${l.style}|${l.text}`)
        .join('\n');
    expect(err('caps --why @nothing')).toMatch(/^error\|caps: shell \(pid \d+\) holds no cap named @nothing \(column 12\)/);
    expect(err('caps --why @game')).toMatch(`held as @game by pid ${pidOf('troll')} (caps --why @game <pid>)`);
    expect(err('caps --why @chat 9999')).toMatch(/no process with pid 9999/);
    expect(err('caps --why @chat 1 2')).toMatch(/^error\|caps: /);
  });

  it('completes --why', () => {
    const { host } = session();
    expect(host.complete('caps --w', 8).candidates).toEqual(['--why']);
  });
});
