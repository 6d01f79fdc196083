import type { Value } from '../services/service';
import { admit, isRate, type PolicyState } from './policy';
import { FORWARD, GAS, image, YieldFault, type Ctx, type Image, type YCap, type YieldRuntime } from './runtime';

/**
 * The worked examples of seed 004: a chain orchestrator that registers authority keys and interposes over
 * kernel:mint_yield and kernel:merge_yield_receiver; AuthorityCaps whose opaque cnode holds the YieldSender and
 * whose state holds their policy (EndpointRefCap: target, endpoint, rate_limit and cap_id; MintRefCap: domain;
 * AttestationAuthority: mode); the contracts the chain routes to (B, MintInstance); user contracts; attackers; a vault.
 */

/** Keys no descendant may mint a sender for: the chain's authorities and the kernel's attestation. */
export const RESERVED_KEYS: readonly string[] = ['invoke_key', 'mint_key', 'kernel:attest'];
export const MINT = 'kernel:mint_yield';
export const MERGE = 'kernel:merge_yield_receiver';
const RECEIVER_SLOT = 0;
/** Gas the chain keeps back from a transaction, for the yields it catches meanwhile (its handlers run in its frame). */
const HANDLER_RESERVE = 200;

const arg = (args: Value, name: string): Value =>
  args && typeof args === 'object' && !Array.isArray(args) ? ((args as Record<string, Value>)[name] ?? null) : null;
const record = (ctx: Ctx, name: string) => ctx.state[name] as Record<string, Value>;
const list = (ctx: Ctx, name: string) => ctx.state[name] as string[];

/** AuthorityCaps: opaque, the sender in slot 0, the payload composed from their own state (the caller's args only fill in). */
export const EndpointRefCap: Image = image({
  name: 'EndpointRefCap',
  description: 'invoke(args) → the chain calls the target contract at the endpoint this cap holds',
  yieldReceiverSlot: null,
  opaque: true,
  methods: {
    invoke: (ctx, args) =>
      ctx.yield(0, {
        target: ctx.state.target,
        endpoint: ctx.state.endpoint,
        rate_limit: ctx.state.rate_limit ?? null,
        cap_id: ctx.state.cap_id ?? null,
        args,
      }),
  },
});

export const MintRefCap: Image = image({
  name: 'MintRefCap',
  description: 'mint(content) → status: the chain mints content in the domain this cap holds',
  yieldReceiverSlot: null,
  opaque: true,
  methods: { mint: (ctx, args) => ctx.yield(0, { domain: ctx.state.domain ?? null, content: arg(args, 'content') }) },
});

export const AttestationAuthority: Image = image({
  name: 'AttestationAuthority',
  description: 'attest(key, blob) → status: yields kernel:attest in the mode this cap holds; the caller sees only a status',
  yieldReceiverSlot: null,
  opaque: true,
  methods: { attest: (ctx, args) => ctx.yield(0, { mode: ctx.state.mode ?? null, key: arg(args, 'key'), blob: arg(args, 'blob') }) },
});

/** Contract B: the target of the EndpointRefCap the user holds. It remembers which endpoints ran. */
export const B: Image = image({
  name: 'B',
  description: 'a contract with endpoints process (the one the user is granted) and drain',
  yieldReceiverSlot: null,
  methods: {
    process: (ctx, args) => {
      list(ctx, 'ran').push('process');
      return { by: 'B', processed: args };
    },
    drain: (ctx) => {
      list(ctx, 'ran').push('drain');
      return { by: 'B', drained: true };
    },
  },
});

/** The chain's MintInstance: where mint yields end up. */
export const MintInstance: Image = image({
  name: 'MintInstance',
  description: 'mints content into a domain, for the chain',
  yieldReceiverSlot: null,
  methods: {
    mint: (ctx, args) => {
      const minted = ctx.state.minted as Value[];
      minted.push({ domain: arg(args, 'domain'), content: arg(args, 'content') });
      return { status: 'minted', domain: arg(args, 'domain'), count: minted.length };
    },
  },
});

/** Put the union of the chain's per-key receivers for `keys` in its yield_receiver_slot (merges only: no literal). */
function rebuild(ctx: Ctx): void {
  ctx.put(RECEIVER_SLOT, null);
  const receivers = record(ctx, 'receivers');
  for (const key of list(ctx, 'caught')) ctx.mergeReceiver(RECEIVER_SLOT, receivers[key] as number);
}

/** Mint a (sender, receiver) pair under `key` and keep both slots. */
function mintPair(ctx: Ctx, key: string): void {
  const { sender, receiver } = ctx.mintYield(key);
  record(ctx, 'senders')[key] = sender;
  record(ctx, 'receivers')[key] = receiver;
}

/** The chain orchestrator: the top of the call hierarchy and the handler for its authority keys. */
export const Chain: Image = image({
  name: 'Chain',
  description: 'chain orchestrator: registers invoke_key and mint_key, interposes over kernel:mint_yield and merge_yield_receiver',
  yieldReceiverSlot: RECEIVER_SLOT,
  methods: {
    /** Mint the pairs, register the keys (`interpose` also catches the kernel's mint and merge), deploy B and MintInstance. */
    setup(ctx, args) {
      Object.assign(ctx.state, { senders: {}, receivers: {}, directory: {}, kinds: { invoke_key: 'endpoint', mint_key: 'mint' } });
      // Where policy attaches: the next cap_id to bake in, the sidecar (cap_id → calls/s), the calls each cap made.
      Object.assign(ctx.state, { nextCapId: 1, policies: {}, calls: {}, now: 0 });
      for (const key of ['invoke_key', 'mint_key', 'kernel:attest', MINT, MERGE]) mintPair(ctx, key);
      // kernel:attest is the kernel's to catch: the chain keeps only the sender, for the AttestationAuthorities it issues.
      ctx.put(record(ctx, 'receivers')['kernel:attest'] as number, null);
      ctx.state.caught = ['invoke_key', 'mint_key', ...(arg(args, 'interpose') === false ? [] : [MINT, MERGE])];
      ctx.state.reserved = [...RESERVED_KEYS];
      rebuild(ctx);
      const b = ctx.deriveSpawn(B, { state: { ran: [] } });
      const bId = (ctx.get(b) as { id: number }).id;
      record(ctx, 'directory')[bId] = b;
      ctx.state.b = bId;
      ctx.state.mintInstance = ctx.deriveSpawn(MintInstance, { state: { minted: [] } });
      return list(ctx, 'caught');
    },
    /**
     * Mint an AuthorityCap for `key`, its policy baked into its state; returns the slot holding it. An EndpointRefCap
     * gets the next cap_id (monotonic) and, with `rate_limit`, that many calls per second.
     */
    issue(ctx, args) {
      const key = String(arg(args, 'key') ?? 'invoke_key');
      const sender = record(ctx, 'senders')[key];
      const kind = key === 'kernel:attest' ? 'attest' : record(ctx, 'kinds')[key];
      if (typeof sender !== 'number' || !kind) throw new YieldFault(`the chain issues no authority under ${key}`);
      const caps = [ctx.get(sender)];
      if (kind === 'attest') {
        const mode = arg(args, 'mode') ?? 'sign';
        if (mode !== 'sign' && mode !== 'verify') throw new YieldFault('an AttestationAuthority is sign or verify');
        return ctx.deriveSpawn(AttestationAuthority, { state: { mode }, caps });
      }
      if (kind === 'mint') {
        const domain = arg(args, 'domain');
        if (typeof domain !== 'string' || !domain) throw new YieldFault('a MintRefCap needs a domain');
        return ctx.deriveSpawn(MintRefCap, { state: { domain }, caps });
      }
      const target = arg(args, 'target') ?? ctx.state.b;
      if (typeof record(ctx, 'directory')[String(target)] !== 'number') throw new YieldFault(`the chain has no contract ${String(target)}`);
      const rate = arg(args, 'rate_limit');
      if (rate !== null && !isRate(rate)) throw new YieldFault(`a rate_limit is 1 to 1000 calls/s, not ${JSON.stringify(rate)}`);
      const capId = ctx.state.nextCapId as number;
      ctx.state.nextCapId = capId + 1;
      const state = { target, endpoint: arg(args, 'endpoint') ?? 'process', cap_id: capId, ...(rate === null ? {} : { rate_limit: rate }) };
      return ctx.deriveSpawn(EndpointRefCap, { state, caps });
    },
    /** The sidecar: set (or with rate null, clear) the policy for a cap_id already minted. No re-mint, no re-grant. */
    policy(ctx, args) {
      const capId = arg(args, 'cap_id');
      const rate = arg(args, 'rate');
      if (typeof capId !== 'number' || !Number.isSafeInteger(capId) || capId < 1 || capId >= (ctx.state.nextCapId as number))
        throw new YieldFault(`the chain minted no cap #${String(capId)}`);
      if (rate !== null && !isRate(rate)) throw new YieldFault(`a policy is 1 to 1000 calls/s, not ${JSON.stringify(rate)}`);
      const policies = record(ctx, 'policies');
      if (rate === null) delete policies[capId];
      else policies[capId] = rate;
      return { cap_id: capId, sidecar: rate };
    },
    /** Cap flow: move the cap in `slot` into the cnode of the instance in slot `to`. */
    give(ctx, args) {
      const slot = Number(arg(args, 'slot'));
      ctx.copyTo(slot, Number(arg(args, 'to')));
      ctx.put(slot, null);
      return null;
    },
    /** Revocation by key rotation: drop `key` from the receiver, re-mint the authority under `next`. */
    rotate(ctx, args) {
      const key = String(arg(args, 'key'));
      const next = String(arg(args, 'next'));
      const kinds = record(ctx, 'kinds');
      const senders = record(ctx, 'senders');
      const receivers = record(ctx, 'receivers');
      if (!kinds[key] || typeof senders[key] !== 'number') throw new YieldFault(`the chain issues no authority under ${key}`);
      if (!next || next.startsWith('kernel:') || senders[next] !== undefined || list(ctx, 'reserved').includes(next))
        throw new YieldFault(`${next} cannot be the new key: it must be new and not a kernel:* key`);
      ctx.put(senders[key] as number, null);
      ctx.put(receivers[key] as number, null);
      delete senders[key];
      delete receivers[key];
      mintPair(ctx, next);
      // The old key keeps its kind: a call already in flight under its snapshot is still handled (the caveat).
      kinds[next] = kinds[key];
      ctx.state.caught = [...list(ctx, 'caught').filter((k) => k !== key), next];
      list(ctx, 'reserved').push(next);
      rebuild(ctx);
      return next;
    },
    /** Register (or drop) the chain's interposition over the kernel's mint and merge (`only` one of them). */
    interpose(ctx, args) {
      const only = arg(args, 'only');
      const which = only === MINT || only === MERGE ? [only] : [MINT, MERGE];
      const rest = list(ctx, 'caught').filter((k) => !which.includes(k));
      ctx.state.caught = arg(args, 'on') === true ? [...rest, ...which] : rest;
      rebuild(ctx);
      return list(ctx, 'caught');
    },
    /** A transaction: the chain CALLs a contract it holds (so it is on every owner path below). */
    run(ctx, args) {
      // The chain's clock is the block's time, set by whoever runs the transaction, never by a contract it calls.
      const now = arg(args, 'now');
      if (typeof now === 'number' && Number.isSafeInteger(now) && now >= 0) ctx.state.now = now;
      const reserve = Math.min(HANDLER_RESERVE, ctx.gas - GAS.call);
      return ctx.call(Number(arg(args, 'slot')), String(arg(args, 'method') ?? 'main'), arg(args, 'args'), ctx.gas - GAS.call - reserve);
    },
  },
  catches: {
    /** Interposition: descendants' mint requests reach the chain first; reserved keys are refused, others go on up. */
    [MINT]: (ctx, _key, payload) => {
      const key = String(arg(payload, 'key'));
      if (list(ctx, 'reserved').includes(key)) throw new YieldFault(`the chain refuses to mint the reserved key ${key}`);
      return FORWARD;
    },
    /**
     * A descendant may not register a key the chain catches, a reserved one or a kernel:* one: being nearer, it
     * would shadow the chain (or the kernel) for its subtree and see what was meant for them.
     */
    [MERGE]: (ctx, _key, payload) => {
      const keys = (arg(payload, 'keys') as string[] | null) ?? [];
      const bad = keys.find((k) => k.startsWith('kernel:') || list(ctx, 'caught').includes(k) || list(ctx, 'reserved').includes(k));
      if (bad !== undefined) throw new YieldFault(`the chain refuses to let a descendant register ${bad}`);
      return FORWARD;
    },
    /** The authority keys: route an endpoint call to its target, a mint to the MintInstance. */
    '*': (ctx, key, payload) => {
      const kind = record(ctx, 'kinds')[key];
      if (kind === 'mint')
        return ctx.call(ctx.state.mintInstance as number, 'mint', { domain: arg(payload, 'domain'), content: arg(payload, 'content') });
      if (kind !== 'endpoint') throw new YieldFault(`the chain has no handler for ${key}`);
      const target = arg(payload, 'target');
      const slot = record(ctx, 'directory')[String(target)];
      if (typeof slot !== 'number') throw new YieldFault(`the chain has no contract ${String(target)}`);
      // The rate limit, from the payload the cap composed (its baked rate_limit, its cap_id for the sidecar).
      const policy: PolicyState = {
        policies: record(ctx, 'policies') as PolicyState['policies'],
        calls: record(ctx, 'calls') as PolicyState['calls'],
      };
      admit(policy, payload, ctx.state.now as number);
      return { status: 'ok', result: ctx.call(slot, String(arg(payload, 'endpoint')), arg(payload, 'args')) };
    },
  },
});

/** The slot of the newest (back = 0) or an older instance cap this contract holds. */
function held(ctx: Ctx, back: number): number {
  const slots: number[] = [];
  for (let s = 0; s < ctx.size; s++) if (ctx.get(s)?.kind === 'instance') slots.push(s);
  const at = slots[slots.length - 1 - back];
  if (at === undefined) throw new YieldFault(back ? 'the user holds no older cap' : 'the user holds no cap');
  return at;
}

/** A user contract: invokes the authority caps it holds (the newest one, with `old` the one before it, or by slot). */
export const User: Image = image({
  name: 'User',
  description: 'a user contract that invokes the authorities it holds',
  yieldReceiverSlot: null,
  methods: {
    main: (ctx, args) => ctx.call(held(ctx, 0), 'invoke', args),
    old: (ctx, args) => ctx.call(held(ctx, 1), 'invoke', args),
    /** Invoke the EndpointRefCap in `slot` (a user holding several picks one) with `args`. */
    use: (ctx, args) => ctx.call(Number(arg(args, 'slot')), 'invoke', arg(args, 'args')),
    attest: (ctx, args) => ctx.call(held(ctx, 0), 'attest', args),
    mint: (ctx, args) => ctx.call(held(ctx, 0), 'mint', args),
    /** Try to take the sender out of the AuthorityCap it holds. */
    steal: (ctx) => ctx.peek(held(ctx, 0), 0)?.kind ?? null,
  },
});

/** An attacker: mints the chain's key itself and yields with it, to reach B's drain endpoint. */
export const Forger: Image = image({
  name: 'Forger',
  description: 'tries kernel:mint_yield for the chain endpoint key (invoke_key) to forge the chain authority',
  yieldReceiverSlot: null,
  methods: {
    main(ctx, args) {
      const { sender } = ctx.mintYield(String(arg(args, 'key') ?? 'invoke_key'));
      return ctx.yield(sender, { target: arg(args, 'target'), endpoint: 'drain', args: { forged: true } });
    },
  },
});

/** An attacker: writes a YieldSender for the chain's key into its own cnode as an object literal. */
export const LiteralForger: Image = image({
  name: 'LiteralForger',
  description: 'writes a made-up YieldSender{invoke_key} into its cnode and yields with it',
  yieldReceiverSlot: null,
  methods: {
    main(ctx, args) {
      ctx.put(0, { kind: 'sender', key: String(arg(args, 'key') ?? 'invoke_key') } as unknown as YCap);
      return ctx.yield(0, { target: arg(args, 'target'), endpoint: 'drain', args: { forged: true } });
    },
  },
});

/** An intermediate: spends the CALL's gas, then relays the user's call asking for far more than is left. */
export const Staller: Image = image({
  name: 'Staller',
  description: 'relays a call to the user contract in slot 0 after spending almost all its gas',
  yieldReceiverSlot: null,
  methods: {
    main(ctx, args) {
      while (ctx.gas > GAS.call + 2) ctx.put(1, null);
      ctx.state.gave = ctx.gas - GAS.call;
      return ctx.call(0, 'main', args, 1_000_000);
    },
  },
});

/** Derives its own instance of the MintRefCap image and presents it to the vault it holds in slot 0. */
export const Attacker: Image = image({
  name: 'Attacker',
  description: 'derives its own MintRefCap-typed instance and presents it to the vault',
  yieldReceiverSlot: null,
  methods: {
    main: (ctx, args) => {
      const fake = ctx.deriveSpawn(MintRefCap, { state: { domain: 'look-alike' } });
      ctx.copyTo(fake, 0, 5);
      return ctx.call(0, 'withdraw', { slot: 5, checkHash: arg(args, 'checkHash') });
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
        ctx.state.paidTo = presented.id; // the vault's own payout log: to whom it paid
        return { paid: true };
      }
      if (presented.id !== ctx.state.trusted)
        throw new YieldFault('image_hash is not authority: this is not the instance the vault trusts');
      ctx.state.paidTo = presented.id;
      return { paid: true };
    },
  },
});

/** A chain ready to go: set up, with a user holding an EndpointRefCap(B, "process"), for demos and tests. */
export function bootChain(rt: YieldRuntime, interpose = true) {
  const chain = rt.spawn(0, Chain);
  rt.invoke(chain.id, 'setup', { interpose });
  const capSlot = rt.invoke(chain.id, 'issue', { key: 'invoke_key' }) as number;
  const user = rt.spawn(chain.id, User, { caps: [chain.cnode[capSlot]] });
  rt.release(chain, capSlot);
  const b = rt.instances.get(chain.state.b as number)!;
  return { chain, user, userSlot: rt.slotOf(chain, user.id), b };
}
