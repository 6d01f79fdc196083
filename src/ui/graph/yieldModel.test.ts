import { describe, expect, it } from 'vitest';
import { ChainWorld } from '../../kernel/yield/world';
import { yieldView } from '../../kernel/yield/view';
import { withYieldWorld, YIELD_BOX } from './yieldModel';
import type { GraphModel } from './model';

const empty: GraphModel = { machines: [], nodes: [], edges: [] };

describe('the yield runtime in the capability graph', () => {
  it('adds nothing before the first yield', () => {
    const w = new ChainWorld(true);
    const view = yieldView(w);
    expect(view.world).toBeNull();
    expect(withYieldWorld(empty, view)).toBe(empty);
  });

  it('draws the attestation route: every hop is a node, and the CALLs in flight are owner edges', () => {
    const w = new ChainWorld(true);
    expect(w.attest().ok).toBe(true);
    const view = yieldView(w);
    const model = withYieldWorld(empty, view);
    const route = view.routes.at(-1)!;
    expect(route.hops.map((h) => h.role)).toEqual(['emitter', 'owner', 'owner', 'kernel']);
    const ids = new Set(model.nodes.map((n) => n.id));
    for (const h of route.hops) expect(ids.has(h.id)).toBe(true);
    expect(model.machines.map((m) => m.id)).toEqual([YIELD_BOX]);
    expect(model.nodes.every((n) => n.machine === YIELD_BOX)).toBe(true);

    const owners = model.edges.filter((e) => e.kind === 'owner').map((e) => `${e.source}>${e.target}`);
    // chain → user → attestation authority: the path the yield walked back up
    const [emitter, user, chain] = route.hops.map((h) => h.id);
    expect(owners).toEqual([`${chain}>${user}`, `${user}>${emitter}`]);
    // a held instance that is also a CALL in flight is drawn once, as the owner edge
    const pairs = model.edges.map((e) => `${e.source}>${e.target}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(model.edges.every((e) => ids.has(e.source) && ids.has(e.target))).toBe(true);
  });

  it('a forged mint refused by the chain is caught by the chain, named as the catcher', () => {
    const w = new ChainWorld(true);
    expect(w.forge().ok).toBe(false);
    const route = yieldView(w).routes.at(-1)!;
    expect(route.key).toBe('kernel:mint_yield');
    expect(route.hops.at(-1)).toMatchObject({ role: 'catcher', name: w.name(w.chain.id) });
  });

  it('an unhandled key ends in a fault hop with no node, and the count tells routes apart', () => {
    const w = new ChainWorld(false);
    w.rotate('invoke_key', 'invoke_key_2');
    const before = yieldView(w).count;
    expect(w.invoke('x', true).ok).toBe(false);
    const view = yieldView(w);
    expect(view.count).toBe(before + 1);
    expect(view.routes.at(-1)!.hops.at(-1)).toMatchObject({ id: '', role: 'fault' });
  });

  it('keeps the drawing bounded however many transactions ran', () => {
    const w = new ChainWorld(true);
    for (let i = 0; i < 60; i++) w.mint('d', `c${i}`);
    const world = yieldView(w).world!;
    expect(world.length).toBeLessThanOrEqual(24);
    expect(world[0].id).toBe(`y:${w.chain.id}`);
  });
});
