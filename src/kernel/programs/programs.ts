/**
 * Built-in programs. A program is a generator: it runs until it yields a syscall, and the scheduler resumes it
 * with the syscall's result on a later quantum. Programs hold no authority of their own; everything they touch
 * goes through a cap name in their cnode. Server programs also carry a service definition: the kernel runs its
 * handler in the server's context when a call reaches the server's endpoint.
 */
import { chatService } from '../services/chat';
import type { ServiceDef } from '../services/service';
import type { Fiber, ProgramBody } from './abi';
import { adventureService } from '../services/adventure';
import { stdioService } from '../services/stdio';
import { adventureClient, adventureNpc } from './adventure';
import { cat, fetchWorker, ls, pdfViewer, write } from './files';
import { bomblet, flooder, forkbomb, mediaEdge, pinger, spinner } from './load';
import { vaultService } from '../services/vault';
import { chatBot, chatClient } from './chat-client';
import { ambientCompiler, capCompiler } from './deputy';
import { serviceFs } from '../services/serviceFs';
import { ingest } from './ingest';

export interface Program {
  name: string;
  summary: string;
  body: ProgramBody;
  service?: ServiceDef<unknown>; // each service has its own state type
}

function* waitForever(): Fiber {
  for (;;) yield { op: 'wait' };
}

export const PROGRAMS: readonly Program[] = [
  { name: 'init', summary: 'first process; holds the spawner and its children’s handles', body: waitForever },
  { name: 'shell', summary: 'the capOS-style shell; runs your commands with the caps it holds', body: waitForever },
  { name: 'idle', summary: 'does nothing; holds whatever it was granted', body: waitForever },
  {
    name: 'stdio-server',
    summary: 'serves terminal I/O (StdIO) to children granted a stdio cap',
    body: waitForever,
    service: stdioService,
  },
  {
    name: 'chat-server',
    summary: 'serves chat: ChatRoot, ChatParticipant, ChatModerator, and legacy badge facets',
    body: waitForever,
    service: chatService,
  },
  {
    name: 'chat-client',
    summary:
      'chat in the terminal (/join #chan, /leave, /who, /exit) with @chat and @stdio; without stdio it greets and exits (a newcomer joined through a ChatRoot stays 5 s)',
    body: chatClient,
  },
  { name: 'chat-bot', summary: 'an echo bot: answers every message it hears through its @chat participant', body: chatBot },
  {
    name: 'adventure-server',
    summary: 'serves the adventure game: AdventurePlayer (move, look, take) and AdventureNpc (look only)',
    body: waitForever,
    service: adventureService,
  },
  {
    name: 'adventure-client',
    summary: 'play in the terminal with @game (an AdventurePlayer) and @stdio; say speaks through @chat',
    body: adventureClient,
  },
  { name: 'adventure-npc', summary: 'a troll that answers in chat when named; it holds no game authority', body: adventureNpc },
  { name: 'forkbomb', summary: 'spawns bomblets as fast as it can pay (needs @spawner); budgets cap it at 4 per refill', body: forkbomb },
  { name: 'bomblet', summary: 'a fork bomb’s child: holds nothing, lingers 3 s, ends', body: bomblet },
  { name: 'flooder', summary: 'floods #flood through @chat; budgets cap it at 400 sends per refill', body: flooder },
  { name: 'spinner', summary: 'a busy fiber: one TICK every millisecond', body: spinner },
  { name: 'cat', summary: 'print files: run "cat /etc/hosts" with { stdio: client @stdio, fs: @fs }', body: cat },
  { name: 'ls', summary: 'list directories through @fs (only what is unveiled shows)', body: ls },
  { name: 'write', summary: 'write a file: run "write /tmp/note hello" with { … fs: @fs }', body: write },
  { name: 'fetch-worker', summary: 'demo: pledged "stdio net", it reaches for /vault/secrets (needs stdio, chat, fs)', body: fetchWorker },
  {
    name: 'pdf-viewer',
    summary: 'demo: unveiled to /home/docs r, it tries to escape with .. and symlinks (needs stdio, fs)',
    body: pdfViewer,
  },
  {
    name: 'vault-server',
    summary: 'the Totebox vault: Records (names, count, read, write, migrate, telemetry), reached by imports across a pairing',
    body: waitForever,
    service: vaultService,
  },
  {
    name: 'media-edge',
    summary: 'a MediaKit edge: streams, and sends telemetry up to the Totebox through @telemetry every 5 s',
    body: mediaEdge,
  },
  {
    name: 'service-fs',
    summary:
      'the WORM ledger as a service (seed 000): LedgerAppend (append) for ingest processes, LedgerRead (size, read, tail) for auditors; no interface modifies or deletes',
    body: waitForever,
    service: serviceFs,
  },
  {
    name: 'ingest',
    summary: 'appends a reading to the WORM ledger through @ledger (a LedgerAppend) every 2 s; run "ingest <text>" appends once',
    body: ingest,
  },
  { name: 'pinger', summary: 'asks @chat who is in #lobby every 100 ms and reports its latency on @stdio', body: pinger },
  {
    name: 'cc',
    summary: 'demo: a compiler with ambient authority: writes a job’s output wherever it names, with its own @fs (needs jobs, fs)',
    body: ambientCompiler,
  },
  {
    name: 'capcc',
    summary:
      'demo: a capability compiler: writes output only through a channel cap passed to it; bills through @billing (needs jobs, billing)',
    body: capCompiler,
  },
];

export const programByName = new Map(PROGRAMS.map((p) => [p.name, p]));
