import type { OutputLine } from '../../host-api';
import type { ChainWorld, Outcome } from '../../yield/world';
import { costs, intArg, noMore, out, UsageError, words, type Command, type ShellContext } from '../common';
import type { Token } from '../tokenize';

/** Yield-key authority routing (seed 004): the chain world's examples and attacks. */

/** Run a yield example or attack on the chain world; the route (and the verdict, for attacks) is ledgered. */
function yieldCommand(
  ctx: ShellContext,
  args: Token[],
  maxArgs: number,
  run: (w: ChainWorld) => Outcome,
  verdict?: (o: Outcome, w: ChainWorld) => string,
): OutputLine[] {
  noMore(args, maxArgs);
  const o = ctx.shell.chain(run, verdict);
  return [
    o.ok ? out(`→ ${JSON.stringify(o.value)}`, 'ok') : out(`fault: ${o.fault}`, 'error'),
    ...(o.route ? [out(`route: ${o.routeText}`, 'dim')] : []),
  ];
}

export const YIELD_COMMANDS: Command[] = [
  {
    name: 'attest',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'attest',
    summary: 'run the AttestationAuthority example: a kernel:attest yield, handled by the kernel',
    run: (args, ctx) => yieldCommand(ctx, args, 0, (w) => w.attest()),
  },
  {
    name: 'invoke',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'invoke [old] ["payload"]',
    summary: "invoke the user's EndpointRefCap (old: the one it held before the last rotation)",
    run(args, ctx) {
      const old = args[0]?.value === 'old';
      const payload = args[old ? 1 : 0];
      // After a rotation, invoking the old cap is the revocation's test: the verdict says how it went.
      const verdict =
        old && ctx.experimenter.chainWorld.shown.rotated
          ? (o: Outcome, w: ChainWorld) =>
              o.ok
                ? `old cap still works after the rotation: ${w.describe(o.route)}`
                : `revoked by key rotation: the user's old EndpointRefCap faults (${o.fault}); the chain redistributed one under the new key`
          : undefined;
      return yieldCommand(ctx, args, old ? 2 : 1, (w) => w.invoke(payload ? { payload: payload.value } : null, old), verdict);
    },
  },
  {
    name: 'mint',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'mint <domain> <content>',
    summary: 'the MintRefCap example: mint(domain, content) through the chain',
    run(args, ctx) {
      if (!args[1]) throw new UsageError('usage: mint <domain> <content>', args[0]?.column);
      return yieldCommand(ctx, args, 2, (w) => w.mint(args[0].value, args[1].value));
    },
  },
  {
    name: 'rotate',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'rotate <key> [new-key] [inflight]',
    summary:
      'revoke by key rotation: the chain drops <key> (inflight: rotate while a call holding the old cap is in flight — the snapshot caveat)',
    args: [words('key', ['invoke_key', 'mint_key']), words('inflight', ['inflight'])],
    repeats: true,
    run(args, ctx) {
      if (!args[0]) throw new UsageError('which key? e.g. rotate invoke_key');
      const inflight = args.length > 1 && args[args.length - 1].value === 'inflight';
      const rest = inflight ? args.slice(0, -1) : args;
      const key = rest[0].value;
      const next = rest[1]?.value ?? `${key}_${ctx.view.ticks}`;
      if (!inflight) return yieldCommand(ctx, rest, 2, (w) => w.rotate(key, next));
      return yieldCommand(
        ctx,
        rest,
        2,
        (w) => w.rotateInFlight(key, next),
        (o, w) =>
          o.ok
            ? `snapshot caveat: a call already in flight when ${key} was rotated still got through (${w.describe(o.route)}): its CALL snapshotted the chain's receiver before the rotation, so rotation revokes new calls only`
            : `rotation reached the call in flight: ${o.fault}`,
      );
    },
  },
  {
    name: 'yields',
    world: 'outside',
    usage: 'yields [n]',
    summary: 'the last n yield routes (emitter → owner edges walked → catcher, or the fault)',
    run(args, { experimenter }) {
      const n = args[0] ? intArg(args[0], 'n', 1, 100) : 10;
      noMore(args, 1);
      const w = experimenter.chainWorld;
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
    usage: 'forge',
    summary: 'attack: a descendant mints the reserved invoke_key itself (blocked by mint_yield interposition)',
    run: (args, ctx) =>
      yieldCommand(
        ctx,
        args,
        0,
        (w) => w.forge(),
        (o) =>
          o.ok
            ? 'forged mint succeeded: the descendant minted invoke_key and the chain accepted its yield as authority'
            : `forged mint blocked: ${o.fault}`,
      ),
  },
  {
    name: 'lookalike',
    world: 'inside',
    cost: costs('SEND'),
    usage: 'lookalike',
    summary: 'attack: present a derived instance of the right image_hash to a vault (blocked when image_hash is not authority)',
    run: (args, ctx) =>
      yieldCommand(
        ctx,
        args,
        0,
        (w) => w.lookalike(!ctx.view.defenses.hashauth),
        (o) => (o.ok ? 'image_hash taken as authority: the vault paid a look-alike instance' : `look-alike refused: ${o.fault}`),
      ),
  },
];
