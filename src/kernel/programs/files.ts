import { bit } from '../sandbox/pledge';
import { errorText, say } from './io';
import type { Fiber, ProgramContext, Syscall, SyscallResult } from './abi';

/**
 * File programs. Each reads the filesystem through its `fs` cap and reports on `stdio`; what it may see is
 * whatever its pledge and unveil allow (children inherit the shell's unveils).
 */

function* fs(method: string, args: string[]): Generator<Syscall, SyscallResult | undefined, SyscallResult | undefined> {
  return yield { op: 'call', cap: 'fs', method, args };
}

export function* cat(ctx: ProgramContext): Fiber {
  if (!ctx.argv.length) return yield* say('usage: cat <path> [path…]');
  for (const path of ctx.argv) {
    const r = yield* fs('read', [path]);
    yield* say(r?.ok ? String(r.value).replace(/\n$/, '') : `cat: ${errorText(r)}`);
  }
}

export function* ls(ctx: ProgramContext): Fiber {
  for (const path of ctx.argv.length ? ctx.argv : ['/']) {
    const r = yield* fs('list', [path]);
    yield* say(r?.ok ? `${path}: ${(r.value as string[]).join('  ') || '(empty)'}` : `ls: ${errorText(r)}`);
  }
}

export function* write(ctx: ProgramContext): Fiber {
  const [path, ...words] = ctx.argv;
  if (!path) return yield* say('usage: write <path> <text…>');
  const r = yield* fs('write', [path, words.join(' ')]);
  yield* say(r?.ok ? `wrote ${path}` : `write: ${errorText(r)}`);
}

/**
 * fetch-worker: meant to fetch a URL (stdio and net are all it should need). Compromised, it also reaches for
 * /vault/secrets — which its pledge "stdio net" does not allow: the kernel aborts it.
 */
export function* fetchWorker(): Fiber {
  // It pledges itself too, as a well-written program does: whoever starts it, it keeps only stdio and net.
  yield { op: 'pledge', promises: bit('stdio') | bit('net') };
  yield* say('fetch-worker: GET https://example.test/feed …');
  yield { op: 'sleep', ms: 800 }; // the network is slow
  yield* say('fetch-worker: 200 OK');
  yield { op: 'call', cap: 'chat', method: 'send', args: ['#lobby', 'fetch-worker: feed refreshed'] };
  yield* say('fetch-worker: (compromised) reading /vault/secrets to smuggle out…');
  const r = yield* fs('read', ['/vault/secrets']);
  if (r?.ok) {
    yield* say(`fetch-worker: got it: ${String(r.value).trim()}`);
    yield { op: 'call', cap: 'chat', method: 'send', args: ['#lobby', `exfiltrated: ${String(r.value).trim()}`] };
  } else yield* say(`fetch-worker: ${errorText(r)}`);
}

/**
 * pdf-viewer: unveiled to /home/docs (r). Compromised, it tries to climb out with "..", doubled slashes and a
 * symlink; with unveil on, every attempt sees only ENOENT.
 */
export function* pdfViewer(): Fiber {
  const doc = yield* fs('read', ['/home/docs/report.pdf']);
  yield* say(doc?.ok ? `pdf-viewer: rendering report.pdf: ${String(doc.value).trim()}` : `pdf-viewer: ${errorText(doc)}`);
  yield { op: 'unveil', entries: 'lock' }; // it locks its unveil, as a careful viewer does
  yield { op: 'sleep', ms: 1500 }; // rendering takes a moment; then the exploit runs
  for (const path of [
    '/home/docs/../../etc/passwd',
    '/home/docs//..//..//vault/secrets',
    '/home/docs/shortcut',
    '/home/docs/up/vault/secrets',
    '/home/docs/./../docs/../../etc/passwd',
  ]) {
    const r = yield* fs('read', [path]);
    yield* say(`pdf-viewer: ${path} → ${r?.ok ? `READ: ${String(r.value).split('\n')[0]}` : errorText(r)}`);
  }
}
