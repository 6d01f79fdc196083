import type { Session } from '../kernel/host-api';
import { sessionProblem } from '../kernel/session/check';

/**
 * Share links: a session (scenario + seed + command log + tick) in the URL fragment, so it never reaches a
 * server. Format `#s=<version>.<base64url(deflate-raw(JSON))>`. The same JSON is what "Export session" saves.
 *
 * Version 2 links are made by a kernel that enforces the seed rules and writes ledger record format 2. A version
 * 1 link (made before) holds the same kind of session and still opens, but it replays under today's rules, so
 * steps it took may now be refused: `olderRulesNotice` says so and why. A link from a newer build says so instead
 * of failing obscurely.
 */

export const SHARE_VERSION = 2;
/** The oldest version still opened. */
export const OLDEST_SHARE_VERSION = 1;
const PREFIX = '#s=';
/** Links longer than this are refused (Chromium takes URLs of up to 2 MB); a longer session travels as a file. */
export const MAX_LINK_CHARS = 2_000_000;
/** What a link or session file may unpack to: a quarter of a million commands fit several times over. */
export const MAX_SESSION_BYTES = 64 << 20;

/** A decoded link or file: the session, and the version it was made in (1: before the seed rules). */
export type Decoded = { ok: true; session: Session; version: number } | { ok: false; error: string };

/**
 * What changed under a link or file made in `version`: '' for the current one. A session is its command log, so
 * an older one replays under today's kernel and a step the old kernel allowed may now be refused (the terminal
 * and the ledger say which, and why).
 */
export function olderRulesNotice(version: number): string {
  if (version >= SHARE_VERSION) return '';
  return (
    'It was made before the kernel enforced the seed rules (ledger record format 2), and it replays under them, ' +
    'so steps it took may now be refused: a machine acts only on pairings it is an end of, through its service-pairing ' +
    '(seeds 001, 003 S4); nothing crosses machines except an import over a pairing (seeds 000, 002); the Law of Decay ' +
    'applies once (seed 003 S1); a child never pledges more than its parent (seed 003 S2); a call waits in its ' +
    "endpoint's queue, and only an endpoint's owner or mint authority mints from it (seed 002); yields walk owner edges " +
    "from the handler's own frame (seed 004); every verb is charged, and an in-world command that cannot pay waits " +
    '(seed 003 S1/S3). The terminal and the ledger show each refusal and why.'
  );
}

/** The file format for export/import: the same session, readable. */
export function sessionFile(session: Session): string {
  return JSON.stringify({ format: 'capplay-session', version: SHARE_VERSION, ...session });
}

export function parseSessionFile(text: string): Decoded {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not a session file: the JSON does not parse (${e instanceof Error ? e.message : String(e)})` };
  }
  if (!data || typeof data !== 'object' || (data as { format?: unknown }).format !== 'capplay-session')
    return { ok: false, error: 'not a session file: "format" is not "capplay-session"' };
  const { format: _f, version, ...session } = data as Record<string, unknown>;
  if (!readable(version)) return { ok: false, error: versionError(version, 'file') };
  return checked(session, version);
}

/** A version this build opens (replaying an older one under today's rules). */
function readable(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= OLDEST_SHARE_VERSION && v <= SHARE_VERSION;
}

export async function encodeShare(session: Session): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(session));
  const packed = await pipe(json, new CompressionStream('deflate-raw'));
  return `${PREFIX}${SHARE_VERSION}.${toBase64Url(packed)}`;
}

/** Decode a fragment (with or without the leading "#s="). Untrusted: every failure is a sentence, never a throw. */
export async function decodeShare(fragment: string): Promise<Decoded> {
  const body = fragment.startsWith(PREFIX) ? fragment.slice(PREFIX.length) : fragment.startsWith('s=') ? fragment.slice(2) : fragment;
  if (body.length > MAX_LINK_CHARS)
    return { ok: false, error: `the link is ${body.length} characters long; at most ${MAX_LINK_CHARS} are read` };
  const dot = body.indexOf('.');
  if (dot < 1) return { ok: false, error: `not a capplay share link: it should look like #s=${SHARE_VERSION}.…` };
  // Only a plain decimal version counts ("1e0" and "01" are not 1: a link means exactly one thing).
  const written = body.slice(0, dot);
  const version = /^[1-9][0-9]{0,8}$/.test(written) ? Number(written) : written;
  if (!readable(version)) return { ok: false, error: versionError(version, 'link') };
  const bytes = fromBase64Url(body.slice(dot + 1));
  if (!bytes) return { ok: false, error: 'the link is damaged: its data is not valid base64url (was it cut off or edited?)' };
  let json: Uint8Array;
  try {
    json = await pipe(bytes, new DecompressionStream('deflate-raw'), MAX_SESSION_BYTES);
  } catch {
    return { ok: false, error: 'the link is damaged: its data does not decompress (was it cut off or edited?)' };
  }
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder().decode(json));
  } catch {
    return { ok: false, error: 'the link is damaged: its session is not valid JSON' };
  }
  return checked(data, version);
}

function checked(data: unknown, version: number): Decoded {
  const problem = sessionProblem(data);
  if (problem) return { ok: false, error: `the session in it is not usable: ${problem}` };
  const s = data as Session;
  return { ok: true, session: { scenario: s.scenario, seed: s.seed, log: s.log, ticks: s.ticks }, version };
}

function versionError(v: unknown, what: 'link' | 'file'): string {
  const reads = `formats ${OLDEST_SHARE_VERSION} to ${SHARE_VERSION}`;
  return typeof v === 'number' && v > SHARE_VERSION
    ? `this ${what} was made by a newer capplay (format ${v}); this one reads ${reads}. Open it with the newer version.`
    : `unknown share format ${JSON.stringify(v)}; this capplay reads ${reads}`;
}

async function pipe(input: Uint8Array, transform: CompressionStream | DecompressionStream, limit = Infinity): Promise<Uint8Array> {
  const stream = new Blob([input as BlobPart]).stream().pipeThrough(transform);
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new Error('too large');
    }
    parts.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}
