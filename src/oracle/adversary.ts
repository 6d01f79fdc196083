import defaultScenario from '../content/scenarios/default.json';
import pointsav from '../content/scenarios/pointsav.json';
import { KernelError } from '../kernel/errors';
import { KernelHost } from '../kernel/host';
import { DEFENSES, type DefenseId } from '../kernel/sab/layout';
import { Checker, type Finding, type OracleCall, type Rule } from './checker';
import { generateProgram, runLine } from './programs';

/**
 * The authority oracle's adversary: a seeded random player. Each step it types a random shell line, makes a
 * random process CALL a random method through a random cap of its own with random arguments (as `compromise`
 * does: that process's caps only), or lets the clock run — mixed with the moves of the attacks the seeds name,
 * so a defense that is off is found out. After every step the checker (checker.ts) looks for what broke.
 */

export interface OracleRun {
  scenario: 'default' | 'pointsav' | 'pointsav-admin';
  seed: number;
  steps: number;
  /** A defense switched off for the whole run. */
  off?: DefenseId;
  /**
   * Also write random user programs (programs.ts) and run them with the shell's caps (needs loadEngine first);
   * 'only': they are the only adversary (the clock runs between them).
   */
  programs?: boolean | 'only';
}

export interface OracleResult extends OracleRun {
  findings: Finding[];
  rules: Partial<Record<Rule, number>>;
  /** With programs: how many generated programs started, ended, and were refused something (ledgered). */
  programRuns?: { spawned: number; ended: number; refused: number };
}

/** mulberry32: the adversary's own deterministic randomness. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}

function scenarioText(which: OracleRun['scenario']): string {
  if (which === 'default') return JSON.stringify(defaultScenario);
  const s = structuredClone(pointsav);
  // A variant whose policy lets the console take ADMIN over the Totebox (more of seed 001 to explore).
  if (which === 'pointsav-admin') s.pairings.push({ a: 'console', b: 'totebox', type: 'ADMIN', boot: false } as never);
  return JSON.stringify(s);
}

const METHODS = [
  'read',
  'write',
  'send',
  'who',
  'join',
  'leave',
  'poll',
  'close',
  'names',
  'count',
  'telemetry',
  'migrate',
  'ls',
  'cat',
  'load',
  'store',
];
const TYPES = ['ADMIN', 'INPUT', 'USER', 'INTERFACE'];

/** Random words for random arguments: names, paths, numbers, hostile text. */
const ARGS = ['passport.pdf', 'memo.txt', '/vault/secrets', '/etc/hosts', '#lobby', 'hi', 7, 0, -1, 1e9, '../..', 'x\u001b[2J'];

export function runOracle(run: OracleRun): OracleResult {
  const r = rng(run.seed);
  const h = new KernelHost(undefined, false);
  const booted = h.boot(scenarioText(run.scenario), run.seed);
  if (!booted.ok) throw new Error(booted.errors.join('\n'));
  const k = h.kernel;
  if (run.off) h.exec(`defense ${run.off} off`);
  const checker = new Checker(k, JSON.parse(scenarioText(run.scenario)).pairings ?? []);
  const machines = k.machines.map((m) => m.name);
  const shellPid = [...k.processes.values()].find((p) => p.program === 'shell')!.pid;
  let channels = 0;

  /** A CALL as process `pid` (a refusal the kernel throws to the shell, a pledge's, counts as refused). */
  const callAs = (pid: number, cap: string, method: string, args: unknown[]) => {
    try {
      return k.call(pid, cap, method, { args: args as never });
    } catch (e) {
      if (e instanceof KernelError) return { ok: false as const };
      throw e;
    }
  };
  const shellCaps = () => [...k.process(shellPid).cnode.entries()].map(([, s]) => s.name);
  const anyPid = () => r.pick([...k.processes.keys()]);
  const line = (): string => {
    const cap = r.pick(shellCaps());
    const m = r.pick(machines);
    const lines = [
      () => `spawn "chat-client" with { chat: client @chat badge ${r.pick([200, 7, 42, 0, 99])} }`,
      () => `spawn "chat-client" with { chat: @${cap} }`,
      () => `spawn "idle" with { x: @${cap} }`,
      () => `spawn "idle" with { x: move @${cap} }`,
      () => `spawn "forkbomb" with { spawner: @spawner }`,
      () => `spawn "flooder" with { chat: @chat_participant }`,
      () => `spawn "cat /etc/hosts" pledge "${r.pick(['stdio', 'stdio rw', 'rw', 'stdio spawn'])}" with { fs: @fs }`,
      // Mostly keeping net: a shell that gives it up early can no longer explore pairing or chat.
      () => `pledge "${r.pick(['stdio net spawn rw storage', 'stdio net spawn rw', 'stdio net spawn', 'stdio spawn'])}"`,
      () => `channel c${++channels}`,
      () => `map m${++channels} ${r.pick([16, 64])}`,
      () => `mask @${cap} ${r.pick(['r', 'rw', 'rwx', 'x', 'w'])}`,
      () => `grant ${anyPid()} @${cap}`,
      () => `revoke @${cap}`,
      () => `drop @${cap}`,
      () => `kill ${anyPid()}`,
      () => `tier ${anyPid()} ${r.pick(['photon', 'matter', 'void'])}`,
      () => `call @${cap} ${r.pick(METHODS)} ${JSON.stringify(String(r.pick(ARGS)))}`,
      () => `pair ${m}${r.next() < 0.5 ? ` as ${r.pick(TYPES)}` : ''}`,
      () => `pair ${m} ${r.pick(machines)} as ${r.pick(TYPES)}`,
      () => `unpair ${m}${r.next() < 0.5 ? ` ${r.pick(machines)}` : ''}`,
      () => `import ${m} vault`,
      () => `mitm ${m}`,
      () => `tofu forget ${m} ${r.pick(machines)}`,
      () => `announce ${m}${r.next() < 0.3 ? ' forged' : ''}`,
      () => `compromise media`,
      () => `call @chat_participant close`,
      () => `spawn "chat-client" with { chat: @chat_root, session: @session }`,
      () =>
        r.pick([
          'attest',
          'attest sign',
          'invoke',
          'invoke old',
          'mint news hello',
          'mint x y z',
          'steal',
          'stall',
          'forge',
          'forge literal',
          'lookalike',
        ]),
      () => `rotate ${r.pick(['invoke_key', 'mint_key'])}${r.next() < 0.3 ? ' inflight' : ''}`,
    ];
    return r.pick(lines)();
  };

  /** A process CALLs through one of its own caps: what the checker needs to judge the result. */
  const processCall = (): OracleCall | null => {
    const p = k.processes.get(anyPid());
    if (!p || p.state === 'exited' || p.state === 'killed') return null;
    const slots = [...p.cnode.entries()];
    if (!slots.length) return null;
    const [, s] = r.pick(slots);
    const obj = s.cap.target.kind === 'object' ? k.objects.get(s.cap.target.id) : undefined;
    const args = [r.pick(ARGS), r.pick(ARGS)];
    const pledge = p.pledge;
    const res = callAs(p.pid, s.name, r.pick(METHODS), args);
    return {
      pid: p.pid,
      cap: s.name,
      capKind: s.cap.kind,
      ok: res.ok,
      capGeneration: s.cap.generation,
      recordGeneration: obj?.record?.generation,
      pledge,
      fileBits: 0b1100, // rw, storage (seed 003 S2's classes, in the kernel's bit order)
    };
  };

  /** The seeds' attack moves, as one step each, so a defense that is off shows. */
  const attack = (): OracleCall[] => {
    switch (r.int(7)) {
      case 6:
        // Yield routing (seed 004): the worked examples, whose routes the checker follows along owner edges.
        h.exec(r.pick(['invoke', 'mint news hello', 'attest', 'attest sign', 'steal', 'stall', 'forge', 'lookalike']));
        return [];
      case 5:
        // Relabeling (seed 002): a delegated client facet with another badge.
        h.exec(`spawn "idle" with { chat: client @chat badge ${r.pick([200, 7, 0])} }`);
        return [];
      case 4: {
        // Seed 001: act on a pairing of two other machines, take a type, announce for another, forget for another.
        const here = k.machines[k.process(shellPid).machine].name;
        const others = machines.filter((m) => m !== here);
        const a = others.length ? r.pick(others) : here;
        const b = r.pick(machines.filter((m) => m !== a));
        h.exec(
          r.pick([
            `tofu forget ${a} ${b}`,
            `unpair ${a} ${b}`,
            `pair ${a} ${b} as ${r.pick(TYPES)}`,
            `pair ${a} as ADMIN`,
            `announce ${a}`,
          ]),
        );
        return [];
      }
      case 0: {
        // Stale cookie (seed 002): close a participant, let a newcomer reuse its record, call the old cap.
        const shell = k.process(shellPid);
        const slot = shell.cnode.indexOf('chat_participant');
        if (slot < 0) return [];
        h.exec('call @chat_participant close');
        h.exec('spawn "chat-client" with { chat: @chat_root, session: @session }');
        k.step(5);
        const s = shell.cnode.get(slot);
        const obj = s && s.cap.target.kind === 'object' ? k.objects.get(s.cap.target.id) : undefined;
        const res = callAs(shellPid, 'chat_participant', 'send', ['#lobby', 'stale']);
        return [
          {
            pid: shellPid,
            cap: 'chat_participant',
            capKind: 'object',
            ok: res.ok,
            capGeneration: s?.cap.generation,
            recordGeneration: obj?.record?.generation,
            pledge: shell.pledge,
            fileBits: 0b1100,
          },
        ];
      }
      case 1: {
        // Pledge (seed 003 S2): a process pledged "stdio" reaches for a file.
        const child = [...k.processes.values()].find((p) => p.pledge !== null && p.cnode.indexOf('fs') >= 0 && p.state !== 'exited');
        h.exec('spawn "idle" pledge "stdio" with { fs: @fs }');
        const p = child ?? [...k.processes.values()].at(-1)!;
        if (p.cnode.indexOf('fs') < 0) return [];
        const res = callAs(p.pid, 'fs', 'read', ['/etc/hosts']);
        return [{ pid: p.pid, cap: 'fs', capKind: 'fs', ok: res.ok, pledge: p.pledge, fileBits: 0b1100 }];
      }
      case 2:
        // TOFU+ (seed 003 S4): bind by pairing, then a MITM after the binding.
        h.exec('pair totebox');
        h.exec('mitm totebox');
        return [];
      default:
        // Energy (seed 003 S3): a fork bomb, and the clock run.
        h.exec('spawn "forkbomb" with { spawner: @spawner }');
        k.step(20);
        return [];
    }
  };

  /** Write a random user program (as the experimenter's Programs tab does), start it, and let it run a little. */
  const GEN = ['gen-0', 'gen-1', 'gen-2', 'gen-3'];
  const launch = () => {
    const name = r.pick(GEN);
    const source = generateProgram(r, name, GEN);
    const defined = h.defineProgram({ name, source, summary: 'a random adversary from the oracle' });
    if (!defined.ok) throw new Error(`the oracle's program was refused: ${defined.error}\n${source}`);
    h.exec(
      runLine(
        r,
        name,
        [...k.process(shellPid).cnode.entries()].map(([, c]) => ({ name: c.name, kind: c.cap.kind })),
      ),
    );
    k.step(1 + r.int(30));
  };

  for (let i = 0; i < run.steps; i++) {
    if (run.programs === 'only' || (run.programs && r.next() < 0.15)) {
      launch();
      checker.check([]);
      if (k.processes.size > 3000) break;
      continue;
    }
    const roll = r.next();
    let calls: OracleCall[] = [];
    if (roll < 0.45) h.exec(line());
    else if (roll < 0.65) {
      const c = processCall();
      if (c) calls = [c];
    } else if (roll < 0.8) k.step(1 + r.int(40));
    else calls = attack();
    checker.check(calls);
    if (k.processes.size > 3000) break; // a fork bomb with budgets off has filled the world: enough
  }
  checker.verifyLedger();
  const rules: Partial<Record<Rule, number>> = {};
  for (const f of checker.findings) rules[f.rule] = (rules[f.rule] ?? 0) + 1;
  return { ...run, steps: checker.steps, findings: checker.findings, rules, ...(run.programs && { programRuns: programRuns(k) }) };
}

export const DEFENSE_IDS = DEFENSES.map((d) => d.id);

/** What the generated programs did, as the ledger has it: a run that started none would prove nothing. */
function programRuns(k: KernelHost['kernel']): NonNullable<OracleResult['programRuns']> {
  const pids = new Set<number>();
  let ended = 0;
  let refused = 0;
  for (const e of k.ledger.page(1, k.ledger.length)) {
    const pid = typeof e.facts?.pid === 'number' ? e.facts.pid : e.actor;
    if (e.kind === 'spawn' && /^gen-\d$/.test(String(e.facts?.program))) pids.add(e.facts!.pid as number);
    else if ((e.kind === 'exit' || e.kind === 'kill') && pids.has(pid)) ended++;
    else if ((e.kind === 'deny' || e.kind === 'error') && pids.has(e.actor)) refused++;
  }
  return { spawned: pids.size, ended, refused };
}
