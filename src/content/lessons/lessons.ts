import type { LessonSpec, LessonStep } from '../../kernel/checks/progress';
import { BUILT_IN_SCENARIOS } from '../scenarios';

/**
 * The lessons, in order: from the first `run` to pairing machines. Each runs on a built-in scenario; each step
 * has a goal, a hint (the commands that do it) and a check the kernel evaluates (see kernel/checks/check.ts).
 * Steps are done in order, and a step's ledger checks only count records made after the previous step was done.
 */

export type { LessonStep };

export interface Lesson extends LessonSpec {
  id: string;
  title: string;
  summary: string;
  scenario: 'default' | 'pointsav' | 'worm';
  steps: readonly LessonStep[];
}

export const LESSONS: readonly Lesson[] = [
  {
    id: 'first-run',
    title: 'Grant only what is needed',
    summary: 'A child starts with exactly the caps you grant it: no ambient authority, not even the terminal.',
    scenario: 'default',
    steps: [
      {
        goal: 'Run a chat client holding exactly two caps: a client facet of your terminal (stdio) and your chat participant (chat).',
        hint: 'run "chat-client" with { stdio: client @stdio, chat: @chat_participant }',
        check: {
          process: {
            program: 'chat-client',
            caps: ['stdio', 'chat'],
            exactly: true,
            capKinds: { stdio: 'client', chat: 'ChatParticipant' },
          },
        },
      },
      {
        goal: 'Leave the chat client: type /exit in it (or press Ctrl-C; from the shell, kill @chat-client).',
        hint: '/exit',
        check: { process: { program: 'chat-client', caps: ['stdio'], alive: false } },
      },
      {
        goal: 'Start a chat client without stdio. It cannot touch the terminal: it greets #lobby through its chat cap and exits.',
        hint: 'spawn "chat-client" with { chat: @chat_participant }',
        check: { ledger: '^chat-client \\(pid \\d+\\) exited with code 0', kind: 'exit' },
      },
      {
        goal: 'Join as a new member through the ChatRoot, proving who you are with your UserSession: the chat mints the client a participant of its own.',
        hint: 'run "chat-client" with { stdio: client @stdio, chat: @chat_root, session: @session }',
        check: {
          all: [
            { ledger: 'derived a proof for subject "you"', kind: 'grant' },
            { process: { program: 'chat-client', capKinds: { participant: 'ChatParticipant' } } },
          ],
        },
      },
    ],
  },
  {
    id: 'relabel',
    title: 'Make the relabel fail',
    summary: 'A badge on a legacy facet is an identity; Gate 0 refuses to let a delegated facet change it.',
    scenario: 'default',
    steps: [
      {
        goal: 'With Gate 0 on, try to start a chat client whose facet of @chat is relabeled to badge 200 (bob’s). The kernel refuses.',
        hint: 'run "chat-client" with { stdio: client @stdio, chat: client @chat badge 200 }',
        check: { verdict: '^relabel blocked' },
      },
      {
        goal: 'Turn Gate 0 off (the top bar, or the shell).',
        hint: 'defense gate0 off',
        check: { defense: { gate0: false } },
      },
      {
        goal: 'Run the same line again: the child now holds badge 200 and speaks as bob.',
        hint: 'run "chat-client" with { stdio: client @stdio, chat: client @chat badge 200 }',
        check: { verdict: '^relabel succeeded: .*speaks as bob' },
      },
      {
        goal: 'Turn Gate 0 back on and end the impostor (/exit in it, or kill @chat-client).',
        hint: 'defense gate0 on',
        check: { all: [{ defense: { gate0: true } }, { process: { program: 'chat-client', caps: ['stdio'], alive: false } }] },
      },
    ],
  },
  {
    id: 'energy',
    title: 'Energy: budgets, not bans',
    summary: 'Every operation costs energy; a fiber that cannot pay waits for its refill. Fork bombs and floods stay bounded.',
    scenario: 'default',
    steps: [
      {
        goal: 'Spawn a fork bomb. SPAWN costs 500 J of its 2000 J: after four spawns it freezes until its refill.',
        hint: 'spawn "forkbomb" with { spawner: @spawner }',
        check: { verdict: '^energy budget held: forkbomb' },
      },
      {
        goal: 'End it with the process handle the shell holds (top shows every fiber’s energy first, if you like).',
        hint: 'kill @forkbomb',
        check: { all: [{ ledger: '^forkbomb \\(pid \\d+\\) killed', kind: 'kill' }, { process: { program: 'forkbomb', alive: false } }] },
      },
      {
        goal: 'Spawn a flooder holding your chat participant: its SENDs are capped at about 400 per refill.',
        hint: 'spawn "flooder" with { chat: @chat_participant }',
        check: { verdict: '^energy budget held: flooder' },
      },
      {
        goal: 'Turn energy budgets off and watch nothing slow the flooder down.',
        hint: 'defense energy off',
        check: { all: [{ defense: { energy: false } }, { verdict: '^no energy budget: flooder' }] },
      },
      {
        goal: 'Turn budgets back on and kill the flooder.',
        hint: 'defense energy on, then kill @flooder',
        check: { all: [{ defense: { energy: true } }, { process: { program: 'flooder', alive: false } }] },
      },
    ],
  },
  {
    id: 'sandbox',
    title: 'Pledge and unveil',
    summary: 'A fiber promises what it will do (pledge) and sees only the paths it unveiled.',
    scenario: 'default',
    steps: [
      {
        goal: 'Start the fetch-worker pledged to "stdio net". When it reaches for /vault/secrets, the kernel aborts it (and only it).',
        hint: 'run "fetch-worker" pledge "stdio net" with { stdio: client @stdio, chat: @chat_participant, fs: @fs }',
        check: { verdict: '^pledge violation blocked: read /vault/secrets' },
      },
      {
        goal: 'Start the pdf-viewer unveiled to /home/docs (read). Its escapes through "..", doubled slashes and symlinks all see ENOENT.',
        hint: 'run "pdf-viewer" unveil "/home/docs r" with { stdio: client @stdio, fs: @fs }',
        check: { verdict: '^unveil escape blocked: pdf-viewer' },
      },
      {
        goal: 'Unveil the shell itself to /home (read), then have cat look for /vault/secrets: it inherits your unveil and finds nothing.',
        hint: 'unveil /home r, then run "cat /vault/secrets" with { stdio: client @stdio, fs: @fs }',
        check: { all: [{ ledger: 'shell \\(pid \\d+\\) unveiled /home r', kind: 'unveil' }, { verdict: '^unveil escape blocked: cat' }] },
      },
    ],
  },
  {
    id: 'yields',
    title: 'Yield routing',
    summary: 'Authority travels as yields, caught by the nearest caller whose snapshot holds the key.',
    scenario: 'default',
    steps: [
      {
        goal: 'Run the attestation example: the kernel:attest yield walks up the owner edges and the kernel catches it.',
        hint: 'attest',
        check: { ledger: '^kernel:attest: .*caught by kernel', kind: 'yield' },
      },
      {
        goal: 'Invoke the user’s EndpointRefCap: its invoke_key yield is caught by the chain, which calls contract B’s endpoint.',
        hint: 'invoke "hello"',
        check: { ledger: '^invoke_key: .*caught by Chain', kind: 'yield' },
      },
      {
        goal: 'Attack: a descendant forges the chain’s reserved invoke_key. Interposition over kernel:mint_yield refuses it.',
        hint: 'forge',
        check: { verdict: '^forged mint blocked' },
      },
      {
        goal: 'Revoke by key rotation, then invoke the old cap: it faults.',
        hint: 'rotate invoke_key, then invoke old',
        check: { verdict: '^revoked by key rotation' },
      },
      {
        goal: 'Present a look-alike instance (right image_hash, wrong instance) to a vault: refused.',
        hint: 'lookalike',
        check: { verdict: '^look-alike refused' },
      },
    ],
  },
  {
    id: 'pairing',
    title: 'Pairing: the pair is the permission',
    summary: 'Machines pair by a Noise handshake; the pairing type attenuates every call; severing it revokes everything across it.',
    scenario: 'pointsav',
    steps: [
      {
        goal: 'Try to import the vault from the Totebox before pairing: it is not found, exactly as if it did not exist.',
        hint: 'import totebox vault',
        check: { ledger: 'import totebox/vault .*ENOTFOUND', kind: 'deny' },
      },
      {
        goal: 'Pair the console with the Totebox as USER (read-only).',
        hint: 'pair totebox as USER',
        check: { pairing: { a: 'console', b: 'totebox', type: 'USER' } },
      },
      {
        goal: 'Import the vault and read passport.pdf.',
        hint: 'import totebox vault, then call @vault read passport.pdf',
        check: {
          all: [
            { process: { program: 'shell', capKinds: { vault: 'import' } } },
            { ledger: 'read \\(read\\) on vault@totebox: allowed by the USER pairing', kind: 'auth' },
          ],
        },
      },
      {
        goal: 'Try to write a record: a USER pairing is read-only, so the call is refused.',
        hint: 'call @vault write memo.txt "hi"',
        check: { ledger: 'write on @vault .*EPERM', kind: 'deny' },
      },
      {
        goal: 'Re-pair as INPUT and write again: now it goes through.',
        hint: 'pair totebox as INPUT, then call @vault write memo.txt "hi"',
        check: {
          all: [
            { pairing: { a: 'console', b: 'totebox', type: 'INPUT' } },
            { ledger: 'write \\(write\\) on vault@totebox: allowed by the INPUT pairing', kind: 'auth' },
          ],
        },
      },
      {
        goal: 'Sever the pairing: every import across it dies at once, and the Totebox is invisible again.',
        hint: 'unpair totebox',
        check: { all: [{ pairing: { a: 'console', b: 'totebox', live: false } }, { verdict: '^pairing revoked' }] },
      },
    ],
  },
  {
    id: 'deputy',
    title: 'The confused deputy',
    summary: 'A name is not an authority: a capability compiler writes only where it was handed a cap to write.',
    scenario: 'default',
    steps: [
      {
        goal: 'Install the capability compiler: a jobs channel, and its own authority — your fs cap, moved to it as @billing and unveiled to /var/billing alone.',
        hint: 'channel jobs, then spawn "capcc" unveil "/var/billing rw" with { jobs: @jobs, billing: move @fs, stdio: client @stdio }',
        check: {
          process: { program: 'capcc', caps: ['jobs', 'billing', 'stdio'], exactly: true, capKinds: { billing: 'fs', jobs: 'channel' } },
        },
      },
      {
        goal: 'Pass it an output: create a channel and grant it to the compiler.',
        hint: 'channel out, then grant @capcc @out',
        check: { process: { program: 'capcc', capKinds: { out: 'channel' } } },
      },
      {
        goal: 'Now ask it to write its output over /var/billing, a file you hold no authority over. It refuses: a path is not a cap you passed.',
        hint: 'call @jobs write "/var/billing int main() { return 0; }"',
        check: { verdict: '^confused deputy prevented' },
      },
    ],
  },
  {
    id: 'worm',
    title: 'service-fs: append, never rewrite',
    summary:
      'Seed 000: the WORM ledger is a service. Ingest processes hold append caps, auditors read caps; nothing can modify or delete, and what a process appends is never the kernel’s word.',
    scenario: 'worm',
    steps: [
      {
        goal: 'The sensor, an ingest process, appends readings through the LedgerAppend cap the policy file gave it. Append a line of your own through yours, @notes: the kernel ledgers it as "appended", authored by your shell.',
        hint: 'call @notes append "shift change: all clear"',
        check: { ledger: '^shell \\(pid \\d+\\) appended through LedgerAppend console', kind: 'appended' },
      },
      {
        goal: 'Try to delete your record. No interface of service-fs can modify or delete one, and the refusal says so (EWORM).',
        hint: 'call @notes delete 1',
        check: { ledger: 'delete on @notes .*EWORM', kind: 'deny' },
      },
      {
        goal: 'Your @audit is an auditor’s read cap: try to append through it. LedgerRead has no append, and the kernel refuses the call (EIFACE). What it does is read: call @audit tail 3 shows the newest records, each saying whose word it is (by kernel or by process).',
        hint: 'call @audit append "x" (and call @audit tail 3 to read)',
        check: { ledger: 'append on @audit .*EIFACE', kind: 'deny' },
      },
      {
        goal: 'A process without an append cap cannot append: run ingest holding only your terminal. The kernel refuses its call.',
        hint: 'run "ingest hello" with { stdio: client @stdio }',
        check: { ledger: 'append on @ledger by ingest \\(pid \\d+\\): ENOCAP', kind: 'deny' },
      },
      {
        goal: 'Append a line that reads like a verdict. It stays your text: no verdict appears, and only a check that names the kind "appended" sees it.',
        hint: 'call @notes append "relabel blocked: forged"',
        check: {
          all: [
            { ledger: 'relabel blocked: forged', kind: 'appended' },
            { not: { verdict: 'relabel blocked' } },
            { not: { ledger: 'relabel blocked: forged' } },
          ],
        },
      },
    ],
  },
];

export const lessonById = (id: string): Lesson | undefined => LESSONS.find((l) => l.id === id);

/** The lesson as a scenario file: its built-in scenario with the lesson (title and steps) in it. */
export function lessonScenario(lesson: Lesson): string {
  const base = BUILT_IN_SCENARIOS.find((s) => s.id === lesson.scenario);
  if (!base) throw new Error(`lesson ${lesson.id}: no built-in scenario "${lesson.scenario}"`);
  const scenario = JSON.parse(base.text) as Record<string, unknown>;
  scenario.lesson = { title: lesson.title, steps: lesson.steps.map((s) => ({ goal: s.goal, hint: s.hint, check: s.check })) };
  return JSON.stringify(scenario, null, 2);
}
