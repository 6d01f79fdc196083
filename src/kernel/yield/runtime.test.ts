import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Attacker, bootChain, EndpointRefCap, Forger, MintRefCap, User, Vault } from './examples';
import { image, YieldFault, YieldRuntime, type Image, type YCap } from './runtime';

/** A relay: holds a receiver in slot 0 and calls on down slot 1. */
const relay = (name: string, keys: string[]): Image =>
  image({
    name,
    description: `relay catching ${keys.join(',')}`,
    yieldReceiverSlot: 0,
    methods: { down: (ctx, args) => ctx.call(1, 'down', args) },
    catches: { '*': (ctx, key) => ({ caughtBy: ctx.self, key }) },
  });

/** layers[0] is outermost; the innermost one emits with the sender `held` gives it (default: one for emitKey). */
function chainOf(
  rt: YieldRuntime,
  layers: { keys: string[] }[],
  emitKey: string,
  held: (rt: YieldRuntime) => YCap | null = (r) => r.genesis.sender(emitKey),
) {
  const ids: number[] = [];
  let below: number | null = null;
  for (let i = layers.length - 1; i >= 0; i--) {
    const inner = below === null;
    const inst = rt.spawn(0, inner ? emitter(`L${i}`) : relay(`L${i}`, layers[i].keys), {
      caps: [rt.genesis.receiver(layers[i].keys), inner ? null : rt.genesis.instance(below!), inner ? held(rt) : null],
    });
    ids.unshift(inst.id);
    below = inst.id;
  }
  return ids;
}

/** The innermost layer: its "down" yields with slot 2 instead of calling further. */
const emitter = (name: string): Image =>
  image({
    name,
    description: 'emits with slot 2',
    yieldReceiverSlot: 0,
    methods: { down: (ctx, args) => ctx.yield(2, args) },
    catches: { '*': (ctx, key) => ({ caughtBy: ctx.self, key }) },
  });

describe('routing', () => {
  it('the nearest snapshot holding the key catches, over farther ones', () => {
    const rt = new YieldRuntime();
    const ids = chainOf(rt, [{ keys: ['k'] }, { keys: ['k'] }, { keys: [] }, { keys: [] }], 'k');
    expect(rt.invoke(ids[0], 'down')).toEqual({ caughtBy: ids[1], key: 'k' });
    const route = rt.routes.at(-1)!;
    expect(route.walked).toEqual([ids[2], ids[1]]);
    expect(route.caughtBy).toBe(ids[1]);
  });

  it('an emitter never catches its own yield; no catcher is a fault', () => {
    const rt = new YieldRuntime();
    const ids = chainOf(rt, [{ keys: [] }, { keys: ['k'] }], 'k'); // only the emitter itself registered k
    expect(() => rt.invoke(ids[0], 'down')).toThrow('unhandled yield_key k');
    expect(rt.routes.at(-1)).toMatchObject({ key: 'k', caughtBy: null, fault: 'unhandled yield_key' });
  });

  it('no sender, no yield: an instance without a YieldSender never reaches a handler', () => {
    const rt = new YieldRuntime();
    const ids = chainOf(rt, [{ keys: ['k'] }, { keys: [] }], 'k', () => null);
    expect(() => rt.invoke(ids[0], 'down')).toThrow('holds no YieldSender');
    expect(rt.routes).toHaveLength(0);
  });

  it('the kernel is the implicit root for kernel:* keys: attestation returns only a status', () => {
    const rt = new YieldRuntime();
    const { chain } = bootChain(rt);
    const att = rt.invoke(chain.id, 'issue', { key: 'kernel:attest', mode: 'sign' }) as number;
    const user = rt.spawn(chain.id, User, { caps: [chain.cnode[att]] });
    const run = { slot: rt.slotOf(chain, user.id), method: 'attest', args: { key: 'hw', blob: 'b' } };
    expect(rt.invoke(chain.id, 'run', run)).toEqual({ status: 'attested', key: 'hw' });
    expect(rt.routes.at(-1)).toMatchObject({ key: 'kernel:attest', caughtBy: 'kernel' });
  });

  it('a CALL reserves the caller’s slot until it returns', () => {
    const rt = new YieldRuntime();
    const reentrant = image({
      name: 'Re',
      description: 'calls itself through slot 0',
      yieldReceiverSlot: null,
      methods: { a: (ctx) => ctx.call(0, 'b'), b: () => 'inner' },
    });
    const x = rt.spawn(0, reentrant);
    rt.genesis.place(x, 0, rt.genesis.instance(x.id));
    const caller = image({
      name: 'C',
      description: 'calls x, then touches the lent slot from a nested call',
      yieldReceiverSlot: null,
      methods: { go: (ctx) => ctx.call(0, 'a') },
    });
    const c = rt.spawn(0, caller, { caps: [rt.genesis.instance(x.id)] });
    expect(rt.invoke(c.id, 'go')).toBe('inner');
    const dropper = image({
      name: 'D',
      description: 'drops the slot it is calling through',
      yieldReceiverSlot: null,
      methods: { go: (ctx) => ctx.call(0, 'x'), x: () => null },
    });
    const d = rt.spawn(0, dropper);
    rt.genesis.place(d, 0, rt.genesis.instance(d.id));
    (dropper.methods as Record<string, unknown>).x = (ctx: { put(s: number, v: null): void }) => ctx.put(0, null);
    expect(() => rt.invoke(d.id, 'go')).toThrow('slot 0 is lent to a CALL in flight');
  });

  it('running out of gas is a kernel:oog yield and faults the call', () => {
    const rt = new YieldRuntime();
    const burner = image({
      name: 'S',
      description: 'burns gas in a loop',
      yieldReceiverSlot: null,
      methods: {
        go: (ctx) => {
          for (let i = 0; i < 1000; i++) ctx.put(1, null);
          return 'never';
        },
      },
    });
    const s = rt.spawn(0, burner);
    expect(() => rt.invoke(s.id, 'go', null, 35)).toThrow('kernel:oog: out of gas');
    expect(rt.routes.some((r) => r.key === 'kernel:oog')).toBe(true);
    expect(rt.depth).toBe(0); // every frame unwound
  });
});

describe('the authority pattern', () => {
  it('a user invokes its EndpointRefCap; the chain catches invoke_key, calls B and resumes it', () => {
    const rt = new YieldRuntime();
    const { chain, userSlot } = bootChain(rt);
    expect(rt.invoke(chain.id, 'run', { slot: userSlot, args: { to: 'dex', op: 'swap' } })).toEqual({
      status: 'ok',
      result: { by: 'B', processed: { to: 'dex', op: 'swap' } },
    });
    expect(rt.routes.at(-1)).toMatchObject({ key: 'invoke_key', caughtBy: chain.id });
  });

  it('an AuthorityCap’s cnode is opaque: the holder can invoke it, not take its sender', () => {
    const rt = new YieldRuntime();
    const { chain, userSlot } = bootChain(rt);
    expect(() => rt.invoke(chain.id, 'run', { slot: userSlot, method: 'steal' })).toThrow("EndpointRefCap's cnode is opaque");
  });

  it('MintRefCap: mint(content) reaches the chain, which has its MintInstance mint it', () => {
    const rt = new YieldRuntime();
    const { chain } = bootChain(rt);
    const slot = rt.invoke(chain.id, 'issue', { key: 'mint_key', domain: 'art' }) as number;
    const user = rt.spawn(chain.id, User, { caps: [chain.cnode[slot]] });
    const run = { slot: rt.slotOf(chain, user.id), method: 'mint', args: { content: 'sunrise' } };
    expect(rt.invoke(chain.id, 'run', run)).toEqual({ status: 'minted', domain: 'art', count: 1 });
  });

  it('forgery: with interposition the chain refuses the reserved key; without it the forger gets authority', () => {
    for (const interpose of [true, false]) {
      const rt = new YieldRuntime();
      const { chain, b } = bootChain(rt, interpose);
      const forger = rt.spawn(chain.id, Forger);
      const run = () => rt.invoke(chain.id, 'run', { slot: rt.slotOf(chain, forger.id), args: { target: b.id } });
      if (interpose) expect(run).toThrow('the chain refuses to mint the reserved key invoke_key');
      else expect(run()).toEqual({ status: 'ok', result: { by: 'B', drained: true } }); // forged authority
    }
  });

  it('rotation revokes: new calls fault; a call already in flight finishes under its old snapshot', () => {
    const rt = new YieldRuntime();
    const { chain, userSlot } = bootChain(rt);
    // A contract that has the chain rotate the key mid-call, then invokes the old cap: its frame's snapshot still has the key.
    const sneaky = image({
      name: 'Sneaky',
      description: 'asks the chain to rotate, then invokes the old cap',
      yieldReceiverSlot: null,
      methods: {
        main: (ctx) => {
          rt.invoke(chain.id, 'rotate', { key: 'invoke_key', next: 'invoke_key_2' }); // meanwhile, the chain rotates
          return ctx.call(0, 'invoke', { late: true });
        },
      },
    });
    const s = rt.spawn(chain.id, sneaky, { caps: [chain.cnode[rt.invoke(chain.id, 'issue', { key: 'invoke_key' }) as number]] });
    expect(rt.invoke(chain.id, 'run', { slot: rt.slotOf(chain, s.id) })).toEqual({
      status: 'ok',
      result: { by: 'B', processed: { late: true } },
    }); // the snapshot caveat
    expect(() => rt.invoke(chain.id, 'run', { slot: userSlot })).toThrow('unhandled yield_key invoke_key'); // a new call: revoked
    const fresh = rt.invoke(chain.id, 'issue', { key: 'invoke_key_2' }) as number; // re-minted under the new key
    const u2 = rt.spawn(chain.id, User, { caps: [chain.cnode[fresh]] });
    expect(rt.invoke(chain.id, 'run', { slot: rt.slotOf(chain, u2.id) })).toMatchObject({ status: 'ok' });
    expect(() => rt.invoke(chain.id, 'issue', { key: 'invoke_key' })).toThrow('the chain issues no authority under invoke_key');
  });

  it('image_hash is not authority: a derived look-alike fools the buggy check, not the correct one', () => {
    const rt = new YieldRuntime();
    const { chain } = bootChain(rt);
    const real = rt.invoke(chain.id, 'issue', { key: 'mint_key', domain: 'vault' }) as number;
    const vault = rt.spawn(chain.id, Vault, { state: { trusted: (chain.cnode[real] as { id: number }).id } });
    const a = rt.spawn(chain.id, Attacker, { caps: [chain.cnode[rt.slotOf(chain, vault.id)]] });
    const run = (checkHash: boolean) => rt.invoke(chain.id, 'run', { slot: rt.slotOf(chain, a.id), args: { checkHash } });
    expect(run(true)).toEqual({ paid: true }); // buggy: same image_hash, accepted
    expect(() => run(false)).toThrow('image_hash is not authority');
    expect(MintRefCap.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(EndpointRefCap.hash).not.toBe(MintRefCap.hash);
  });
});

describe('property: a yield is caught by exactly the nearest snapshot holding its key, or faults', () => {
  it('over random chains of registrations', () => {
    fc.assert(
      fc.property(
        fc.array(fc.subarray(['a', 'b', 'c']), { minLength: 1, maxLength: 8 }),
        fc.constantFrom('a', 'b', 'c', 'kernel:attest'),
        (layers, key) => {
          const rt = new YieldRuntime();
          const ids = chainOf(
            rt,
            layers.map((keys) => ({ keys })),
            key,
          );
          // expected: walking from the emitter's owner outward (excluding the emitter, the last layer)
          let expected: number | 'kernel' | null = null;
          for (let i = layers.length - 2; i >= 0; i--) {
            if (layers[i].includes(key)) {
              expected = ids[i];
              break;
            }
          }
          if (expected === null && key.startsWith('kernel:')) expected = 'kernel';
          let caught: unknown;
          try {
            caught = rt.invoke(ids[0], 'down');
          } catch (e) {
            if (!(e instanceof YieldFault)) throw e;
            caught = null;
          }
          const route = rt.routes.at(-1);
          expect(route?.caughtBy ?? null).toBe(expected);
          if (typeof expected === 'number') expect(caught).toEqual({ caughtBy: expected, key });
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('property: no instance without a sender for a key ever reaches its handler', () => {
  it('over random chains where the emitter may or may not hold a sender, and may hold one for another key', () => {
    fc.assert(
      fc.property(
        fc.array(fc.subarray(['a', 'b']), { minLength: 2, maxLength: 6 }),
        fc.constantFrom('a', 'b'),
        fc.constantFrom<'none' | 'same' | 'other'>('none', 'same', 'other'),
        (layers, key, held) => {
          const rt = new YieldRuntime();
          const other = key === 'a' ? 'b' : 'a';
          const ids = chainOf(
            rt,
            layers.map((keys) => ({ keys })),
            key,
            (r) => (held === 'none' ? null : r.genesis.sender(held === 'same' ? key : other)),
          );
          let handled: unknown = null;
          try {
            handled = rt.invoke(ids[0], 'down');
          } catch (e) {
            if (!(e instanceof YieldFault)) throw e;
          }
          const reached = (handled as { key?: string } | null)?.key ?? null;
          if (held === 'none') expect(reached).toBeNull(); // no sender: no handler ran
          if (reached !== null) expect(reached).toBe(held === 'same' ? key : other); // only the key it holds a sender for
        },
      ),
      { numRuns: 300 },
    );
  });
});
