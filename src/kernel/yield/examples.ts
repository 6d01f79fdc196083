import type { Value } from '../services/service';
import { image, YieldFault, type Ctx, type Image, type YieldRuntime } from './runtime';

/**
 * The worked examples of seed 004: a chain orchestrator that registers authority keys and interposes over
 * kernel:mint_yield; AuthorityCaps whose opaque cnode holds the YieldSender (EndpointRefCap, MintRefCap,
 * AttestationAuthority); user contracts that invoke them; an attacker; and a vault for the image_hash lesson.
 */

/** Keys the chain keeps to itself: no descendant may mint a sender for them. */
export const RESERVED_KEYS: readonly string[] = ['invoke_key', 'mint_key'];
const RECEIVER_SLOT = 0;

const arg = (args: Value, name: string): Value =>
  args && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, Value>)[name] : null;

/** An AuthorityCap's bytecode: compose the payload from its state and the args, yield with the embedded sender. */
function authority(name: string, description: string): Image {
  return image({
    name,
    description,
    yieldReceiverSlot: null,
    opaque: true,
    methods: {
      invoke: (ctx: Ctx, args: Value) => ctx.yield(0, { cap: ctx.state.label ?? name, args }),
    },
  });
}

export const EndpointRefCap = authority('EndpointRefCap', 'routes invoke(args) to a target contract endpoint through the chain');
export const MintRefCap = authority('MintRefCap', 'asks the chain to mint(domain, content)');
export const AttestationAuthority = authority('AttestationAuthority', 'yields kernel:attest; the caller sees only a status');

/** The chain orchestrator: the top of the call hierarchy and the handler for its authority keys. */
export const Chain: Image = image({
  name: 'Chain',
  description: 'chain orchestrator: registers invoke_key and mint_key, interposes over kernel:mint_yield',
  yieldReceiverSlot: RECEIVER_SLOT,
  methods: {
    /** Mint the (sender, receiver) pairs and register the keys; `interpose` also catches kernel:mint_yield. */
    setup(ctx, args) {
      ctx.put(RECEIVER_SLOT, { kind: 'receiver', keys: new Set() });
      const keys = [...RESERVED_KEYS, ...(arg(args, 'interpose') === false ? [] : ['kernel:mint_yield'])];
      for (const key of keys) {
        const { sender, receiver } = ctx.mintYield(key);
        ctx.mergeReceiver(RECEIVER_SLOT, receiver);
        ctx.put(receiver, null);
        ctx.state[`sender:${key}`] = sender;
      }
      ctx.state.minted = [];
      ctx.state.reserved = [...RESERVED_KEYS];
      return keys;
    },
    /** Mint an AuthorityCap embedding the sender for `key`; returns the slot holding it. */
    issue(ctx, args) {
      const key = String(arg(args, 'key') ?? 'invoke_key');
      const img = key.startsWith('mint_key') ? MintRefCap : EndpointRefCap;
      const sender = ctx.state[`sender:${key}`];
      if (typeof sender !== 'number') throw new YieldFault(`the chain holds no sender for ${key}`);
      return ctx.deriveSpawn(img, { state: { label: img.name }, caps: [ctx.get(sender)] });
    },
    /** Drop a key from the receiver (revocation by key rotation) and re-mint under a new one. */
    rotate(ctx, args) {
      const key = String(arg(args, 'key'));
      const next = String(arg(args, 'next'));
      const r = ctx.get(RECEIVER_SLOT);
      if (r?.kind !== 'receiver') throw new YieldFault('no receiver');
      ctx.put(RECEIVER_SLOT, { kind: 'receiver', keys: new Set([...r.keys].filter((k) => k !== key)) });
      const { sender, receiver } = ctx.mintYield(next);
      ctx.mergeReceiver(RECEIVER_SLOT, receiver);
      ctx.put(receiver, null);
      ctx.state[`sender:${next}`] = sender;
      (ctx.state.reserved as Value[]).push(next);
      return next;
    },
    /** A transaction: the chain CALLs a contract it holds (so it is on every owner path below). */
    run(ctx, args) {
      return ctx.call(Number(arg(args, 'slot')), String(arg(args, 'method') ?? 'main'), arg(args, 'args') ?? null);
    },
  },
  catches: {
    invoke_key: (_ctx, _key, payload) => ({ status: 'ok', routed: payload }),
    mint_key: (ctx, _key, payload) => {
      const args = arg(payload, 'args');
      const minted = ctx.state.minted as Value[];
      minted.push({ domain: arg(args, 'domain'), content: arg(args, 'content') });
      return { status: 'minted', count: minted.length };
    },
    /** Interposition: descendants' mint requests reach the chain first; reserved keys are refused. */
    'kernel:mint_yield': (ctx, _key, payload) => {
      const key = String(arg(payload, 'key'));
      if ((ctx.state.reserved as Value[] | undefined)?.includes(key))
        throw new YieldFault(`the chain refuses to mint the reserved key ${key}`);
      return { minted: key };
    },
    '*': (_ctx, key, payload) => ({ status: 'ok', key, routed: payload }),
  },
});

/** A user contract: holds an authority cap in slot 0 and invokes it. */
export const User: Image = image({
  name: 'User',
  description: 'a user contract that invokes the authority it holds in slot 0',
  yieldReceiverSlot: null,
  methods: {
    main: (ctx, args) => ctx.call(0, 'invoke', args),
    /** Invoke the cap it held before a rotation (kept in slot 1). */
    old: (ctx, args) => ctx.call(1, 'invoke', args),
    /** Try to take the sender out of the AuthorityCap it holds. */
    steal: (ctx) => {
      const taken = ctx.peek(0, 0);
      return taken ? taken.kind : null;
    },
  },
});

/** An attacker: tries to mint the chain's key itself and yield with it. */
export const Forger: Image = image({
  name: 'Forger',
  description: 'tries kernel:mint_yield(invoke_key) to forge the chain authority',
  yieldReceiverSlot: null,
  methods: {
    main(ctx) {
      const { sender } = ctx.mintYield('invoke_key');
      return ctx.yield(sender, { forged: true });
    },
  },
});

/**
 * A vault that pays out to whoever presents a "MintRefCap". The buggy check compares image hashes (a type, not
 * authority); the correct one requires the very Instance the vault was given.
 */
export const Vault: Image = image({
  name: 'Vault',
  description: 'pays out to the holder of its MintRefCap',
  yieldReceiverSlot: null,
  methods: {
    withdraw(ctx, args) {
      const slot = Number(arg(args, 'slot'));
      const presented = ctx.get(slot);
      if (presented?.kind !== 'instance') throw new YieldFault('present an instance');
      if (arg(args, 'checkHash') === true) {
        if (ctx.imageHash(slot) !== MintRefCap.hash) throw new YieldFault('not a MintRefCap');
        return { paid: true };
      }
      if (presented.id !== ctx.state.trusted)
        throw new YieldFault('image_hash is not authority: this is not the instance the vault trusts');
      return { paid: true };
    },
  },
});

/** A chain ready to go: set up, with a user holding an EndpointRefCap, for demos and tests. */
export function bootChain(rt: YieldRuntime, interpose = true) {
  const chain = rt.spawn(0, Chain);
  rt.invoke(chain.id, 'setup', { interpose });
  const capSlot = rt.invoke(chain.id, 'issue', { key: 'invoke_key' }) as number;
  const user = rt.spawn(chain.id, User, { caps: [chain.cnode[capSlot]] });
  const userSlot = chain.cnode.length;
  chain.cnode[userSlot] = { kind: 'instance', id: user.id };
  return { chain, user, userSlot };
}
