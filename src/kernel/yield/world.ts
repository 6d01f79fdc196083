import type { Value } from '../services/service';
import { AttestationAuthority, bootChain, Forger, MintRefCap, User, Vault } from './examples';
import { image, YieldFault, YieldRuntime, type Image, type Instance, type Route } from './runtime';

export type Outcome = { ok: true; value: Value; route: Route | null } | { ok: false; fault: string; route: Route | null };

/**
 * The chain world the shell's yield commands act on: a chain orchestrator, a user contract holding an
 * EndpointRefCap, and the worked examples and attacks of seed 004, run as transactions the chain dispatches.
 */
export class ChainWorld {
  readonly rt = new YieldRuntime();
  readonly chain: Instance;
  private readonly userSlot: number;
  private nextSlot = 100;

  /** What the running scenario has shown so far, for the V1–V9 table. */
  readonly shown = {
    forgeBlocked: false,
    forgeSucceeded: false,
    rotated: false,
    staleFaulted: false,
    lookalikeRefused: false,
    lookalikePaid: false,
    opaque: false,
  };

  constructor(interpose: boolean) {
    this.rt.captureStacks = true;
    const { chain, userSlot } = bootChain(this.rt, interpose);
    this.chain = chain;
    this.userSlot = userSlot;
    this.bootRoutes = this.rt.routesLogged;
  }

  /** Routes the chain's own setup made (its kernel:mint_yield calls): not the session's. */
  readonly bootRoutes: number;

  name(id: number | 'kernel' | null): string {
    if (id === 'kernel') return 'kernel';
    if (id === null) return 'nobody';
    const i = this.rt.instances.get(id);
    return i ? `${i.image.name}#${id}` : `#${id}`;
  }

  /** "EndpointRefCap#3 → User#4 → Chain#1 (caught)" */
  describe(route: Route | null): string {
    if (!route) return 'no yield';
    // The catcher is the last owner walked: name it once, as the catcher.
    const walked = typeof route.caughtBy === 'number' ? route.walked.slice(0, -1) : route.walked;
    const path = [route.emitter, ...walked].map((id) => this.name(id)).join(' → ');
    return route.caughtBy === null
      ? `${route.key}: ${path} → fault (${route.fault})`
      : `${route.key}: ${path} → caught by ${this.name(route.caughtBy)}`;
  }

  /** Run one transaction: the chain CALLs a contract placed in one of its slots. */
  private transact(contract: Instance, method = 'main', args: Value = null): Outcome {
    const slot = this.nextSlot++;
    this.chain.cnode[slot] = { kind: 'instance', id: contract.id };
    const before = this.rt.routes.length;
    try {
      const value = this.rt.invoke(this.chain.id, 'run', { slot, method, args });
      return { ok: true, value, route: this.rt.routes.length > before ? this.rt.routes[this.rt.routes.length - 1] : null };
    } catch (e) {
      if (!(e instanceof YieldFault)) throw e;
      return { ok: false, fault: e.fault, route: this.rt.routes.length > before ? this.rt.routes[this.rt.routes.length - 1] : null };
    } finally {
      this.chain.cnode[slot] = null;
    }
  }

  private get user(): Instance {
    const u = this.chain.cnode[this.userSlot];
    return this.rt.instances.get(u?.kind === 'instance' ? u.id : 0)!;
  }

  /** The user invokes its EndpointRefCap (or, with `old`, the one it held before the last rotation). */
  invoke(args: Value, old = false): Outcome {
    const o = this.transact(this.user, old ? 'old' : 'main', args);
    if (old && !o.ok) this.shown.staleFaulted = true;
    return o;
  }

  attest(): Outcome {
    const att = this.rt.spawn(this.chain.id, AttestationAuthority, { caps: [{ kind: 'sender', key: 'kernel:attest' }] });
    return this.transact(this.rt.spawn(this.chain.id, User, { caps: [{ kind: 'instance', id: att.id }] }));
  }

  /** The chain issues an AuthorityCap for `key` and spawns a contract of `img` holding it in slot 0. */
  private spawnHolding(key: string, img: Image): Instance {
    const slot = this.rt.invoke(this.chain.id, 'issue', { key }) as number;
    return this.rt.spawn(this.chain.id, img, { caps: [this.chain.cnode[slot]] });
  }

  mint(domain: string, content: string): Outcome {
    return this.transact(this.spawnHolding('mint_key', User), 'main', { domain, content });
  }

  /**
   * Revoke by key rotation: the chain drops `key`, mints under `next` and redistributes a new EndpointRefCap to
   * the user; the user keeps its old cap in slot 1, which now faults.
   */
  rotate(key: string, next: string): Outcome {
    try {
      this.rt.invoke(this.chain.id, 'rotate', { key, next });
      const slot = this.rt.invoke(this.chain.id, 'issue', { key: next }) as number;
      this.user.cnode[1] = this.user.cnode[0];
      this.user.cnode[0] = this.chain.cnode[slot];
      this.shown.rotated = true;
      return { ok: true, value: next, route: null };
    } catch (e) {
      if (!(e instanceof YieldFault)) throw e;
      return { ok: false, fault: e.fault, route: null };
    }
  }

  /**
   * The snapshot caveat of revocation by key rotation (seed 004): a contract holding an EndpointRefCap under `key`
   * is called; while that CALL is in flight the chain rotates `key` (and redistributes, as `rotate` does); then the
   * contract invokes its old cap. Its yield is caught under the snapshot its CALL took before the rotation.
   */
  rotateInFlight(key: string, next: string): Outcome {
    let contract: Instance;
    try {
      contract = this.spawnHolding(
        key,
        image({
          name: 'InFlight',
          description: 'a contract whose call is in flight when its key is rotated; it invokes its EndpointRefCap afterwards',
          yieldReceiverSlot: null,
          methods: {
            main: (c, a) => {
              this.rotate(key, next); // meanwhile, the chain rotates the key
              return c.call(0, 'invoke', a);
            },
          },
        }),
      );
    } catch (e) {
      // No key to issue under (`issue` yields nothing, so there is no route).
      if (!(e instanceof YieldFault)) throw e;
      return { ok: false, fault: e.fault, route: null };
    }
    return this.transact(contract, 'main', { inflight: true });
  }

  /** Turn the chain's interposition over kernel:mint_yield on or off (register or drop the key). */
  setInterposition(on: boolean): void {
    const r = this.chain.cnode[0];
    const keys = new Set(r?.kind === 'receiver' ? r.keys : []);
    if (on) keys.add('kernel:mint_yield');
    else keys.delete('kernel:mint_yield');
    this.chain.cnode[0] = { kind: 'receiver', keys };
  }

  /** Attack: a descendant mints the reserved invoke_key itself and yields with it. */
  forge(): Outcome {
    const o = this.transact(this.rt.spawn(this.chain.id, Forger));
    if (o.ok) this.shown.forgeSucceeded = true;
    else this.shown.forgeBlocked = true;
    return o;
  }

  /** Attack: derive an instance of the MintRefCap type and present it to a vault that trusts a real one. */
  lookalike(checkHash: boolean): Outcome {
    const real = this.rt.invoke(this.chain.id, 'issue', { key: 'mint_key' }) as number;
    const realCap = this.chain.cnode[real];
    const vault = this.rt.spawn(0, Vault, { state: { trusted: realCap?.kind === 'instance' ? realCap.id : 0 } });
    const attacker = this.rt.spawn(
      this.chain.id,
      image({
        name: 'Attacker',
        description: 'derives its own MintRefCap-typed instance and presents it to the vault',
        yieldReceiverSlot: null,
        methods: {
          main: (ctx) => {
            const fake = ctx.deriveSpawn(MintRefCap, { state: { label: 'look-alike' } });
            ctx.copyTo(fake, 0, 5);
            return ctx.call(0, 'withdraw', { slot: 5, checkHash });
          },
        },
      }),
      { caps: [{ kind: 'instance', id: vault.id }] },
    );
    const o = this.transact(attacker);
    if (o.ok) this.shown.lookalikePaid = true;
    else this.shown.lookalikeRefused = true;
    return o;
  }

  /** The seed's V1–V9 properties with what this session has demonstrated (or broken, with a defense off). */
  properties(): { id: string; name: string; status: 'holds' | 'demonstrated' | 'violated' | 'lost'; note: string }[] {
    const s = this.shown;
    return [
      { id: 'V1', name: 'Authority confinement', status: 'holds', note: 'an AuthorityCap conveys one operation' },
      {
        id: 'V2',
        name: 'Authority unforgeability',
        status: s.forgeSucceeded ? 'violated' : s.forgeBlocked ? 'demonstrated' : 'holds',
        note: s.forgeSucceeded
          ? 'a descendant minted invoke_key with interposition off'
          : 'interposition over kernel:mint_yield (try forge)',
      },
      {
        id: 'V3',
        name: 'Revocation',
        status: s.rotated && s.staleFaulted ? 'demonstrated' : 'holds',
        note: s.rotated
          ? 'key rotated; old caps fault on new calls (snapshot caveat for calls in flight)'
          : 'rotate a key, then invoke old',
      },
      { id: 'V4', name: 'Endpoint mediation', status: 'holds', note: 'only AuthorityCap bytecode reaches its opaque sender' },
      { id: 'V5', name: 'Cap rights', status: 'holds', note: 'policy baked into each AuthorityCap’s state' },
      {
        id: 'V6',
        name: 'Integrity',
        status: s.lookalikePaid ? 'violated' : s.lookalikeRefused ? 'demonstrated' : 'holds',
        note: s.lookalikePaid ? 'a vault took image_hash as authority' : 'image_hash is identity, never authority (try lookalike)',
      },
      {
        id: 'V7',
        name: 'Confidentiality from intermediates',
        status: 'holds',
        note: 'single resumer: unregistered owners never see the payload',
      },
      { id: 'V8', name: 'Availability', status: 'lost', note: 'intermediates can stall (intrinsic to a layered system)' },
      { id: 'V9', name: 'Determinism', status: 'holds', note: 'every operation is deterministic' },
    ];
  }
}
