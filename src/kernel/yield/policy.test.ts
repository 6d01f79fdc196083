import { describe, expect, it } from 'vitest';
import { Chain, EndpointRefCap } from './examples';
import { image, YieldRuntime, type CatchFn } from './runtime';
import { ChainWorld, type Outcome } from './world';

/** Seed 004, "Where policy attaches": policy baked into the AuthorityCap at mint, and a cap_id sidecar at the Chain. */

const world = () => new ChainWorld(true);
/** One chain-world operation at virtual time `now` (ms), as the shell runs them. */
const at = (w: ChainWorld, now: number, run: (w: ChainWorld) => Outcome) => w.apply(run, now);
const oks = (o: Outcome) => o.calls?.map((c) => c.ok);
const faults = (o: Outcome) => o.calls?.flatMap((c) => (c.ok ? [] : [c.fault]));
const ran = (w: ChainWorld) => (w.b.state.ran as string[]).length;
const endpointCaps = (w: ChainWorld) => [...w.rt.instances.values()].filter((i) => i.image === EndpointRefCap);
const capInstance = (w: ChainWorld, capId: number) => endpointCaps(w).find((i) => i.state.cap_id === capId)!;
/** Two caps for one user contract: cap #2 at 2/s, cap #3 at 5/s (cap #1 is the boot user's). */
function twoCaps() {
  const w = world();
  expect(at(w, 0, (x) => x.rateIssue(2))).toMatchObject({ ok: true, value: { cap_id: 2, rate_limit: 2 } });
  expect(at(w, 0, (x) => x.rateIssue(5))).toMatchObject({ ok: true, value: { cap_id: 3, rate_limit: 5 } });
  return w;
}

describe('seed 004 "Where policy attaches": policy attached to authority caps', () => {
  it('the cap composes its payload from its own state (target, endpoint, rate_limit, cap_id); the caller only fills in args', () => {
    const rt = new YieldRuntime();
    const cap = rt.spawn(0, EndpointRefCap, {
      state: { target: 7, endpoint: 'process', rate_limit: 2, cap_id: 4 },
      caps: [rt.genesis.sender('invoke_key')],
    });
    const catcher = image({
      name: 'Catcher',
      description: 'returns the payload it catches',
      yieldReceiverSlot: 0,
      methods: { main: (ctx, args) => ctx.call(1, 'invoke', args) },
      catches: { '*': (_ctx, _key, payload) => payload },
    });
    const c = rt.spawn(0, catcher, { caps: [rt.genesis.receiver(['invoke_key']), rt.genesis.instance(cap.id)] });
    expect(rt.invoke(c.id, 'main', { rate_limit: 1000, cap_id: 1, endpoint: 'drain' })).toEqual({
      target: 7,
      endpoint: 'process',
      rate_limit: 2,
      cap_id: 4,
      args: { rate_limit: 1000, cap_id: 1, endpoint: 'drain' },
    });
  });

  it('a rate limit baked in at mint is enforced by the chain from the payload: the 3rd call in 1 s faults and B never runs it; after the window it works', () => {
    const w = world();
    at(w, 0, (x) => x.rateIssue(2));
    expect(capInstance(w, 2).state).toMatchObject({ rate_limit: 2, cap_id: 2 });
    const before = ran(w);
    const o = at(w, 100, (x) => x.rateInvoke(2, 3));
    expect(oks(o)).toEqual([true, true, false]);
    expect(faults(o)).toEqual(['rate limit: cap #2 allows 2 calls/s (baked in), and 2 went through in the last 1 s']);
    expect(ran(w) - before).toBe(2); // B ran two, not the third
    // The fault is the chain's: it caught the yield, read the payload and refused to call B.
    expect(o.routes).toHaveLength(3);
    expect(o.routes!.every((r) => r.caughtBy === w.chain.id)).toBe(true);
    expect(o.verdict).toEqual({
      text: 'rate limit held: cap #2 allows 2/s (baked in): 2 of 3 calls reached B, 1 faulted on the rate limit (B never ran them)',
      outcome: 'held',
    });
    expect(oks(at(w, 1099, (x) => x.rateInvoke(2, 1)))).toEqual([false]); // still within the second
    expect(oks(at(w, 1100, (x) => x.rateInvoke(2, 3)))).toEqual([true, true, false]); // a second later: the window is empty
    expect(ran(w) - before).toBe(4);
  });

  it('the args cannot raise it: a claimed rate_limit and cap_id reach B as plain data; the chain reads the cap’s own', () => {
    const w = twoCaps();
    const o = at(w, 0, (x) => x.rateInvoke(2, 3, { rate: 1000, capId: 3 }));
    expect(oks(o)).toEqual([true, true, false]);
    expect(o.calls![0]).toEqual({ ok: true, value: { status: 'ok', result: { by: 'B', processed: { rate_limit: 1000, cap_id: 3 } } } });
    // Only the readings that would have changed the outcome are named: cap #3 (5/s, empty window) would admit 2 too.
    expect(o.verdict?.text).toBe(
      "policy claim ignored: the args claimed rate_limit 1000 and cap_id 3; the chain enforced cap #2's own 2/s (baked in): 2 of 3 calls reached B, 1 faulted on the rate limit (B never ran them); a chain taking rate_limit from the args would have admitted 3, one taking both from the args would have admitted 3",
    );
    expect(o.verdict?.outcome).toBe('held');
    // A claimed cap_id does not escape a sidecar either: cap #2 tightened to 1/s, its args name cap #3 (no sidecar).
    at(w, 2000, (x) => x.ratePolicy(2, 1));
    expect(oks(at(w, 2000, (x) => x.rateInvoke(2, 3, { rate: 1000, capId: 3 })))).toEqual([true, false, false]);
  });

  it('a claim is named as ignored only when taking it would have changed what got through', () => {
    const w = twoCaps();
    // The cap's own rate claimed: a chain reading it from the args would admit the same 2, so nothing is said of it.
    const same = at(w, 0, (x) => x.rateInvoke(2, 3, { rate: 2 }));
    expect(oks(same)).toEqual([true, true, false]);
    expect(same.verdict?.text).toMatch(/^rate limit held: cap #2 allows 2\/s \(baked in\): 2 of 3 calls reached B/);
    // Cap #3 held to 1/s by its sidecar; the args name cap #2's id (no sidecar): taking that id would admit all 3.
    at(w, 1000, (x) => x.ratePolicy(3, 1));
    const o = at(w, 1000, (x) => x.rateInvoke(3, 3, { rate: 1000, capId: 2 }));
    expect(oks(o)).toEqual([true, false, false]);
    expect(o.verdict).toEqual({
      text: "policy claim ignored: the args claimed rate_limit 1000 and cap_id 2; the chain enforced cap #3's own 1/s (the chain's sidecar policy; baked in: 5/s): 1 of 3 calls reached B, 2 faulted on the rate limit (B never ran them); a chain taking cap_id from the args would have admitted 3, one taking both from the args would have admitted 3",
      outcome: 'held',
    });
    // A claim naming a cap_id in the same state as the cap's own (no sidecar, empty window, same rate) cannot tell.
    at(w, 2000, (x) => x.ratePolicy(3, null));
    at(w, 2000, (x) => x.rateIssue(5)); // cap #4: 5/s, like cap #3
    const blind = at(w, 2000, (x) => x.rateInvoke(3, 6, { rate: 5, capId: 4 }));
    expect(oks(blind)).toEqual([true, true, true, true, true, false]);
    expect(blind.verdict?.text).toMatch(/^rate limit held: cap #3 allows 5\/s/);
  });

  it('calls through a cap with no policy in force are counted: a sidecar set mid-window sees them', () => {
    const w = world();
    for (const p of ['a', 'b', 'c']) expect(at(w, 0, (x) => x.invoke(p)).ok).toBe(true);
    expect(w.rateCaps(0).find((c) => c.capId === 1)?.recent).toBe(3); // the chain admitted three through cap #1
    at(w, 0, (x) => x.ratePolicy(1, 1));
    const d = at(w, 0, (x) => x.invoke('d'));
    expect(d).toMatchObject({
      ok: false,
      fault: "rate limit: cap #1 allows 1 call/s (the chain's sidecar policy), and 3 went through in the last 1 s",
    });
    expect(at(w, 1000, (x) => x.invoke('e')).ok).toBe(true); // a second later, the window is empty
  });

  it('a sidecar equal to the baked rate is "no stricter", not looser', () => {
    const w = twoCaps();
    at(w, 0, (x) => x.ratePolicy(2, 2));
    const o = at(w, 0, (x) => x.rateInvoke(2, 3));
    expect(faults(o)).toEqual([
      "rate limit: cap #2 allows 2 calls/s (baked in; its sidecar's 2 calls/s is no stricter), and 2 went through in the last 1 s",
    ]);
    expect(o.verdict?.text).toMatch(/^rate limit held: cap #2 allows 2\/s \(baked in; its sidecar's 2\/s is no stricter\)/);
  });

  it('the breach verdicts: a chain that ignores the limit breaks it; one that reads the args takes the caller’s policy', () => {
    const handler = Chain.catches!['*'];
    const arg = (v: unknown, name: string) => (v && typeof v === 'object' ? (v as Record<string, never>)[name] : undefined);
    /** Run `f` with the chain's endpoint handler given a payload rewritten by `rewrite`. */
    const patched = (rewrite: (payload: Record<string, never>) => object, f: () => void) => {
      const patch: CatchFn = (ctx, key, payload) =>
        handler(ctx, key, { ...(payload as object), ...rewrite(payload as Record<string, never>) });
      Chain.catches!['*'] = patch;
      try {
        f();
      } finally {
        Chain.catches!['*'] = handler;
      }
    };
    // The limit ignored: the verdict's expected limit is worked out apart from the chain, so it sees all 3 get through.
    patched(
      () => ({ rate_limit: null, cap_id: null }),
      () => {
        const w = twoCaps();
        const o = at(w, 0, (x) => x.rateInvoke(2, 3));
        expect(oks(o)).toEqual([true, true, true]);
        expect(o.verdict).toEqual({
          text: 'rate limit broken: cap #2 allows 2/s (baked in), yet 3 calls through it reached B within 1 s',
          outcome: 'breach',
        });
        // With a claim that would admit 2, what got through (5) is not the claim's: the limit is broken, not taken.
        const c = at(w, 1000, (x) => x.rateInvoke(2, 5, { rate: 2 }));
        expect(oks(c)).toEqual([true, true, true, true, true]);
        expect(c.verdict).toMatchObject({ text: expect.stringMatching(/^rate limit broken: cap #2 allows 2\/s/), outcome: 'breach' });
      },
    );
    // The policy read from the caller's args: exactly what the claim allows gets through.
    patched(
      (payload) => ({
        rate_limit: arg(payload.args, 'rate_limit') ?? payload.rate_limit,
        cap_id: arg(payload.args, 'cap_id') ?? payload.cap_id,
      }),
      () => {
        const w = twoCaps();
        const o = at(w, 0, (x) => x.rateInvoke(2, 4, { rate: 3 }));
        expect(oks(o)).toEqual([true, true, true, false]);
        expect(o.verdict).toEqual({
          text: 'policy taken from the caller: the args claimed rate_limit 3, and 3 of 4 calls through cap #2, which allows 2/s, reached B: what a chain taking rate_limit from the args admits (its own policy admits 2)',
          outcome: 'breach',
        });
      },
    );
    // Restored: the same burst holds.
    expect(at(twoCaps(), 0, (x) => x.rateInvoke(2, 4, { rate: 3 })).verdict?.text).toMatch(/^policy claim ignored: /);
  });

  it('two caps of different rate limits held by the same user contract are independent', () => {
    const w = twoCaps();
    const holder = (capId: number) => w.rateCaps(0).find((c) => c.capId === capId)!.holder;
    expect(holder(2)).toMatch(/^User#\d+$/);
    expect(holder(3)).toBe(holder(2)); // one user contract, two caps
    expect(oks(at(w, 0, (x) => x.rateInvoke(2, 3)))).toEqual([true, true, false]);
    expect(oks(at(w, 0, (x) => x.rateInvoke(3, 6)))).toEqual([true, true, true, true, true, false]);
    expect(faults(at(w, 0, (x) => x.rateInvoke(3, 1)))).toEqual([
      'rate limit: cap #3 allows 5 calls/s (baked in), and 5 went through in the last 1 s',
    ]);
    expect(w.rateCaps(0).map((c) => [c.capId, c.inForce, c.recent])).toEqual([
      [1, null, 0],
      [2, 2, 2],
      [3, 5, 5],
    ]);
    // The boot user's cap #1 has no rate: plain invoke is not limited.
    for (let i = 0; i < 4; i++) expect(at(w, 0, (x) => x.invoke('p')).ok).toBe(true);
  });

  it('tightening the sidecar applies to the existing cap without a re-mint (the same instance id) and not to the other', () => {
    const w = twoCaps();
    const cap3 = capInstance(w, 3).id;
    const count = w.rt.instances.size;
    const p = at(w, 0, (x) => x.ratePolicy(3, 1));
    expect(p).toMatchObject({ ok: true, value: { cap_id: 3, baked: 5, sidecar: 1, in_force: 1 } });
    expect(w.rt.instances.size).toBe(count); // nothing minted, nothing deployed
    expect(capInstance(w, 3).id).toBe(cap3);
    expect(capInstance(w, 3).state.rate_limit).toBe(5); // the cap's own state is untouched
    const o = at(w, 0, (x) => x.rateInvoke(3, 3));
    expect(oks(o)).toEqual([true, false, false]);
    expect(faults(o)![0]).toBe(
      "rate limit: cap #3 allows 1 call/s (the chain's sidecar policy; baked in: 5 calls/s), and 1 went through in the last 1 s",
    );
    expect(o.verdict?.text).toMatch(
      new RegExp(`^policy tightened: cap #3 \\(EndpointRefCap#${cap3}: the same instance, not re-minted or re-granted\\) is held to 1/s`),
    );
    expect(o.verdict?.outcome).toBe('held');
    expect(oks(at(w, 0, (x) => x.rateInvoke(2, 2)))).toEqual([true, true]); // cap #2: still 2/s
    // Cleared, cap #3 is back to its baked 5/s.
    at(w, 0, (x) => x.ratePolicy(3, null));
    expect(oks(at(w, 0, (x) => x.rateInvoke(3, 5)))).toEqual([true, true, true, true, false]);
  });

  it('tightening mid-window: calls admitted under the old rate count, and the verdict is not a breach', () => {
    const w = twoCaps();
    expect(oks(at(w, 0, (x) => x.rateInvoke(3, 5)))).toEqual([true, true, true, true, true]);
    at(w, 0, (x) => x.ratePolicy(3, 1));
    const o = at(w, 500, (x) => x.rateInvoke(3, 2));
    expect(oks(o)).toEqual([false, false]); // five went through in the last second: over 1/s
    expect(o.verdict?.text).toMatch(/^policy tightened: .*: 0 of 2 calls reached B, 2 faulted on the rate limit/);
    expect(oks(at(w, 1000, (x) => x.rateInvoke(3, 2)))).toEqual([true, false]);
  });

  it('the stricter of baked and sidecar wins: a looser sidecar cannot raise a baked rate', () => {
    const w = twoCaps();
    at(w, 0, (x) => x.ratePolicy(2, 10));
    const o = at(w, 0, (x) => x.rateInvoke(2, 3));
    expect(oks(o)).toEqual([true, true, false]);
    expect(faults(o)).toEqual([
      "rate limit: cap #2 allows 2 calls/s (baked in; its sidecar's 10 calls/s is looser), and 2 went through in the last 1 s",
    ]);
    expect(o.verdict?.text).toMatch(/^rate limit held: cap #2 allows 2\/s \(baked in; its sidecar's 10\/s is looser\)/);
    // A sidecar alone limits a cap with nothing baked in (the boot user's cap #1).
    at(w, 0, (x) => x.ratePolicy(1, 1));
    expect([at(w, 0, (x) => x.invoke('a')).ok, at(w, 0, (x) => x.invoke('b')).ok]).toEqual([true, false]);
  });

  it('tightening the baked way (a re-mint) leaves the old cap at its old rate: the weakness the sidecar is for', () => {
    const w = twoCaps();
    const r = at(w, 0, (x) => x.rateReissue(3, 1));
    expect(r).toMatchObject({ ok: true, value: { cap_id: 4, rate_limit: 1, instead_of: 3 } });
    const o = at(w, 0, (x) => x.rateInvoke(3, 3));
    expect(oks(o)).toEqual([true, true, true]);
    expect(o.verdict).toEqual({
      text: "policy not tightened: the chain re-minted cap #3's authority at 1/s as cap #4, but the user still holds cap #3 (baked in: 5/s) and 3 calls through it reached B within 1 s: a baked policy is fixed at mint",
      outcome: 'breach',
      weakness: 'baked policy',
    });
    expect(oks(at(w, 0, (x) => x.rateInvoke(4, 2)))).toEqual([true, false]); // the new cap has the new rate
  });

  it('bad input is a fault naming what is wrong, and a look-alike cap with its own rate_limit never reaches the chain', () => {
    const w = twoCaps();
    expect(at(w, 0, (x) => x.ratePolicy(9, 1))).toMatchObject({ ok: false, fault: 'the chain minted no cap #9' });
    expect(at(w, 0, (x) => x.ratePolicy(2, 0))).toMatchObject({ ok: false, fault: 'a policy is 1 to 1000 calls/s, not 0' });
    expect(at(w, 0, (x) => x.rateIssue(1001))).toMatchObject({ ok: false, fault: 'a rate_limit is 1 to 1000 calls/s, not 1001' });
    expect(at(w, 0, (x) => x.rateInvoke(1, 1))).toMatchObject({
      ok: false,
      fault: expect.stringMatching(/^the rate user holds no cap #1/),
    });
    // A contract derives its own EndpointRefCap with a generous rate_limit: it holds no sender, so it cannot yield.
    const fake = image({
      name: 'Deriver',
      description: 'derives an EndpointRefCap with rate_limit 1000 and invokes it',
      yieldReceiverSlot: null,
      methods: {
        main: (ctx) =>
          ctx.call(
            ctx.deriveSpawn(EndpointRefCap, { state: { target: w.b.id, endpoint: 'process', rate_limit: 1000, cap_id: 2 } }),
            'invoke',
          ),
      },
    });
    const d = w.rt.spawn(w.chain.id, fake);
    expect(() => w.rt.invoke(w.chain.id, 'run', { slot: w.rt.slotOf(w.chain, d.id), method: 'main' })).toThrow('holds no YieldSender');
  });

  it('replay is deterministic with the new operations, at the virtual times they ran', () => {
    const w = twoCaps();
    at(w, 10, (x) => x.rateInvoke(2, 3));
    at(w, 10, (x) => x.rateInvoke(3, 3, { rate: 1000 }));
    at(w, 20, (x) => x.ratePolicy(3, 1));
    at(w, 1020, (x) => x.rateInvoke(3, 2));
    at(w, 1020, (x) => x.rateReissue(2, 1));
    at(w, 1500, (x) => x.rateInvoke(2, 2));
    const o = w.replay();
    expect(o.verdict).toEqual({
      text: 'deterministic: replayed 8 operations in a fresh chain world: the same results, routes and verdicts',
      outcome: 'held',
    });
  });
});
