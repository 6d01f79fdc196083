import type { Verb } from '../../energy/kinetic';
import type { OutputLine } from '../../host-api';
import { MAX_RATE } from '../../yield/policy';
import type { ChainWorld, Outcome } from '../../yield/world';
import { costs, intArg, noMore, out, table, UsageError, words, type Command, type ShellContext } from '../common';
import type { Token } from '../tokenize';

/** Yield-key authority routing (seed 004): the chain world's examples and attacks. */

/** Run a yield example or attack on the chain world; its route and, for a demonstration, its verdict are ledgered. */
function yieldCommand(ctx: ShellContext, args: Token[], maxArgs: number, run: (w: ChainWorld) => Outcome): OutputLine[] {
  noMore(args, maxArgs);
  const o = ctx.shell.chain(run);
  return [
    o.ok ? out(`→ ${JSON.stringify(o.value)}`, 'ok') : out(`fault: ${o.fault}`, 'error'),
    ...(o.route ? [out(`route: ${o.routeText}`, 'dim')] : []),
  ];
}

/** At most this many calls in one `ratelimit invoke` burst. */
const MAX_BURST = 20;
const CAP_IDS = 1_000_000;

/** How many transactions a ratelimit line makes (what it pays, a SEND each): a burst's n, else 1. */
function burstOf(args: Token[]): number {
  return args[0]?.value === 'invoke' && args[2] && args[2].value !== 'claim' ? intArg(args[2], 'n', 1, MAX_BURST) : 1;
}

/** A burst prints each call's result, then the route of the last (they all take the same one). */
function burstLines(o: Outcome & { routeText: string }): OutputLine[] {
  if (!o.calls?.length) return [out(`fault: ${o.ok ? 'no call' : o.fault}`, 'error')];
  return [
    ...o.calls.map((c, i) => (c.ok ? out(`${i + 1}. → ${JSON.stringify(c.value)}`, 'ok') : out(`${i + 1}. fault: ${c.fault}`, 'error'))),
    ...(o.route ? [out(`route: ${o.routeText}`, 'dim')] : []),
  ];
}

const rate = (t: Token | undefined, what: string) => intArg(t, what, 1, MAX_RATE);

/** `ratelimit invoke <cap_id> [n] [claim <rate> [<cap_id>]]` */
function rateInvoke(args: Token[], ctx: ShellContext): OutputLine[] {
  const capId = intArg(args[1], 'cap_id', 1, CAP_IDS);
  const n = burstOf(args);
  let at = args[2] && args[2].value !== 'claim' ? 3 : 2;
  let claim: { rate: number; capId?: number } | undefined;
  if (args[at]) {
    if (args[at].value !== 'claim')
      throw new UsageError(`expected claim <rate> [cap_id], got ${JSON.stringify(args[at].value)}`, args[at].column);
    claim = { rate: intArg(args[at + 1], 'the claimed rate_limit', 0, 1e9) };
    if (args[at + 2]) claim.capId = intArg(args[at + 2], 'the claimed cap_id', 0, CAP_IDS);
    at += 3;
  }
  noMore(args, at);
  return burstLines(ctx.shell.chain((w) => w.rateInvoke(capId, n, claim), n));
}

/**
 * `ratelimit` alone: the caps the chain minted with a cap_id, their policy, and the chain's count this second. A cap
 * whose key was rotated says so in IN FORCE: the chain catches none of its calls, whatever rate it carries.
 */
function rateTable(ctx: ShellContext): OutputLine[] {
  const rows = ctx.experimenter.chainWorld.rateCaps(ctx.view.time);
  const r = (n: number | null | undefined) => (n == null ? '-' : `${n}/s`);
  return table(
    ['CAP', 'INSTANCE', 'HOLDER', 'BAKED', 'SIDECAR', 'IN FORCE', 'LAST 1 s'],
    rows.map((c) => [
      `#${c.capId}`,
      c.cap,
      c.holder,
      r(c.baked),
      r(c.sidecar),
      c.revoked ? `revoked (${c.revoked} rotated)` : r(c.inForce),
      `${c.recent}${c.meant ? ` (re-minted at ${c.meant}/s)` : ''}`,
    ]),
  );
}

export const YIELD_COMMANDS: Command[] = [
  {
    name: 'attest',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'attest [sign|verify] [key] [blob]',
    summary:
      'the AttestationAuthority example: attest(key, blob) → status through a kernel:attest yield the kernel catches; sign (the default) has the kernel sign and keep the signature, verify checks the kernel signed it — the same status either way, never a signature',
    args: [words('mode', ['sign', 'verify'])],
    run(args, ctx) {
      const mode = args[0]?.value ?? 'sign';
      if (mode !== 'sign' && mode !== 'verify') throw new UsageError('the mode is sign or verify', args[0].column);
      return yieldCommand(ctx, args, 3, (w) => w.attest(mode, args[1]?.value, args[2]?.value));
    },
  },
  {
    name: 'invoke',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'invoke [old] ["payload"] [endpoint]',
    summary:
      "invoke the user's EndpointRefCap(B, process): the chain catches invoke_key and calls B's endpoint (old: the cap held before the last rotation; endpoint: the args ask for another endpoint of B, e.g. drain — the cap calls the one in its state)",
    run(args, ctx) {
      const old = args[0]?.value === 'old';
      const rest = old ? args.slice(1) : args;
      return yieldCommand(ctx, rest, 2, (w) => w.invoke(rest[0]?.value ?? null, old, rest[1]?.value));
    },
  },
  {
    name: 'mint',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'mint <domain> <content> [claimed-domain]',
    summary:
      'the MintRefCap example: the chain issues a MintRefCap for <domain>, the user mints <content> through it (claimed-domain: the user asks for another domain — the cap mints in its own)',
    run(args, ctx) {
      if (!args[1]) throw new UsageError('usage: mint <domain> <content> [claimed-domain]', args[0]?.column);
      return yieldCommand(ctx, args, 3, (w) => w.mint(args[0].value, args[1].value, args[2]?.value));
    },
  },
  {
    name: 'rotate',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'rotate <key> [new-key] [inflight]',
    summary:
      'revoke by key rotation: the chain drops <key> and re-mints under new-key (inflight: rotate while a call holding the old cap is in flight — the snapshot caveat)',
    args: [words('key', ['invoke_key', 'mint_key']), words('inflight', ['inflight'])],
    repeats: true,
    run(args, ctx) {
      if (!args[0]) throw new UsageError('which key? e.g. rotate invoke_key');
      const inflight = args.length > 1 && args[args.length - 1].value === 'inflight';
      const rest = inflight ? args.slice(0, -1) : args;
      const key = rest[0].value;
      const next = rest[1]?.value ?? `${key}_${ctx.view.ticks}`;
      return yieldCommand(ctx, rest, 2, (w) => (inflight ? w.rotateInFlight(key, next) : w.rotate(key, next)));
    },
  },
  {
    name: 'ratelimit',
    world: 'inside',
    cost: {
      text: 'SEND per call into the chain',
      verbs: (args): Verb | Verb[] => (burstOf(args) === 1 ? 'SEND' : Array<Verb>(burstOf(args)).fill('SEND')),
    },
    outside: (args) => args.length === 0,
    usage: 'ratelimit [issue <rate> | invoke <cap_id> [n] [claim <rate> [cap_id]] | policy <cap_id> <rate|none> | reissue <cap_id> <rate>]',
    summary:
      "where policy attaches (seed 004): issue: the chain mints the rate user an EndpointRefCap(B, process) with <rate> calls/s and the next cap_id baked in; invoke: the user calls through cap <cap_id> n times now (claim: its args claim a rate_limit and cap_id — the chain reads the cap's own); policy: the chain's sidecar for a cap_id, adjustable after the grant (the stricter of baked and sidecar holds); reissue: tighten the baked way, by minting a new cap (the old one keeps its rate); alone: the caps and their policy (free)",
    args: [words('verb', ['issue', 'invoke', 'policy', 'reissue'])],
    run(args, ctx) {
      const verb = args[0]?.value;
      if (verb === undefined) return rateTable(ctx);
      if (verb === 'invoke') return rateInvoke(args, ctx);
      if (verb === 'issue') {
        const r = rate(args[1], 'rate');
        return yieldCommand(ctx, args, 2, (w) => w.rateIssue(r));
      }
      if (verb === 'policy') {
        const capId = intArg(args[1], 'cap_id', 1, CAP_IDS);
        const r = args[2]?.value === 'none' ? null : rate(args[2], 'rate (or none)');
        return yieldCommand(ctx, args, 3, (w) => w.ratePolicy(capId, r));
      }
      if (verb === 'reissue') {
        const capId = intArg(args[1], 'cap_id', 1, CAP_IDS);
        const r = rate(args[2], 'rate');
        const lines = yieldCommand(ctx, args, 3, (w) => w.rateReissue(capId, r));
        if (lines[0]?.style !== 'ok') return lines;
        return [
          ...lines,
          out(
            `cap #${capId} is still held: its rate is baked into its state. Short of revoking it (rotating invoke_key revokes every cap under that key), nothing at the chain changes cap #${capId}'s rate — which is why the sidecar exists`,
            'dim',
          ),
        ];
      }
      throw new UsageError('ratelimit issue, invoke, policy or reissue (or nothing, to list the caps)', args[0].column);
    },
  },
  {
    name: 'yields',
    world: 'outside',
    usage: 'yields [n] | yields replay',
    summary:
      'the last n yield routes (emitter → owner edges walked → catcher, or the fault); replay: rerun the session’s chain operations in a fresh chain world and compare (V9; free, outside the world, its verdict ledgered)',
    args: [words('replay', ['replay'])],
    run(args, ctx) {
      if (args[0]?.value === 'replay') {
        noMore(args, 1);
        const o = ctx.experimenter.replayChain();
        return [out(o.verdict?.text ?? '', o.verdict?.outcome === 'held' ? 'ok' : 'error')];
      }
      const n = args[0] ? intArg(args[0], 'n', 1, 100) : 10;
      noMore(args, 1);
      const w = ctx.experimenter.chainWorld;
      const routes = w.rt.routes.slice(-n);
      return routes.length
        ? routes.map((r) => out(w.describe(r), r.caughtBy === null ? 'error' : undefined))
        : [out('no yields yet: try attest, invoke or mint', 'dim')];
    },
  },
  {
    name: 'forge',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'forge [literal]',
    summary:
      'attack: a descendant mints the reserved invoke_key itself (blocked by mint_yield interposition); literal: it writes a made-up YieldSender into its cnode (a cnode takes only kernel-issued caps)',
    args: [words('how', ['literal'])],
    run(args, ctx) {
      const how = args[0]?.value;
      if (how !== undefined && how !== 'literal') throw new UsageError('forge or forge literal', args[0].column);
      return yieldCommand(ctx, args, 1, (w) => w.forge(how ? 'literal' : 'mint'));
    },
  },
  {
    name: 'steal',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'steal',
    summary: "attack: the user tries to take the YieldSender out of its EndpointRefCap (an AuthorityCap's cnode is opaque)",
    run: (args, ctx) => yieldCommand(ctx, args, 0, (w) => w.steal()),
  },
  {
    name: 'stall',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'stall',
    summary:
      "availability (V8, lost by design): an intermediate spends the call's gas, then relays the user's call asking for a million — a nested CALL gets at most what its caller has left",
    run: (args, ctx) => yieldCommand(ctx, args, 0, (w) => w.stall()),
  },
  {
    name: 'lookalike',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'lookalike',
    summary: 'attack: present a derived instance of the right image_hash to a vault (blocked when image_hash is not authority)',
    run: (args, ctx) => yieldCommand(ctx, args, 0, (w) => w.lookalike(!ctx.view.defenses.hashauth)),
  },
];
