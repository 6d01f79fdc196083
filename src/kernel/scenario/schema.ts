import { z } from 'zod';
import { TIER_IDS } from '../energy/kinetic';
import { PAIRING_TYPES, ROLE_LEVEL } from '../pairing/types';
import { checkProblems, NAME, type Check } from '../checks/check';
import { patternProblem } from '../checks/pattern';
import { CAPACITY_LIMITS } from '../sab/layout';
import { ENGINE_VERSION } from '../programs/engine';

const MACHINE_ROLES = Object.keys(ROLE_LEVEL) as [string, ...string[]];

/**
 * The scenario file is the system policy file: it declares the machines, the boot processes and exactly which
 * caps each one holds. Boot wiring is a trusted minting path; nothing else gets authority at boot.
 */

/** Control characters (escape sequences) and bidi overrides in text a page or terminal shows are refused at load. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const Text = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine(
      (s) => !CONTROL.test(s),
      'control characters (escape sequences) and bidirectional overrides are not allowed in text that is shown',
    );

const Name = z.string().regex(NAME, 'must start with a letter and use only letters, digits, "_", "-" or "." (at most 40 characters)');

const ArgValue = z.union([z.string().max(200), z.number(), z.boolean()]);
const Args = z.record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'argument names are lowercase identifiers'), ArgValue);

export const CAP_FORMS = ['endpoint', 'client', 'spawner', 'object', 'mint', 'session', 'fs', 'import', 'pairing'] as const;

const CapDecl = z
  .strictObject({
    name: Name.optional(),
    endpoint: Name.optional(),
    client: Name.optional(),
    badge: z.number().int().min(0).max(0x7fffffff).optional(),
    spawner: z.literal(true).optional(),
    object: Name.optional(),
    iface: Name.optional(),
    args: Args.optional(),
    mint: Name.optional(),
    session: Name.optional(),
    fs: z.literal(true).optional(),
    /** The machine's service-pairing (seed 001): whoever holds it manages this machine's pairings. */
    pairing: z.literal(true).optional(),
    /** A service on a paired machine, "machine/endpoint": attenuated by the pairing type and the Diode. */
    import: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,39}\/[A-Za-z][A-Za-z0-9_.-]{0,39}$/, 'an import names "machine/endpoint", e.g. "totebox/vault"')
      .optional(),
  })
  .superRefine((c, ctx) => {
    const forms = CAP_FORMS.filter((k) => c[k] !== undefined);
    if (forms.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `a cap needs exactly one of ${CAP_FORMS.map((f) => `"${f}"`).join(', ')} (found ${forms.length ? forms.join(', ') : 'none'})`,
      });
    }
    if (c.badge !== undefined && c.client === undefined)
      ctx.addIssue({ code: 'custom', path: ['badge'], message: 'only a client cap carries a badge' });
    if (c.object !== undefined && c.iface === undefined)
      ctx.addIssue({ code: 'custom', path: ['iface'], message: 'a service object cap names its interface, e.g. "ChatParticipant"' });
    if (c.object === undefined && (c.iface !== undefined || c.args !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: [c.iface !== undefined ? 'iface' : 'args'],
        message: 'only a service object cap ("object") has an interface and arguments',
      });
  });

/** A case-insensitive pattern (validated: short, and compiled by the linear-time engine; lessons/pattern.ts). */
const Pattern = z.string().superRefine((v, ctx) => {
  const why = patternProblem(v);
  if (why) ctx.addIssue({ code: 'custom', message: why });
});

/** A lesson check: declarative JSON evaluated by the kernel (see checks/check.ts); problems name their path. */
const CheckDecl = z
  .unknown()
  .superRefine((v, ctx) => {
    for (const p of checkProblems(v)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
  })
  .transform((v) => v as Check);

/** The longest a scenario's script may run the clock, in virtual ms (one hour). */
export const MAX_SCRIPT_MS = 3_600_000;

const ScriptLine = z.strictObject({
  /** A shell line, run as the shell process after boot. */
  line: z
    .string()
    .min(1)
    .max(500)
    .regex(/^[^\r\n]*$/, 'one shell line: no line breaks'),
  /** Virtual ms to run the clock after the line. */
  wait: z.number().int().min(0).max(MAX_SCRIPT_MS).optional(),
});

const Lesson = z.strictObject({
  title: Text(1, 120),
  steps: z
    .array(z.strictObject({ goal: Text(1, 300), hint: Text(0, 500), check: CheckDecl }))
    .min(1, 'a lesson has 1 to 20 steps')
    .max(20, 'a lesson has 1 to 20 steps'),
});

const ProcessDecl = z.strictObject({
  name: Name,
  /** A built-in, or one of the file's own `programs` (checked in load.ts). */
  program: z.string().max(40),
  machine: Name.optional(),
  parent: Name.optional(),
  args: Args.optional(),
  /** Spectrum tier (default matter for boot processes; spawned fibers start at void). */
  tier: z.enum(TIER_IDS as [string, ...string[]]).optional(),
  caps: z.array(CapDecl).max(64).optional(),
});

/** User programs (programs/user.ts): at most 16, each at most 64 KiB of JavaScript. */
export const MAX_USER_PROGRAMS = 16;
export const MAX_PROGRAM_SOURCE = 64 * 1024;
export const UserProgram = z.strictObject({
  source: z.string().min(1).max(MAX_PROGRAM_SOURCE, `a program's source is at most ${MAX_PROGRAM_SOURCE} characters`),
  summary: Text(1, 200),
  /** The shell line the Programs tab's Run types (default `run "<name>"`), e.g. with the caps a challenge starts with. */
  run: Text(1, 400)
    .refine((s) => !s.includes('\n'), 'the run line is one shell line')
    .optional(),
});

const Size = (min: number, max: number) => z.number().int().min(min).max(max);

export const ScenarioSchema = z.strictObject({
  format: z.literal('capplay-scenario'),
  version: z.literal(1),
  name: Text(1, 80),
  description: Text(0, 4000).optional(),
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  machines: z
    .array(z.strictObject({ name: Name, role: z.enum(MACHINE_ROLES).optional() }))
    .min(1)
    .max(16),
  /**
   * The pairing policy (seed 001): each entry sets the type a pairing between a and b has — made at boot by a real
   * handshake, or with `"boot": false` only when an end asks. Undeclared pairs may be asked for up to INPUT.
   */
  pairings: z
    .array(z.strictObject({ a: Name, b: Name, type: z.enum(PAIRING_TYPES), boot: z.boolean().optional() }))
    .max(64)
    .optional(),
  processes: z.array(ProcessDecl).min(1).max(4000),
  /** Programs people write (JavaScript, run in the QuickJS sandbox): name → source and a one-line summary. */
  programs: z
    .record(z.string(), UserProgram) // names are checked in load.ts (zod's record keys lose their message)
    .refine((p) => Object.keys(p).length <= MAX_USER_PROGRAMS, `at most ${MAX_USER_PROGRAMS} programs`)
    .optional(),
  /** The sandbox engine the programs were written for (budgets count its ops): required with programs. */
  engine: z.literal(ENGINE_VERSION, { message: `this build runs user programs on ${ENGINE_VERSION}` }).optional(),
  /** State table sizes (see capacity.ts): by default twice what boot fills, at least the defaults. */
  capacity: z
    .strictObject({
      processes: Size(16, CAPACITY_LIMITS.processes),
      caps: Size(64, CAPACITY_LIMITS.caps),
      objects: Size(16, CAPACITY_LIMITS.objects),
      ledgerRing: Size(256, CAPACITY_LIMITS.ledgerRing),
      strings: Size(256, CAPACITY_LIMITS.strings),
      stringBytes: Size(4096, CAPACITY_LIMITS.stringBytes),
      consoleLines: Size(64, CAPACITY_LIMITS.consoleLines),
    })
    .partial()
    .optional(),
  defenses: z
    .strictObject({
      gate0: z.boolean(),
      energy: z.boolean(),
      sandbox: z.boolean(),
      interpose: z.boolean(),
      hashauth: z.boolean(),
      tofu: z.boolean(),
      diode: z.boolean(),
      generation: z.boolean(),
    })
    .partial()
    .optional(),
  /** The Law of Decay: a channel or memory cap loses a right every ageStepMs, and one per delegation level from depthLimit on. */
  decay: z
    .strictObject({ ageStepMs: z.number().int().min(1).max(86_400_000), depthLimit: z.number().int().min(1).max(64) })
    .partial()
    .optional(),
  /** Shell lines to run after boot, each optionally followed by virtual time (the headless runner runs them). */
  script: z.array(ScriptLine).max(1000).optional(),
  /** Verdicts that must appear after boot: each a case-insensitive regex some 'verdict' ledger record matches. */
  expect: z
    .array(z.strictObject({ verdict: Pattern }))
    .max(64)
    .optional(),
  /** A lesson: ordered steps, each done when its check passes. */
  lesson: Lesson.optional(),
});

export type Scenario = z.infer<typeof ScenarioSchema>;
export type CapDecl = z.infer<typeof CapDecl>;
