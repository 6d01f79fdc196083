import { describe, expect, it } from 'vitest';
import { KernelHost } from '../host';
import type { Value } from '../services/service';
import { bootChain, MERGE, MINT, User } from '../yield/examples';
import { FORWARD, GAS, image, YieldFault, YieldRuntime, type Ctx, type Image, type YCap } from '../yield/runtime';

/** Rule 6 of issue 16: yield routing as seed 004 states it. */

const host = () => new KernelHost(undefined, false);
const text = (h: KernelHost, line: string) =>
  h
    .exec(line)
    .lines.map((l) => l.text)
    .join('\n');
const lastVerdict = (h: KernelHost) => h.kernel.ledger.last(5).findLast((e) => e.kind === 'verdict')?.detail ?? '';
const fault = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof YieldFault) return e.fault;
    throw e;
  }
  return '(no fault)';
};

/** An image with one method and (optionally) a receiver slot and catches. */
const img = (name: string, methods: Image['methods'], catches?: Image['catches'], yieldReceiverSlot: number | null = null): Image =>
  image({ name, description: `${name} (a test contract)`, yieldReceiverSlot, methods, catches });

describe('seed 004 (yield-key authority pattern): yield routing as the seed states it', () => {
  it('caps come only from kernel operations: a forged cnode literal (a YieldSender, an Instance cap) is refused at insertion', () => {
    const rt = new YieldRuntime();
    const { chain, b } = bootChain(rt);
    // A plain (not opaque) instance the prober holds, itself holding a cap to Inner.
    const holder = rt.spawn(chain.id, img('Holder', { main: () => null }));
    rt.spawn(holder.id, img('Inner', { main: () => null }));
    const tries: Record<string, (ctx: Ctx) => unknown> = {
      sender: (ctx) => ctx.put(1, { kind: 'sender', key: 'invoke_key' } as YCap),
      instance: (ctx) => ctx.put(1, { kind: 'instance', id: b.id } as YCap),
      spawn: (ctx) => ctx.deriveSpawn(User, { caps: [{ kind: 'instance', id: b.id } as YCap] }),
      // A real cap, but not one the prober holds: read out of Holder's cnode, then written into its own.
      unheld: (ctx) => ctx.put(1, ctx.peek(0, 0)),
      // A receiver it holds, but straight into its yield_receiver_slot: only merge_yield_receiver registers keys.
      register: (ctx) => ctx.put(2, ctx.get(ctx.mintYield('mine').receiver)),
    };
    const probe = img('Probe', { main: (ctx, a) => (tries[String(a)](ctx), 'inserted') }, undefined, 2);
    for (const [name, expected] of [
      ['sender', 'put: not a cap the kernel issued (a cnode takes no made-up cap)'],
      ['instance', 'put: not a cap the kernel issued (a cnode takes no made-up cap)'],
      ['spawn', 'spawn User: not a cap the kernel issued (a cnode takes no made-up cap)'],
      ['unheld', 'put: Probe does not hold that cap'],
      ['register', 'put: a yield_receiver_slot is filled only by kernel:merge_yield_receiver'],
    ] as const) {
      const p = rt.spawn(chain.id, probe, { caps: [chain.cnode[rt.slotOf(chain, holder.id)]] });
      const instances = rt.instances.size;
      expect(
        fault(() => rt.invoke(chain.id, 'run', { slot: rt.slotOf(chain, p.id), args: name })),
        name,
      ).toBe(expected);
      expect([p.cnode[1] ?? null, p.cnode[2] ?? null, rt.receiverKeys(p).size, rt.instances.size], name).toEqual(
        name === 'register' ? [p.cnode[1], null, 0, instances] : [null, null, 0, instances],
      );
    }
    // The host cannot place a literal either: even genesis takes only caps the runtime issued.
    expect(fault(() => rt.spawn(0, User, { caps: [{ kind: 'sender', key: 'invoke_key' } as YCap] }))).toContain(
      'not a cap the kernel issued',
    );
    // And in the shell: the literal forger is refused, the verdict ledgered.
    const h = host();
    expect(text(h, 'forge literal')).toBe('fault: put: not a cap the kernel issued (a cnode takes no made-up cap)');
    expect(lastVerdict(h)).toMatch(/^forged cap refused: /);
  });

  /**
   * Outer (catches "k") → H (catches "req") → M (an intermediate that also registered "k") → E, which yields
   * "req". H catches it; while handling, H calls T, which yields "k". Routed from H's own frame, "k" goes to
   * Outer; on top of the emitter's stack it would be caught by M, which is no owner of T.
   */
  function handlerWorld(rt: YieldRuntime, handler: (ctx: Ctx) => Value) {
    const t = rt.spawn(0, img('T', { main: (ctx) => ctx.yield(0, { from: 'T' }) }), { caps: [rt.genesis.sender('k')] });
    const e = rt.spawn(0, img('E', { main: (ctx) => ctx.yield(0, { from: 'E' }) }), { caps: [rt.genesis.sender('req')] });
    const catchK = (who: string) => (_c: Ctx, key: string, payload: Value) => ({ caughtBy: who, key, payload });
    const m = rt.spawn(0, img('M', { main: (ctx) => ctx.call(1, 'main') }, { k: catchK('M') }, 0), {
      caps: [rt.genesis.receiver(['k']), rt.genesis.instance(e.id)],
    });
    const h = rt.spawn(0, img('H', { main: (ctx) => ctx.call(1, 'main') }, { req: (ctx) => handler(ctx) }, 0), {
      caps: [rt.genesis.receiver(['req']), rt.genesis.instance(m.id), rt.genesis.instance(t.id), rt.genesis.sender('req')],
    });
    const outer = rt.spawn(0, img('Outer', { main: (ctx) => ctx.call(1, 'main') }, { k: catchK('Outer'), req: catchK('Outer') }, 0), {
      caps: [rt.genesis.receiver(['k', 'req']), rt.genesis.instance(h.id)],
    });
    return { outer, h, m, e, t };
  }

  it("on a catch the handler continues in its own CALL frame: a contract it calls has its yields routed from the handler's frame", () => {
    const rt = new YieldRuntime();
    rt.captureStacks = true;
    const w = handlerWorld(rt, (ctx) => ctx.call(2, 'main'));
    expect(rt.invoke(w.outer.id, 'main')).toEqual({ caughtBy: 'Outer', key: 'k', payload: { from: 'T' } });
    const route = rt.routes.at(-1)!;
    expect(route).toMatchObject({ key: 'k', emitter: w.t.id, caughtBy: w.outer.id, walked: [w.h.id, w.outer.id] });
    // The frames in flight at T's yield are the handler's: the emitter's (H → M → E) are set aside, not walked.
    expect(route.stack!.map((f) => `${f.caller}>${f.callee}`)).toEqual([
      `0>${w.outer.id}`,
      `${w.outer.id}>${w.h.id}`,
      `${w.h.id}>${w.t.id}`,
    ]);
    expect(rt.depth).toBe(0);
  });

  it('a handler never catches its own yield (emitter exclusion), nor does an instance that called itself', () => {
    const rt = new YieldRuntime();
    // H, handling "req", yields "req" itself: it registered "req", but the nearest owner of H is Outer.
    const w = handlerWorld(rt, (ctx) => ctx.yield(3, { from: 'H' }));
    expect(rt.invoke(w.outer.id, 'main')).toEqual({ caughtBy: 'Outer', key: 'req', payload: { from: 'H' } });
    expect(rt.routes.at(-1)).toMatchObject({ key: 'req', emitter: w.h.id, caughtBy: w.outer.id });
    // An instance that registered "k" and called itself is not its own owner for its yield: no one catches it.
    const selfish = rt.spawn(0, img('Selfish', { a: (ctx) => ctx.call(1, 'b'), b: (ctx) => ctx.yield(2, null) }, { k: () => 'self' }, 0), {
      caps: [rt.genesis.receiver(['k']), null, rt.genesis.sender('k')],
    });
    rt.genesis.place(selfish, 1, rt.genesis.instance(selfish.id));
    expect(fault(() => rt.invoke(selfish.id, 'a'))).toBe('unhandled yield_key k');
  });

  it('merge_yield_receiver is interposed like mint_yield: the chain registers kernel:merge_yield_receiver and gates it', () => {
    const rt = new YieldRuntime();
    const { chain } = bootChain(rt);
    expect([...rt.receiverKeys(chain)]).toContain(MERGE);
    // A descendant mints a kernel:mint_yield pair (not reserved) and registers it, to interpose over its own subtree.
    const child = img('Child', { main: (ctx) => ctx.mintYield('invoke_key') });
    const registrar = img(
      'Registrar',
      {
        register: (ctx) => {
          const { receiver } = ctx.mintYield(MINT);
          ctx.mergeReceiver(0, receiver);
          const r = ctx.get(0);
          return r?.kind === 'receiver' ? [...r.keys] : [];
        },
        child: (ctx) => ctx.call(ctx.deriveSpawn(child), 'main'),
      },
      { [MINT]: () => FORWARD }, // it approves everything its subtree asks for
      0,
    );
    const d = rt.spawn(chain.id, registrar);
    const run = (method: string) => () => rt.invoke(chain.id, 'run', { slot: rt.slotOf(chain, d.id), method });
    expect(fault(run('register'))).toBe(`the chain refuses to let a descendant register ${MINT}`);
    expect(rt.routes.at(-1)).toMatchObject({ key: MERGE, emitter: d.id, caughtBy: chain.id });
    expect(rt.receiverKeys(d).size).toBe(0);

    // With the chain's merge gate dropped, the kernel root merges: the descendant now interposes for its subtree…
    rt.invoke(chain.id, 'interpose', { on: false, only: MERGE });
    expect(run('register')()).toEqual([MINT]);
    expect(rt.routes.at(-1)).toMatchObject({ key: MERGE, emitter: d.id, caughtBy: 'kernel' });
    // …but an interposer below can only pass a request on, never grant it: the chain still refuses invoke_key.
    expect(fault(run('child'))).toBe('the chain refuses to mint the reserved key invoke_key');
    expect(rt.routes.at(-1)).toMatchObject({ key: MINT, forwardedBy: [d.id], caughtBy: chain.id });
  });

  it("a receiver's keys cannot be changed in place: only merge_yield_receiver registers a key", () => {
    const rt = new YieldRuntime();
    const { chain } = bootChain(rt);
    // A contract merges a harmless key (allowed), then tries to add the chain's invoke_key to the set it holds.
    const sneak = img(
      'Sneak',
      {
        main: (ctx) => {
          const { receiver } = ctx.mintYield('harmless');
          ctx.mergeReceiver(0, receiver);
          const r = ctx.get(0) as unknown as { keys: Set<string> };
          try {
            r.keys.add('invoke_key');
          } catch {
            // refused: the set has no add (and a frozen wrapper takes no new field)
          }
          try {
            (r as { keys: unknown }).keys = new Set(['invoke_key']);
          } catch {
            // refused: the cap is frozen
          }
          return [...(ctx.get(0) as unknown as { keys: Set<string> }).keys];
        },
      },
      undefined,
      0,
    );
    const d = rt.spawn(chain.id, sneak);
    expect(rt.invoke(chain.id, 'run', { slot: rt.slotOf(chain, d.id), method: 'main' })).toEqual(['harmless']);
    expect([...rt.receiverKeys(d)]).toEqual(['harmless']);
  });

  it("a nested CALL's gas never exceeds what its caller has left, and what it leaves goes back", () => {
    const rt = new YieldRuntime();
    const seen: number[] = [];
    const burner = rt.spawn(
      0,
      img('Burner', { burn: (ctx, n) => (seen.push(ctx.gas), Array.from({ length: Number(n) }, () => ctx.put(0, null)).length) }),
    );
    const caller = rt.spawn(0, img('Caller', { go: (ctx, n) => [ctx.gas, ctx.call(0, 'burn', n, 1_000_000), ctx.gas] }), {
      caps: [rt.genesis.instance(burner.id)],
    });
    // 100 gas: the caller pays GAS.call, the callee asks for a million and gets what is left (90).
    expect(rt.invoke(caller.id, 'go', 30, 100)).toEqual([100, 30, 100 - GAS.call - 30]);
    expect(seen).toEqual([100 - GAS.call]);
    expect(fault(() => rt.invoke(caller.id, 'go', 95, 100))).toBe('kernel:oog: out of gas');
    expect(seen.at(-1)).toBe(90);
    // In the shell: an intermediate that spent the gas relays the user's call asking for a million; it gets 2.
    const h = host();
    expect(text(h, 'stall')).toMatch(
      /^fault: kernel:oog: out of gas\nroute: kernel:oog: User#\d+ → Staller#\d+ → Chain#1 → caught by kernel$/,
    );
    expect(lastVerdict(h)).toMatch(/^availability lost: Staller#\d+ spent the call's gas .* asked for 1000000 gas, got 2, and ran out/);
  });

  it("EndpointRefCap holds its target and endpoint key, and the chain really calls B's endpoint", () => {
    const rt = new YieldRuntime();
    const { chain, user, userSlot, b } = bootChain(rt);
    const cap = rt.instances.get((user.cnode[0] as { id: number }).id)!;
    expect(cap.image.name).toBe('EndpointRefCap');
    expect(cap.state).toEqual({ target: b.id, endpoint: 'process', cap_id: 1 }); // no rate_limit: none was asked for
    expect(cap.cnode[0]).toMatchObject({ kind: 'sender', key: 'invoke_key' });
    expect(rt.invoke(chain.id, 'run', { slot: userSlot, args: { payload: 'swap' } })).toEqual({
      status: 'ok',
      result: { by: 'B', processed: { payload: 'swap' } },
    });
    expect(b.state.ran).toEqual(['process']); // B's endpoint ran, once
    expect(rt.routes.at(-1)).toMatchObject({ key: 'invoke_key', emitter: cap.id, caughtBy: chain.id });
    // The args cannot pick the endpoint: it is the cap's state (V1).
    const h = host();
    expect(text(h, 'invoke "x" drain')).toMatch(/"result":\{"by":"B","processed":\{"payload":"x","endpoint":"drain"\}\}/);
    expect(lastVerdict(h)).toBe(
      "confined: the user's args asked for B.drain; its EndpointRefCap called B.process, the endpoint in its state",
    );
    expect(h.kernel.chainWorld.b.state.ran).toEqual(['process']);
  });

  it('MintRefCap takes its domain from its own state: the caller cannot pick the domain (V5)', () => {
    const rt = new YieldRuntime();
    const { chain } = bootChain(rt);
    const slot = rt.invoke(chain.id, 'issue', { key: 'mint_key', domain: 'art' }) as number;
    expect(rt.instances.get((chain.cnode[slot] as { id: number }).id)!.state).toEqual({ domain: 'art' });
    const user = rt.spawn(chain.id, User, { caps: [chain.cnode[slot]] });
    expect(
      rt.invoke(chain.id, 'run', { slot: rt.slotOf(chain, user.id), method: 'mint', args: { content: 'sunrise', domain: 'evil' } }),
    ).toEqual({
      status: 'minted',
      domain: 'art',
      count: 1,
    });
    const mintInstance = rt.instances.get((chain.cnode[chain.state.mintInstance as number] as { id: number }).id)!;
    expect(mintInstance.state.minted).toEqual([{ domain: 'art', content: 'sunrise' }]);
    const h = host();
    expect(text(h, 'mint art sunrise evil')).toMatch(
      /^→ \{"status":"minted","domain":"art","count":1\}\nroute: mint_key: MintRefCap#\d+ → User#\d+ → caught by Chain#1$/,
    );
    expect(lastVerdict(h)).toBe('cap rights held: the caller asked for domain evil; the MintRefCap minted in art, the domain in its state');
  });

  it('AttestationAuthority: attest(key, blob) → status, in sign and verify mode, with the same status shape and never a signature', () => {
    const h = host();
    const answers = ['attest sign hw boot-image', 'attest verify hw boot-image', 'attest verify hw tampered', 'attest sign other x'].map(
      (l) => {
        const out = text(h, l);
        expect(out).toMatch(/\nroute: kernel:attest: AttestationAuthority#\d+ → User#\d+ → Chain#1 → caught by kernel$/);
        return JSON.parse(out.split('\n')[0].slice(2)) as Record<string, Value>;
      },
    );
    expect(answers).toEqual([
      { status: 'attested', key: 'hw' },
      { status: 'attested', key: 'hw' }, // verify: the kernel signed that blob; the same answer as signing it
      { status: 'refused', key: 'hw' },
      { status: 'attested', key: 'other' },
    ]);
    for (const a of answers) expect(Object.keys(a).sort()).toEqual(['key', 'status']); // mode-invariant shape
    // No signature anywhere userspace or the ledger can read: no hex digest in any answer or record.
    const w = h.kernel.chainWorld;
    const userland = JSON.stringify([answers, [...w.rt.instances.values()].map((i) => [i.state, i.cnode])]);
    expect(userland).not.toMatch(/[0-9a-f]{64}/);
    expect(h.kernel.ledger.page(1, 1e5).some((e) => /[0-9a-f]{64}/.test(e.detail))).toBe(false);
    // What the kernel resumes a kernel:attest yield with, whatever the mode: the same shape, no signature.
    const rt = new YieldRuntime();
    const probe = rt.spawn(0, img('Probe', { main: (ctx, p) => ctx.yield(0, p) }), { caps: [rt.genesis.sender('kernel:attest')] });
    const replies = ['sign', 'verify'].map((mode) => rt.invoke(probe.id, 'main', { mode, key: 'k', blob: 'b' }));
    expect(replies).toEqual([
      { status: 'attested', key: 'k' },
      { status: 'attested', key: 'k' },
    ]);
    // The mode is the cap's state: the chain issues one per mode, and refuses others.
    expect(text(h, 'attest sideways')).toMatch(/the mode is sign or verify/);
  });

  it('the V1–V9 table derives from the evidence this session ledgered: a fresh session shows none holding', () => {
    const h = host();
    const table = () => Object.fromEntries(h.yieldView().properties.map((p) => [p.id, p]));
    const fresh = table();
    expect(Object.values(fresh).map((p) => p.status)).toEqual(Array(9).fill('not shown yet'));
    const demos: [string, string[], string][] = [
      // First: every later demonstration's route also passes an intermediate, which is V7's evidence.
      ['V7', ['attest'], 'demonstrated'],
      ['V1', ['invoke "x" drain'], 'demonstrated'],
      ['V2', ['forge'], 'demonstrated'],
      ['V3', ['rotate invoke_key invoke_key_2', 'invoke old'], 'demonstrated'],
      ['V4', ['steal'], 'demonstrated'],
      ['V5', ['mint art sunrise evil'], 'demonstrated'],
      ['V6', ['lookalike'], 'demonstrated'],
      ['V8', ['stall'], 'lost'],
      ['V9', ['yields replay'], 'demonstrated'],
    ];
    for (const [id, lines, status] of demos) {
      const before = table();
      for (const l of lines) h.exec(l);
      const now = table();
      expect(now[id].status, id).toBe(status);
      // Every other row is as it was: one demonstration, one row.
      for (const other of Object.keys(now)) if (other !== id) expect(now[other].status, `${id} moved ${other}`).toBe(before[other].status);
      // The row cites the ledger record that showed it, and that record says so.
      const seq = Number(/ledger #(\d+)/.exec(now[id].note)?.[1]);
      const record = h.kernel.ledger.page(seq, 1)[0];
      expect(now[id].note).toContain(record.detail.slice(0, 40));
      expect(['verdict', 'yield']).toContain(record.kind);
    }
    // With a defense off, the attack's success is ledgered and the row reads violated (and stays so).
    h.exec('defense interpose off');
    h.exec('forge');
    expect(table().V2.status).toBe('violated');
    h.exec('defense interpose on');
    h.exec('forge');
    expect(table().V2.status).toBe('violated');
    // A route straight from the emitter to its catcher passed no intermediate: it shows nothing about V7.
    const h3 = host();
    h3.exec('forge');
    expect(h3.yieldView().properties.find((p) => p.id === 'V7')?.status).toBe('not shown yet');
    // The snapshot caveat is shown as such, not as a breach of revocation.
    const h2 = host();
    h2.exec('rotate invoke_key k2 inflight');
    expect(h2.yieldView().properties.find((p) => p.id === 'V3')?.status).toBe('caveat');
  });
});
