import type { Value } from '../services/service';
import { VERDICT, routeText, verdict, type ChainVerdict } from './evidence';
import { Attacker, bootChain, EndpointRefCap, Forger, LiteralForger, Staller, User, Vault } from './examples';
import { admittedIn, WINDOW_MS, type PolicyState } from './policy';
import { image, YieldFault, YieldRuntime, type Image, type Instance, type Route } from './runtime';

/** What a chain-world operation did: its result or fault, its newest route, and for a demonstration the verdict. */
export type Called = { ok: true; value: Value } | { ok: false; fault: string };
export type Outcome = Called & {
  route: Route | null;
  /** A burst of calls (ratelimit invoke): each call's result and every route, oldest first; the last is the outcome. */
  calls?: Called[];
  routes?: Route[];
  verdict?: ChainVerdict;
  /** A replay check: not itself replayed. */
  replay?: true;
  /** A sidecar set or cleared (ratelimit policy): the trace the kernel ledgers for it (a grant record, of policy). */
  policy?: { detail: string; facts: Record<string, string | number> };
};

type Op = { run: (w: ChainWorld) => Outcome; now: number; summary: string };
type Claim = { rate: number; capId?: number };

/** The stricter of two rates (null: none), worked out here apart from the chain's own check. */
const stricter = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));
/** How many of `n` calls at one instant a rate admits when `before` went through in its window (null: no limit). */
const admits = (rate: number | null, before: number, n: number): number => (rate === null ? n : Math.max(0, Math.min(n, rate - before)));

/** One of the rate user's caps, as the experimenter sees it (ratelimit with no verb). */
export interface RateCap {
  capId: number;
  cap: string;
  holder: string;
  baked: number | null;
  sidecar: number | null;
  inForce: number | null;
  /** The calls through it the chain admitted in the last second (its own count, the one it enforces). */
  recent: number;
  /** Its YieldSender's key was rotated away: the chain no longer catches its yields, whatever its policy says. */
  revoked?: string;
  /** A cap the chain re-minted at this rate (ratelimit reissue): what it meant this cap's holder to have. */
  meant?: number;
}

/**
 * The chain world the shell's yield commands act on: a chain orchestrator, contract B, a user contract holding an
 * EndpointRefCap(B, "process"), and the worked examples and attacks of seed 004, run as transactions the chain
 * dispatches. Each demonstration says what it showed as a verdict (evidence.ts reads the ledgered verdicts back).
 */
export class ChainWorld {
  readonly rt = new YieldRuntime();
  readonly chain: Instance;
  readonly b: Instance;
  private readonly userSlot: number;
  /** Rotations of the endpoint authority (invoke_key): what can revoke the user's EndpointRefCap. */
  private endpointRotations = 0;
  /** The kernel's virtual time (ms) the current operation runs at: the chain's clock for its transactions. */
  private now = 0;
  /** Where policy attaches: the user holding the rate-limited caps, when calls through each cap_id reached B (B's log). */
  private rateUser: Instance | null = null;
  private readonly reached = new Map<number, number[]>();
  private readonly meant = new Map<number, { rate: number; by: number }>();
  /** Every operation applied so far, with what it gave, for `yields replay`. */
  private readonly ops: Op[] = [];
  /** Routes the chain's own setup made (its kernel:mint_yield and merge calls): not the session's. */
  readonly bootRoutes: number;

  constructor(private readonly interposeAtBoot: boolean) {
    this.rt.captureStacks = true;
    const { chain, userSlot, b } = bootChain(this.rt, interposeAtBoot);
    this.chain = chain;
    this.b = b;
    this.userSlot = userSlot;
    this.bootRoutes = this.rt.routesLogged;
  }

  name(id: number | 'kernel' | null): string {
    if (id === 'kernel') return 'kernel';
    if (id === null) return 'nobody';
    const i = this.rt.instances.get(id);
    return i ? `${i.image.name}#${id}` : `#${id}`;
  }

  /** "EndpointRefCap#3 → User#4 → caught by Chain#1" */
  describe(route: Route | null): string {
    return routeText(route, (id) => this.name(id));
  }

  /** Run one operation at virtual time `now` and remember it (when, and what it gave) for the replay check. */
  apply(run: (w: ChainWorld) => Outcome, now = this.now): Outcome {
    this.now = now;
    const o = run(this);
    if (!o.replay) this.ops.push({ run, now, summary: this.summary(o) });
    return o;
  }

  private summary(o: Outcome): string {
    const calls = o.calls?.map((c) => (c.ok ? c.value : c.fault)) ?? null;
    return JSON.stringify([o.ok ? o.value : o.fault, calls, this.describe(o.route), o.verdict?.text ?? null, this.rt.routesLogged]);
  }

  /** Kernel operations outside any transaction (the chain's own setup steps): a fault is an outcome, not a throw. */
  private guard(f: () => Value): Outcome {
    try {
      return { ok: true, value: f(), route: null };
    } catch (e) {
      if (!(e instanceof YieldFault)) throw e;
      return { ok: false, fault: e.fault, route: null };
    }
  }

  private newest(before: number): Route | null {
    return this.rt.routesLogged > before ? this.rt.routes[this.rt.routes.length - 1] : null;
  }

  /** One transaction: the chain CALLs a contract it holds; what the chain held only for it is dropped after. */
  private transact(contract: Instance, method = 'main', args: Value = null, keep = false): Outcome {
    const slot = this.rt.slotOf(this.chain, contract.id);
    const before = this.rt.routesLogged;
    const ran = (this.b.state.ran as string[]).length;
    try {
      const value = this.rt.invoke(this.chain.id, 'run', { slot, method, args, now: this.now });
      return { ok: true, value, route: this.newest(before) };
    } catch (e) {
      if (!(e instanceof YieldFault)) throw e;
      return { ok: false, fault: e.fault, route: this.newest(before) };
    } finally {
      if (!keep) this.rt.release(this.chain, slot);
      this.noteReached(this.newest(before), (this.b.state.ran as string[]).length - ran);
    }
  }

  /** B ran `count` calls in this transaction: note them under the cap_id of the chain-minted cap that yielded, if any. */
  private noteReached(route: Route | null, count: number): void {
    const emitter = typeof route?.emitter === 'number' ? this.rt.instances.get(route.emitter) : undefined;
    const capId = emitter?.image === EndpointRefCap && emitter.parent === this.chain.id ? emitter.state.cap_id : undefined;
    if (typeof capId !== 'number' || count <= 0) return;
    const times = (this.reached.get(capId) ?? []).filter((t) => t > this.now - WINDOW_MS); // only the window is read
    this.reached.set(capId, times);
    for (let i = 0; i < count; i++) times.push(this.now);
  }

  /** Calls through cap_id that reached B in the second before now (B's log, not the chain's count). */
  private reachedRecently(capId: number): number {
    return (this.reached.get(capId) ?? []).filter((t) => t > this.now - WINDOW_MS).length;
  }

  private get user(): Instance {
    const u = this.chain.cnode[this.userSlot];
    return this.rt.instances.get(u?.kind === 'instance' ? u.id : 0)!;
  }

  /** The chain issues an AuthorityCap (`issue` args) and deploys a contract of `img` holding it in slot 0. */
  private deployHolding(issue: Record<string, Value>, img: Image): Instance {
    const slot = this.rt.invoke(this.chain.id, 'issue', issue) as number;
    const contract = this.rt.spawn(this.chain.id, img, { caps: [this.chain.cnode[slot]] });
    this.rt.release(this.chain, slot);
    return contract;
  }

  /** The chain's current key for an authority kind (rotation renames it). */
  private keyOf(kind: 'endpoint' | 'mint'): string {
    const kinds = this.chain.state.kinds as Record<string, Value>;
    const senders = this.chain.state.senders as Record<string, Value>;
    return Object.keys(kinds).find((k) => kinds[k] === kind && typeof senders[k] === 'number') ?? `${kind} (revoked)`;
  }

  /**
   * The user invokes its EndpointRefCap (with `old`, the one it held before the last rotation). With `endpoint`
   * its args ask for another endpoint of B: the cap calls the endpoint in its own state whatever the args say.
   */
  invoke(payload: Value, old = false, endpoint?: string): Outcome {
    const ran = (this.b.state.ran as string[]).length;
    const o = this.transact(
      this.user,
      old ? 'old' : 'main',
      endpoint ? { payload, endpoint } : payload === null ? null : { payload },
      true,
    );
    // Revoked only if the old cap's own yield went uncaught after an endpoint rotation (not: no older cap, a mint rotation).
    if (old && this.endpointRotations) {
      if (o.ok) o.verdict = verdict(VERDICT.notRevoked, this.describe(o.route));
      else if (o.route?.caughtBy === null)
        o.verdict = verdict(
          VERDICT.revoked,
          `the user's old EndpointRefCap faults (${o.fault}); the chain redistributed one under the new key`,
        );
    } else if (endpoint && o.ok) {
      const endpoints = (this.b.state.ran as string[]).slice(ran);
      // What B ran decides it: the endpoint the args named, or only the one in the cap's state (else: no evidence).
      if (endpoint !== 'process' && endpoints.includes(endpoint))
        o.verdict = verdict(VERDICT.escaped, `the user's args chose B.${endpoint}, and it ran`);
      else if (endpoints.join() === 'process')
        o.verdict = verdict(
          VERDICT.confined,
          `the user's args asked for B.${endpoint}; its EndpointRefCap called B.process, the endpoint in its state`,
        );
    }
    return o;
  }

  /** The AttestationAuthority example: attest(key, blob) in `mode`, caught by the kernel; the caller sees a status. */
  attest(mode = 'sign', key = 'hw', blob = 'hello'): Outcome {
    const issued = this.guard(() => this.deployHolding({ key: 'kernel:attest', mode }, User).id);
    if (!issued.ok) return issued;
    return this.transact(this.rt.instances.get(issued.value as number)!, 'attest', { key, blob });
  }

  /**
   * The MintRefCap example: the chain issues a MintRefCap for `domain`; the user mints `content` through it. With
   * `claimed`, the user's args name another domain: the cap mints in the domain of its own state (V5).
   */
  mint(domain: string, content: string, claimed?: string): Outcome {
    const issued = this.guard(() => this.deployHolding({ key: this.keyOf('mint'), domain }, User).id);
    if (!issued.ok) return issued;
    const user = this.rt.instances.get(issued.value as number)!;
    const o = this.transact(user, 'mint', claimed ? { content, domain: claimed } : { content });
    if (claimed && claimed !== domain && o.ok) {
      const got = (o.value as { domain?: Value }).domain;
      o.verdict =
        got === claimed
          ? verdict(VERDICT.rightsBroken, `the caller picked the domain ${claimed}`)
          : verdict(
              VERDICT.rights,
              `the caller asked for domain ${claimed}; the MintRefCap minted in ${String(got)}, the domain in its state`,
            );
    }
    return o;
  }

  /**
   * Revoke by key rotation: the chain drops `key` and re-mints under `next`. For the endpoint authority it moves a
   * new EndpointRefCap to the user, who keeps its old one (`invoke old`), which now faults.
   */
  rotate(key: string, next: string): Outcome {
    return this.guard(() => {
      this.rt.invoke(this.chain.id, 'rotate', { key, next });
      if ((this.chain.state.kinds as Record<string, Value>)[next] === 'endpoint') {
        const slot = this.rt.invoke(this.chain.id, 'issue', { key: next }) as number;
        this.rt.invoke(this.chain.id, 'give', { slot, to: this.userSlot });
        this.endpointRotations++;
      }
      return next;
    });
  }

  /**
   * The snapshot caveat of revocation by key rotation (seed 004): a contract holding an EndpointRefCap under `key`
   * is called; while that CALL is in flight the chain rotates `key` (and redistributes, as `rotate` does); then the
   * contract invokes its old cap. Its yield is caught under the snapshot its CALL took before the rotation.
   */
  rotateInFlight(key: string, next: string): Outcome {
    const inflight = image({
      name: 'InFlight',
      description: 'a contract whose call is in flight when its key is rotated; it invokes its EndpointRefCap afterwards',
      yieldReceiverSlot: null,
      methods: {
        main: (c, a) => {
          this.rotate(key, next); // meanwhile, the chain rotates the key
          return c.call(0, 'invoke', a);
        },
      },
    });
    const deployed = this.guard(() => this.deployHolding({ key }, inflight).id);
    if (!deployed.ok) return deployed;
    const o = this.transact(this.rt.instances.get(deployed.value as number)!, 'main', { inflight: true });
    o.verdict = o.ok
      ? verdict(
          VERDICT.caveat,
          `a call already in flight when ${key} was rotated still got through (${this.describe(o.route)}): its CALL snapshotted the chain's receiver before the rotation, so rotation revokes new calls only`,
        )
      : verdict(VERDICT.inflightRevoked, o.fault);
    return o;
  }

  /** Turn the chain's interposition over kernel:mint_yield and merge_yield_receiver on or off. */
  setInterposition(on: boolean): void {
    this.apply((w) => w.guard(() => w.rt.invoke(w.chain.id, 'interpose', { on })));
  }

  /**
   * Attack on V2. "mint": a descendant asks kernel:mint_yield for the chain's endpoint key (invoke_key, or what it
   * was rotated to) and yields with it to reach B.drain. "literal": it writes a YieldSender object literal into its cnode.
   */
  forge(how: 'mint' | 'literal' = 'mint'): Outcome {
    const key = this.keyOf('endpoint');
    const o = this.transact(this.rt.spawn(this.chain.id, how === 'mint' ? Forger : LiteralForger), 'main', { target: this.b.id, key });
    o.verdict =
      how === 'mint'
        ? o.ok
          ? verdict(VERDICT.forgeSucceeded, `the descendant minted ${key} and the chain accepted its yield as authority: B.drain ran`)
          : verdict(VERDICT.forgeBlocked, o.fault)
        : o.ok
          ? verdict(VERDICT.literalAccepted, 'a cnode took a made-up YieldSender and the chain accepted its yield')
          : verdict(VERDICT.literalRefused, o.fault);
    return o;
  }

  /** Attack on V4: the user tries to take the YieldSender out of its EndpointRefCap. */
  steal(): Outcome {
    const o = this.transact(this.user, 'steal', null, true);
    o.verdict =
      o.ok && o.value !== null
        ? verdict(VERDICT.stolen, `the user read a ${String(o.value)} out of its EndpointRefCap`)
        : verdict(VERDICT.theftRefused, o.ok ? 'the cap held nothing to take' : o.fault);
    return o;
  }

  /**
   * V8, which the seed admits is lost: an intermediate spends the transaction's gas, then relays the user's call
   * asking for a million gas. A nested CALL gets at most what its caller has left, so the user's call starves.
   */
  stall(): Outcome {
    const staller = this.rt.spawn(this.chain.id, Staller, { caps: [this.chain.cnode[this.userSlot]] });
    const o = this.transact(staller, 'main', { payload: 'stalled' });
    const gave = String(staller.state.gave);
    o.verdict =
      !o.ok && o.fault.startsWith('kernel:oog')
        ? verdict(
            VERDICT.stalled,
            `${this.name(staller.id)} spent the call's gas before relaying it; the user's call asked for 1000000 gas, got ${gave}, and ran out (an intermediate can starve what it relays)`,
          )
        : verdict(VERDICT.unbounded, o.ok ? `the relayed call asked for 1000000 gas and finished on ${gave} left` : o.fault);
    return o;
  }

  /** Attack on V6: derive an instance of the MintRefCap type and present it to a vault that trusts a real one. */
  lookalike(checkHash: boolean): Outcome {
    const real = this.rt.invoke(this.chain.id, 'issue', { key: this.keyOf('mint'), domain: 'vault' }) as number;
    const realCap = this.chain.cnode[real];
    const vault = this.rt.spawn(this.chain.id, Vault, { state: { trusted: realCap?.kind === 'instance' ? realCap.id : 0 } });
    this.rt.release(this.chain, real);
    const attacker = this.rt.spawn(this.chain.id, Attacker, { caps: [this.chain.cnode[this.rt.slotOf(this.chain, vault.id)]] });
    this.rt.release(this.chain, this.rt.slotOf(this.chain, vault.id));
    const o = this.transact(attacker, 'main', { checkHash });
    o.verdict = o.ok ? verdict(VERDICT.lookalikePaid, 'the vault paid a look-alike instance') : verdict(VERDICT.lookalikeRefused, o.fault);
    return o;
  }

  // ── Where policy attaches (seed 004): a rate limit baked into the cap, and the chain's sidecar by cap_id ──────

  /** The EndpointRefCap the chain minted with this cap_id (one another contract derived would not count). */
  private capById(capId: number): Instance | undefined {
    for (const i of this.rt.instances.values())
      if (i.image === EndpointRefCap && i.parent === this.chain.id && i.state.cap_id === capId) return i;
    return undefined;
  }

  /** The slot of the rate user's cnode holding cap #capId, or why there is none. */
  private rateSlot(capId: number): number | string {
    const cap = this.capById(capId);
    const slot = cap && this.rateUser ? this.rt.slotOf(this.rateUser, cap.id) : -1;
    return slot >= 0 ? slot : `the rate user holds no cap #${capId} (ratelimit issue <rate> gives it one)`;
  }

  private policyOf(capId: number): { baked: number | null; sidecar: number | null } {
    const baked = this.capById(capId)?.state.rate_limit;
    return { baked: typeof baked === 'number' ? baked : null, sidecar: this.sidecarOf(capId) };
  }

  private sidecarOf(capId: number): number | null {
    const sidecar = (this.chain.state.policies as Record<string, Value>)[capId];
    return typeof sidecar === 'number' ? sidecar : null;
  }

  /** The chain mints an EndpointRefCap(B, process) with `rate` calls/s and the next cap_id baked in, for the rate user. */
  private mintRateCap(rate: number): Record<string, Value> {
    const user = (this.rateUser ??= this.rt.spawn(this.chain.id, User));
    const slot = this.rt.invoke(this.chain.id, 'issue', { key: this.keyOf('endpoint'), rate_limit: rate }) as number;
    const c = this.chain.cnode[slot];
    const cap = this.rt.instances.get(c?.kind === 'instance' ? c.id : 0)!;
    this.rt.invoke(this.chain.id, 'give', { slot, to: this.rt.slotOf(this.chain, user.id) });
    return { cap_id: cap.state.cap_id, rate_limit: rate, cap: this.name(cap.id), holder: this.name(user.id) };
  }

  /** `ratelimit issue`: one user contract comes to hold several caps, each with its own baked rate. */
  rateIssue(rate: number): Outcome {
    return this.guard(() => this.mintRateCap(rate));
  }

  /**
   * `ratelimit reissue`: tightening the baked way. The chain mints a new cap at `rate` for the holder of cap #capId,
   * which keeps that cap: short of revoking it (a key rotation), nothing at the chain changes the state baked into it.
   */
  rateReissue(capId: number, rate: number): Outcome {
    const slot = this.rateSlot(capId);
    if (typeof slot === 'string') return { ok: false, fault: slot, route: null };
    return this.guard(() => {
      const minted = this.mintRateCap(rate);
      this.meant.set(capId, { rate, by: minted.cap_id as number });
      return { ...minted, instead_of: capId };
    });
  }

  /** `ratelimit policy`: the chain sets (rate null: clears) its sidecar policy for a cap_id. The cap is not touched. */
  ratePolicy(capId: number, rate: number | null): Outcome {
    const o = this.guard(() => {
      this.rt.invoke(this.chain.id, 'policy', { cap_id: capId, rate });
      const { baked, sidecar } = this.policyOf(capId);
      return { cap_id: capId, baked, sidecar, in_force: stricter(baked, sidecar) };
    });
    if (!o.ok) return o;
    const { baked } = this.policyOf(capId);
    const inForce = stricter(baked, rate);
    const perS = (r: number) => `${r} call${r === 1 ? '' : 's'}/s`;
    const rest = `${baked === null ? 'nothing baked in' : `baked in: ${perS(baked)}`}; in force: ${inForce === null ? 'no limit' : perS(inForce)}`;
    o.policy = {
      detail: `the chain ${rate === null ? `cleared cap #${capId}'s sidecar policy` : `set cap #${capId}'s sidecar policy to ${perS(rate)}`} (${rest}), with no re-mint or re-grant`,
      facts: { cap_id: capId, sidecar: rate ?? 'none', baked: baked ?? 'none', in_force: inForce ?? 'none' },
    };
    return o;
  }

  /**
   * `ratelimit invoke`: the rate user invokes cap #capId `n` times at this instant, one transaction each; with
   * `claim`, its args say a rate_limit (and a cap_id) of its choosing. The verdict compares what reached B (B's own
   * log) within the last second with the policy in force (baked ∧ sidecar), or with what a re-mint meant.
   */
  rateInvoke(capId: number, n: number, claim?: Claim): Outcome {
    const slot = this.rateSlot(capId);
    // No such cap: no transaction is made (and none is paid for).
    if (typeof slot === 'string') return { ok: false, fault: slot, route: null, calls: [] };
    const args = claim ? { rate_limit: claim.rate, ...(claim.capId === undefined ? {} : { cap_id: claim.capId }) } : null;
    const ran = this.b.state.ran as string[];
    const before = new Map([capId, claim?.capId ?? capId].map((id) => [id, this.reachedRecently(id)]));
    const calls: Called[] = [];
    const routes: Route[] = [];
    let got = 0;
    let refused = 0;
    let o: Outcome = { ok: false, fault: 'no call', route: null };
    for (let i = 0; i < n; i++) {
      const ranBefore = ran.length;
      o = this.transact(this.rateUser!, 'use', { slot, args }, true);
      if (o.route) routes.push(o.route);
      calls.push(o.ok ? { ok: true, value: o.value } : { ok: false, fault: o.fault });
      if (ran.length > ranBefore) got++;
      else if (!o.ok && o.fault.startsWith('rate limit:')) refused++;
    }
    const v = this.rateVerdict({ capId, n, got, refused, before, claim });
    return { ...o, calls, routes, ...(v ? { verdict: v } : {}) };
  }

  /**
   * What a burst showed, from B's log against what the policy should admit, worked out here (the stricter of baked
   * and sidecar, counted from B's log), not by the chain's own check. A claim in the args is named only when taking
   * it would have changed how many calls got through; a breach names the caller only when what got through is what
   * the claim would admit.
   */
  private rateVerdict(b: { capId: number; n: number; got: number; refused: number; before: Map<number, number>; claim?: Claim }) {
    const { capId, n, got, refused, claim } = b;
    const { baked, sidecar } = this.policyOf(capId);
    const limit = stricter(baked, sidecar);
    const expected = admits(limit, b.before.get(capId)!, n);
    const recent = this.reachedRecently(capId);
    const cap = `cap #${capId}`;
    const perS = (r: number) => `${r}/s`;
    const within = `${recent} call${recent === 1 ? '' : 's'} through it reached B within 1 s${got < recent ? ` (${got} of them in this burst)` : ''}`;
    const burst = `${got} of ${n} call${n === 1 ? '' : 's'} reached B${refused ? `, ${refused} faulted on the rate limit (B never ran them)` : ''}`;
    const bakedIn = baked === null ? 'nothing baked in' : `baked in: ${perS(baked)}`;
    const bySidecar = sidecar !== null && (baked === null || sidecar < baked);
    const other = sidecar === null ? '' : `; its sidecar's ${perS(sidecar)} is ${sidecar === baked ? 'no stricter' : 'looser'}`;
    const source = bySidecar ? `the chain's sidecar policy; ${bakedIn}` : `baked in${other}`;
    const meant = this.meant.get(capId);
    if (claim) {
      const said = `the args claimed rate_limit ${claim.rate}${claim.capId === undefined ? '' : ` and cap_id ${claim.capId}`}`;
      const hyps = this.claimReadings(capId, baked, n, b.before, claim);
      const taken = got !== expected ? hyps.find((h) => h.admits === got) : undefined;
      if (taken)
        return verdict(
          VERDICT.claimTaken,
          `${said}, and ${got} of ${n} calls through ${cap}, which allows ${limit === null ? 'any number' : perS(limit)}, reached B: what a chain ${taken.reading} admits (its own policy admits ${expected})`,
        );
      const mattered = hyps.filter((h) => h.admits !== expected);
      if (got === expected && mattered.length)
        return verdict(
          VERDICT.claimIgnored,
          `${said}; the chain enforced ${cap}'s own ${limit === null ? 'absence of a limit' : `${perS(limit)} (${source})`}: ${burst}; a chain ${mattered.map((h) => `${h.reading} would have admitted ${h.admits}`).join(', one ')}`,
        );
      // Otherwise the claim could not have changed what got through: the burst says what it says without it.
    }
    if (limit !== null && got > expected) return verdict(VERDICT.rateBroken, `${cap} allows ${perS(limit)} (${source}), yet ${within}`);
    if (meant && got > admits(meant.rate, b.before.get(capId)!, n))
      return verdict(
        VERDICT.notTightened,
        `the chain re-minted ${cap}'s authority at ${perS(meant.rate)} as cap #${meant.by}, but the user still holds ${cap} (${bakedIn}) and ${within}: a baked policy is fixed at mint`,
      );
    if (limit === null || !refused) return undefined;
    if (bySidecar)
      return verdict(
        VERDICT.tightened,
        `${cap} (${this.name(this.capById(capId)!.id)}: the same instance, not re-minted or re-granted) is held to ${perS(limit)} by the chain's sidecar policy (${bakedIn}): ${burst}`,
      );
    return verdict(VERDICT.rateHeld, `${cap} allows ${perS(limit)} (${source}): ${burst}`);
  }

  /** How many calls of the burst a chain would have admitted had it read the claim's rate_limit, cap_id, or both. */
  private claimReadings(capId: number, baked: number | null, n: number, before: Map<number, number>, claim: Claim) {
    const readings = [
      { reading: 'taking rate_limit from the args', admits: admits(stricter(claim.rate, this.sidecarOf(capId)), before.get(capId)!, n) },
    ];
    const other = claim.capId;
    if (other !== undefined && other !== capId)
      readings.push(
        { reading: 'taking cap_id from the args', admits: admits(stricter(baked, this.sidecarOf(other)), before.get(other)!, n) },
        { reading: 'taking both from the args', admits: admits(stricter(claim.rate, this.sidecarOf(other)), before.get(other)!, n) },
      );
    return readings;
  }

  private holderOf(id: number): string {
    const holders = [...this.rt.instances.values()].filter((h) => this.rt.slotOf(h, id) >= 0).map((h) => this.name(h.id));
    return holders.join(', ') || 'nobody';
  }

  /** The caps the chain minted with a cap_id, their policy and the calls the chain admitted in the second before `now`. */
  rateCaps(now: number): RateCap[] {
    const rows: RateCap[] = [];
    const calls = this.chain.state.calls as PolicyState['calls'];
    const senders = this.chain.state.senders as Record<string, Value>;
    for (const i of this.rt.instances.values()) {
      const capId = i.state.cap_id;
      if (i.image !== EndpointRefCap || i.parent !== this.chain.id || typeof capId !== 'number') continue;
      const { baked, sidecar } = this.policyOf(capId);
      const meant = this.meant.get(capId);
      const sender = i.cnode[0];
      const key = sender?.kind === 'sender' ? sender.key : null;
      rows.push({
        capId,
        cap: this.name(i.id),
        holder: this.holderOf(i.id),
        baked,
        sidecar,
        inForce: stricter(baked, sidecar),
        recent: admittedIn(calls[capId], now),
        ...(meant ? { meant: meant.rate } : {}),
        ...(key !== null && typeof senders[key] !== 'number' ? { revoked: key } : {}),
      });
    }
    return rows.sort((a, b) => a.capId - b.capId);
  }

  /** V9: replay every operation so far in a fresh chain world and compare what each one gave. */
  replay(): Outcome {
    const fresh = new ChainWorld(this.interposeAtBoot);
    const at = this.ops.findIndex((op) => fresh.summary(fresh.apply(op.run, op.now)) !== op.summary);
    const n = this.ops.length;
    const o: Outcome = { ok: true, value: n, route: null, replay: true };
    o.verdict =
      at < 0
        ? verdict(
            VERDICT.deterministic,
            `replayed ${n} operation${n === 1 ? '' : 's'} in a fresh chain world: the same results, routes and verdicts`,
          )
        : verdict(VERDICT.nondeterministic, `operation ${at + 1} of ${n} gave something else in a fresh chain world`);
    return o;
  }
}
