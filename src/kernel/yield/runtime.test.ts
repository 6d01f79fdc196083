import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Value } from '../services/service';
import { AttestationAuthority, bootChain, Chain, EndpointRefCap, Forger, MintRefCap, User, Vault } from './examples';
import { image, YieldFault, YieldRuntime, type Image } from './runtime';

/** A relay: holds a receiver in slot 0 (keys from its state) and calls on down slot 1, or yields with slot 2. */
const relay = (name: string, keys: string[]): Image =>
  image({
    name,
    description: `relay catching ${keys.join(',')}`,
    yieldReceiverSlot: 0,
    methods: {
      down: (ctx, args) => ctx.call(1, 'down', args),
      emit: (ctx, args) => ctx.yield(2, args),
    },
    catches: { '*': (ctx, key) => ({ caughtBy: ctx.self, key }) },
  });

function chainOf(rt: YieldRuntime, layers: { keys: string[] }[], emitKey: string) {
  // layers[0] is outermost; the last one emits with a sender for emitKey
  const ids: number[] = [];
  let below: number | null = null;
  for (let i = layers.length - 1; i >= 0; i--) {
    const inst = rt.spawn(0, relay(`L${i}`, layers[i].keys), {
      caps: [
        { kind: 'receiver', keys: new Set(layers[i].keys) },
        below === null ? null : { kind: 'instance', id: below },
        { kind: 'sender', key: emitKey },
      ],
    });
    ids.unshift(inst.id);
    below = inst.id;
  }
  // the innermost relay's "down" should emit instead of calling further
  const innermost = rt.instances.get(ids[ids.length - 1])!;
  (innermost.image.methods as Record<string, unknown>).down = (
    innermost.image.methods as Record<string, (c: never, a: Value) => Value>
  ).emit;
  return ids;
}

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
    const ids = chainOf(rt, [{ keys: ['k'] }, { keys: [] }], 'k');
    rt.instances.get(ids[1])!.cnode[2] = null;
    expect(() => rt.invoke(ids[0], 'down')).toThrow('holds no YieldSender');
    expect(rt.routes).toHaveLength(0);
  });

  it('the kernel is the implicit root for kernel:* keys: attestation returns only a status', () => {
    const rt = new YieldRuntime();
    const chain = rt.spawn(0, Chain);
    rt.invoke(chain.id, 'setup', { interpose: true });
    const att = rt.spawn(0, AttestationAuthority, { caps: [{ kind: 'sender', key: 'kernel:attest' }] });
    const user = rt.spawn(0, User, { caps: [{ kind: 'instance', id: att.id }] });
    chain.cnode[9] = { kind: 'instance', id: user.id };
    expect(rt.invoke(chain.id, 'run', { slot: 9 })).toEqual({ status: 'attested', image: 'AttestationAuthority' });
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
    const caller = image({
      name: 'C',
      description: 'calls x, then touches the lent slot from a nested call',
      yieldReceiverSlot: null,
      methods: { go: (ctx) => ctx.call(0, 'a') },
    });
    x.cnode[0] = { kind: 'instance', id: x.id };
    const c = rt.spawn(0, caller, { caps: [{ kind: 'instance', id: x.id }] });
    expect(rt.invoke(c.id, 'go')).toBe('inner');
    const dropper = image({
      name: 'D',
      description: 'drops the slot it is calling through',
      yieldReceiverSlot: null,
      methods: { go: (ctx) => ctx.call(0, 'x'), x: () => null },
    });
    const d = rt.spawn(0, dropper);
    d.cnode[0] = { kind: 'instance', id: d.id };
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
  it('a user invokes its EndpointRefCap; the chain catches invoke_key and resumes it', () => {
    const rt = new YieldRuntime();
    const { chain, userSlot } = bootChain(rt);
    expect(rt.invoke(chain.id, 'run', { slot: userSlot, args: { to: 'dex', op: 'swap' } })).toEqual({
      status: 'ok',
      routed: { cap: 'EndpointRefCap', args: { to: 'dex', op: 'swap' } },
    });
    expect(rt.routes.at(-1)).toMatchObject({ key: 'invoke_key', caughtBy: chain.id });
  });

  it('an AuthorityCap’s cnode is opaque: the holder can invoke it, not take its sender', () => {
    const rt = new YieldRuntime();
    const { chain, userSlot } = bootChain(rt);
    expect(() => rt.invoke(chain.id, 'run', { slot: userSlot, method: 'steal' })).toThrow("EndpointRefCap's cnode is opaque");
  });

  it('MintRefCap: mint(domain, content) reaches the chain', () => {
    const rt = new YieldRuntime();
    const { chain } = bootChain(rt);
    const slot = rt.invoke(chain.id, 'issue', { key: 'mint_key' }) as number;
    const user = rt.spawn(chain.id, User, { caps: [chain.cnode[slot]] });
    chain.cnode[20] = { kind: 'instance', id: user.id };
    expect(rt.invoke(chain.id, 'run', { slot: 20, args: { domain: 'art', content: 'sunrise' } })).toEqual({ status: 'minted', count: 1 });
    expect(chain.state.minted).toEqual([{ domain: 'art', content: 'sunrise' }]);
  });

  it('forgery: with interposition the chain refuses the reserved key; without it the forger gets authority', () => {
    for (const interpose of [true, false]) {
      const rt = new YieldRuntime();
      const { chain } = bootChain(rt, interpose);
      const forger = rt.spawn(chain.id, Forger);
      chain.cnode[30] = { kind: 'instance', id: forger.id };
      if (interpose)
        expect(() => rt.invoke(chain.id, 'run', { slot: 30 })).toThrow('the chain refuses to mint the reserved key invoke_key');
      else expect(rt.invoke(chain.id, 'run', { slot: 30 })).toEqual({ status: 'ok', routed: { forged: true } }); // forged authority
    }
  });

  it('rotation revokes: new calls fault; a call already in flight finishes under its old snapshot', () => {
    const rt = new YieldRuntime();
    const { chain, userSlot } = bootChain(rt);
    // A contract that rotates the key mid-call, then invokes the old cap: its frame's snapshot still has the key.
    const sneaky = image({
      name: 'Sneaky',
      description: 'asks the chain to rotate, then invokes the old cap',
      yieldReceiverSlot: null,
      methods: {
        main: (ctx) => {
          ctx.call(1, 'rotate', { key: 'invoke_key', next: 'invoke_key_2' });
          return ctx.call(0, 'invoke', { late: true });
        },
      },
    });
    const s = rt.spawn(chain.id, sneaky, {
      caps: [
        rt.instances.get(chain.cnode[userSlot]!.kind === 'instance' ? (chain.cnode[userSlot] as { id: number }).id : 0)!.cnode[0],
        { kind: 'instance', id: chain.id },
      ],
    });
    chain.cnode[40] = { kind: 'instance', id: s.id };
    expect(rt.invoke(chain.id, 'run', { slot: 40 })).toEqual({ status: 'ok', routed: { cap: 'EndpointRefCap', args: { late: true } } }); // the snapshot caveat
    expect(() => rt.invoke(chain.id, 'run', { slot: userSlot })).toThrow('unhandled yield_key invoke_key'); // a new call: revoked
    const fresh = rt.invoke(chain.id, 'issue', { key: 'invoke_key_2' }) as number; // re-minted under the new key
    const u2 = rt.spawn(chain.id, User, { caps: [chain.cnode[fresh]] });
    chain.cnode[41] = { kind: 'instance', id: u2.id };
    expect(rt.invoke(chain.id, 'run', { slot: 41 })).toMatchObject({ status: 'ok' });
  });

  it('image_hash is not authority: a derived look-alike fools the buggy check, not the correct one', () => {
    const rt = new YieldRuntime();
    const { chain } = bootChain(rt);
    const real = rt.invoke(chain.id, 'issue', { key: 'mint_key' }) as number;
    const vault = rt.spawn(0, Vault, { state: { trusted: (chain.cnode[real] as { id: number }).id } });
    const attacker = image({
      name: 'Attacker',
      description: 'derives its own MintRefCap-typed instance and presents it',
      yieldReceiverSlot: null,
      methods: {
        main: (ctx, args) => {
          const fake = ctx.deriveSpawn(MintRefCap, { state: { label: 'fake' } });
          ctx.copyTo(fake, 0, 5); // hand the vault the look-alike in its slot 5
          return ctx.call(0, 'withdraw', { slot: 5, checkHash: args });
        },
      },
    });
    const a = rt.spawn(0, attacker, { caps: [{ kind: 'instance', id: vault.id }] });
    expect(rt.invoke(a.id, 'main', true)).toEqual({ paid: true }); // buggy: same image_hash, accepted
    expect(() => rt.invoke(a.id, 'main', false)).toThrow('image_hash is not authority');
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
          const ids = chainOf(
            rt,
            layers.map((keys) => ({ keys })),
            key,
          );
          const emitter = rt.instances.get(ids[ids.length - 1])!;
          const other = key === 'a' ? 'b' : 'a';
          emitter.cnode[2] = held === 'none' ? null : { kind: 'sender', key: held === 'same' ? key : other };
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
