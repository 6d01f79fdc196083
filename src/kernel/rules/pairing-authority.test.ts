import { describe, expect, it } from 'vitest';
import pointsav from '../../content/scenarios/pointsav.json';
import { KernelHost } from '../host';

type Manifest = typeof pointsav;

function fleet(edit?: (s: Manifest) => void) {
  const s = structuredClone(pointsav);
  edit?.(s);
  const h = new KernelHost(undefined, false);
  const r = h.boot(JSON.stringify(s));
  if (!r.ok) throw new Error(r.errors.join('\n'));
  const k = h.kernel;
  const text = (line: string) =>
    h
      .exec(line)
      .lines.map((l) => l.text)
      .join('\n');
  const id = (name: string) => k.fleet.machine(name)!.id;
  const lastDeny = () =>
    k.ledger
      .last(50)
      .filter((e) => e.kind === 'deny')
      .at(-1)?.detail ?? '';
  return { h, k, text, id, lastDeny };
}

const adminPolicy = (s: Manifest) => s.pairings.push({ a: 'console', b: 'totebox', type: 'ADMIN', boot: false } as never);

describe("seeds 001, 003 S4: no ambient authority over pairings — seed 001's service-pairing", () => {
  it('a machine acts only on pairings it is an end of: the console cannot sever Totebox ⇄ MediaKit', () => {
    const f = fleet();
    expect(f.text('unpair totebox mediakit')).toMatch(
      /^unpair: EPERM: console is not an end of totebox ⇄ mediakit and holds no ADMIN pairing to a Totebox end/,
    );
    expect(f.lastDeny()).toMatch(/unpair on @pairing by shell .*EPERM/);
    expect(f.k.fleet.between(f.id('totebox'), f.id('mediakit'))?.live).toBe(true);
    expect(f.text('pair totebox mediakit as USER')).toMatch(/^pair: EPERM: console is not an end/);
    expect(f.k.fleet.between(f.id('totebox'), f.id('mediakit'))?.type).toBe('INPUT');
  });

  it('only a machine announces its own key rotation', () => {
    const f = fleet();
    const before = f.k.fleet.identity('totebox').cellIdText;
    expect(f.text('announce totebox')).toMatch(/^announce: EPERM: only totebox announces totebox's key rotation/);
    expect(f.lastDeny()).toMatch(/announce on @pairing/);
    expect(f.k.fleet.identity('totebox').cellIdText).toBe(before);
    expect(f.k.fleet.generation('console')).toBe(0);
    expect(f.text('announce console')).toMatch(/console has new keys/); // its own: allowed
    expect(f.k.fleet.generation('console')).toBe(1);
  });

  it('an initiator never upgrades itself past the policy, so it cannot then forget TOFU+ bindings', () => {
    const f = fleet();
    expect(f.text('pair totebox as ADMIN')).toMatch(
      /^pair: EPERM: an initiator never upgrades itself: the policy sets console ⇄ totebox at INPUT/,
    );
    expect(f.lastDeny()).toMatch(/pair on @pairing by shell/);
    expect(f.k.fleet.between(f.id('console'), f.id('totebox'))).toBeUndefined();
    expect(f.text('pair totebox')).toMatch(/paired console ↔ totebox as INPUT/); // the policy's type
    expect(f.text('pair totebox as ADMIN')).toMatch(/^pair: EPERM: an initiator never upgrades itself/);
    expect(f.text('tofu forget totebox mediakit')).toMatch(/^tofu forget: EPERM: forgetting totebox's binding needs ADMIN on totebox/);
    expect(f.k.fleet.bindingsOf(f.id('totebox')).has('mediakit')).toBe(true);
    expect(f.text('pair totebox as USER')).toMatch(/re-paired console ↔ totebox: INPUT → USER/); // asking for less is fine
  });

  it('the policy, or a holder of an ADMIN pairing to the Totebox, sets a pairing type', () => {
    const f = fleet(adminPolicy);
    expect(f.text('pair totebox as ADMIN')).toMatch(/paired console ↔ totebox as ADMIN/);
    expect(f.text('pair totebox mediakit as USER')).toMatch(
      /re-paired totebox ↔ mediakit: INPUT → USER \(set over console's ADMIN pairing with totebox\)/,
    );
    expect(f.k.fleet.between(f.id('totebox'), f.id('mediakit'))?.type).toBe('USER');
    expect(f.text('tofu forget totebox mediakit')).toMatch(/totebox forgot mediakit's CellID/);
    expect(f.text('unpair totebox mediakit')).toMatch(/severed totebox ⇄ mediakit/);
  });

  it('pairing, importing, announcing and forgetting are calls on a cap held by whom the policy says', () => {
    const f = fleet((s) => {
      const shell = s.processes.find((p) => p.name === 'shell')!;
      shell.caps = shell.caps.filter((c) => !('pairing' in c)) as never;
    });
    for (const line of ['pair totebox', 'import totebox vault', 'announce console', 'tofu forget console totebox', 'unpair totebox']) {
      expect(f.text(line), line).toMatch(
        /: ENOCAP: the shell holds no service-pairing cap: the policy \(the scenario\) says who manages console's pairings$/,
      );
      expect(f.lastDeny()).toMatch(/ENOCAP/);
    }
    expect(f.k.fleet.between(f.id('console'), f.id('totebox'))).toBeUndefined();
  });

  it('ADMIN is authority over the Totebox end only, never over the machine holding it', () => {
    // The policy pairs the aggregator with the console as ADMIN, and a process on the aggregator holds its
    // service-pairing. The console is no Totebox: the aggregator may not retype or sever its pairings, nor forget its bindings.
    const f = fleet((s) => {
      adminPolicy(s);
      s.pairings.push({ a: 'aggregator', b: 'console', type: 'ADMIN' } as never);
      s.processes.find((p) => p.name === 'fleetview')!.caps.push({ pairing: true } as never);
    });
    f.text('pair totebox as USER');
    const agg = [...f.k.processes.values()].find((p) => p.name === 'fleetview')!.pid;
    const as = (method: string, args: string[]) => f.k.call(agg, 'pairing', method, { args });
    expect(as('pair', ['console', 'totebox', 'ADMIN'])).toMatchObject({ ok: false, code: 'EPERM' });
    expect(as('unpair', ['console', 'totebox'])).toMatchObject({ ok: false, code: 'EPERM' });
    expect(as('forget', ['console', 'totebox'])).toMatchObject({ ok: false, code: 'EPERM' });
    expect(f.k.fleet.between(f.id('console'), f.id('totebox'))?.type).toBe('USER');
    expect(f.k.fleet.bindingsOf(f.id('console')).has('totebox')).toBe(true);
  });

  it('an ADMIN pairing carries no command up the Diode', () => {
    const f = fleet((s) => {
      s.pairings[0].type = 'ADMIN'; // totebox ⇄ mediakit
      s.processes.find((p) => p.name === 'media')!.caps.push({ pairing: true } as never);
    });
    const media = [...f.k.processes.values()].find((p) => p.name === 'media')!.pid;
    const forget = () => f.k.call(media, 'pairing', 'forget', { args: ['totebox', 'aggregator'] });
    expect(forget()).toMatchObject({ ok: false, code: 'EDIODE' });
    expect(f.k.fleet.bindingsOf(f.id('totebox')).has('aggregator')).toBe(true);
    f.text('defense diode off');
    expect(forget()).toMatchObject({ ok: true });
    expect(f.k.fleet.bindingsOf(f.id('totebox')).has('aggregator')).toBe(false);
  });
});
