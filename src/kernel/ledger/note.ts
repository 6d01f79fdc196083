import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * Checkpoints as C2SP signed notes (c2sp.org/signed-note, c2sp.org/tlog-checkpoint), the shape Go's checksum
 * database, Sigstore and the transparency-dev tools read:
 *
 *   <origin>\n                      the log's name (ledgerOrigin: scenario and seed)
 *   <tree size, decimal>\n
 *   <base64 RFC 6962 root hash>\n
 *   \n
 *   — <key name> <base64(key ID (4 bytes, big-endian) || Ed25519 signature of the three lines above)>\n
 *
 * The key name is the signer's own: a co-signer's (this installation's capplay.invalid/installation/…, a CLI key
 * file's), or the origin in exports from when the kernel signed. Key ID = SHA-256(key name || 0x0A || 0x01 ||
 * public key)[:4]. The verifier key is published as a vkey: <name>+<key ID as 8 hex>+<base64(0x01 || public key)>.
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_CODES = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_CODES[B64.charCodeAt(i)] = i;

/** Standard base64 with padding (RFC 4648 §4). */
export function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    s += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < b.length ? B64[n & 63] : '=');
  }
  return s;
}

/** The bytes of canonical padded base64, or null for anything else (so one value has one spelling). */
export function fromBase64(s: string): Uint8Array | null {
  if (s.length % 4 !== 0) return null;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      const last = i + 4 === s.length;
      const v = c === 61 && last && j >= 4 - pad ? 0 : c < 128 ? B64_CODES[c] : -1;
      if (v < 0) return null;
      n = (n << 6) | v;
    }
    for (let j = 0; j < 3 && o < out.length; j++) out[o++] = (n >> (16 - 8 * j)) & 0xff;
  }
  return toBase64(out) === s ? out : null;
}

/** The log name for a scenario and seed: a schema-less URL with no spaces or '+' (both the origin and the key name). */
export function ledgerOrigin(scenario: string | null, seed: number | string): string {
  const slug = (x: string) =>
    x
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48) || 'x';
  return `capplay.invalid/ledger/${scenario === null ? '' : `${slug(scenario)}/`}seed-${slug(String(seed))}`;
}

/** A key name the signed-note spec allows: non-empty, no Unicode space, no '+', no control character. */
export function validKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+\u0000-\u001f\u007f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/.test(name);
}

/** SHA-256(name || 0x0A || 0x01 || publicKey)[:4]: the signed-note key ID of an Ed25519 key. */
export function keyId(name: string, publicKey: Uint8Array): Uint8Array {
  const n = utf8ToBytes(name);
  const msg = new Uint8Array(n.length + 2 + publicKey.length);
  msg.set(n);
  msg[n.length] = 0x0a;
  msg[n.length + 1] = 0x01;
  msg.set(publicKey, n.length + 2);
  return sha256(msg).subarray(0, 4);
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** The verifier key: name+hex(key ID)+base64(0x01 || public key). */
export function vkey(name: string, publicKey: Uint8Array): string {
  return `${name}+${hex(keyId(name, publicKey))}+${toBase64(new Uint8Array([1, ...publicKey]))}`;
}

export interface VerifierKey {
  name: string;
  id: Uint8Array;
  publicKey: Uint8Array;
}

/** name+keyid+base64: the name and ID end at the first two '+' (base64 may hold more). */
function keyParts(v: string): { name: string; idHex: string; key: Uint8Array | null } | null {
  const a = v.indexOf('+');
  const b = v.indexOf('+', a + 1);
  if (a < 0 || b < 0) return null;
  return { name: v.slice(0, a), idHex: v.slice(a + 1, b), key: fromBase64(v.slice(b + 1)) };
}

/** A vkey read back, or why it is not one (an Ed25519 one, whose ID matches its name and key). */
export function parseVkey(v: string): VerifierKey | string {
  const parts = keyParts(v);
  if (!parts) return 'a verifier key is name+keyid+key';
  const { name, idHex, key } = parts;
  if (!validKeyName(name)) return `the key name ${JSON.stringify(name)} is not allowed (empty, or with a space or '+')`;
  if (!/^[0-9a-f]{8}$/.test(idHex)) return 'the key ID is not 8 lowercase hex digits';
  if (!key || key.length !== 33 || key[0] !== 1) return 'the key is not base64 of 0x01 and a 32-byte Ed25519 public key';
  const publicKey = key.subarray(1);
  if (hex(keyId(name, publicKey)) !== idHex) return 'the key ID does not match the name and key';
  if (!ed25519.utils.isValidPublicKey(publicKey, false)) return 'the key is not a valid Ed25519 public key';
  return { name, id: keyId(name, publicKey), publicKey };
}

/** The checkpoint body (the note text): origin, size, base64 root, each line ending in a newline. */
export function checkpointBody(origin: string, size: number, root: Uint8Array): string {
  return `${origin}\n${size}\n${toBase64(root)}\n`;
}

/** The signed note: body, blank line, the signature line. */
export function signedNote(body: string, name: string, publicKey: Uint8Array, sig: Uint8Array): string {
  const blob = new Uint8Array(4 + sig.length);
  blob.set(keyId(name, publicKey));
  blob.set(sig, 4);
  return `${body}\n— ${name} ${toBase64(blob)}\n`;
}

/** Sign a checkpoint body with an Ed25519 secret key (deterministic: the same body always gives the same note). */
export function signCheckpoint(
  body: string,
  name: string,
  secretKey: Uint8Array,
  publicKey: Uint8Array,
): { note: string; sig: Uint8Array } {
  const sig = ed25519.sign(utf8ToBytes(body), secretKey);
  return { note: signedNote(body, name, publicKey, sig), sig };
}

/**
 * A private key in the signed-note form (golang.org/x/mod/sumdb/note, what `note.GenerateKey` writes):
 * PRIVATE+KEY+<name>+<key ID as 8 hex>+<base64(0x01 || 32-byte Ed25519 seed)>. The headless runner signs with one.
 */
export function privateKeyText(name: string, seed: Uint8Array): string {
  const publicKey = ed25519.getPublicKey(seed);
  return `PRIVATE+KEY+${name}+${hex(keyId(name, publicKey))}+${toBase64(new Uint8Array([1, ...seed]))}`;
}

export interface NotePrivateKey {
  name: string;
  seed: Uint8Array;
  publicKey: Uint8Array;
}

/** A signed-note private key read back (surrounding white space allowed), or why it is not one. Never throws. */
export function parsePrivateKey(text: string): NotePrivateKey | string {
  const t = text.trim();
  if (!t.startsWith('PRIVATE+KEY+')) return 'a key file holds one line PRIVATE+KEY+<name>+<key ID>+<base64 key> (the signed-note form)';
  const rest = t.slice('PRIVATE+KEY+'.length);
  // A name has no '+' (base64 may): name, then ID, then the key.
  const parts = keyParts(rest);
  if (!parts) return 'the key is not PRIVATE+KEY+<name>+<key ID>+<base64 key>';
  const { name, idHex, key } = parts;
  if (!validKeyName(name)) return `the key name ${JSON.stringify(name.slice(0, 60))} is not allowed (empty, or with a space or '+')`;
  if (!/^[0-9a-f]{8}$/.test(idHex)) return 'the key ID is not 8 lowercase hex digits';
  if (!key || key.length !== 33 || key[0] !== 1) return 'the key is not base64 of 0x01 and a 32-byte Ed25519 seed';
  const seed = key.slice(1);
  const publicKey = ed25519.getPublicKey(seed);
  if (hex(keyId(name, publicKey)) !== idHex) return 'the key ID does not match the name and key';
  return { name, seed, publicKey };
}

/** SHA-256 of the raw public key, hex: a key's fingerprint, to compare with the one its owner published. */
export function fingerprint(publicKey: Uint8Array): string {
  return hex(sha256(publicKey));
}

/**
 * An unsigned tree head (what the kernel emits; the page or the headless runner co-signs it): exactly a checkpoint
 * body, three lines, no signature. Its parts, or why it is not one. Never throws.
 */
export function openTreeHead(text: string): { origin: string; size: number; root: Uint8Array } | string {
  if (!text.endsWith('\n')) return 'the tree head does not end in a newline';
  if (text.includes('\n\n')) return 'an unsigned export holds tree heads without signatures, but this one has a signature block';
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 3) return 'a tree head is three lines (origin, size, root hash)';
  const [origin, sizeText, rootText] = lines;
  if (!origin) return 'the origin line is empty';
  if (!/^[1-9][0-9]{0,15}$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    return `the size line ${JSON.stringify(sizeText.slice(0, 20))} is not a decimal number without leading zeros`;
  const root = fromBase64(rootText);
  if (!root || root.length !== 32) return 'the root hash line is not the base64 of 32 bytes';
  if (checkpointBody(origin, Number(sizeText), root) !== text) return 'the tree head is not in canonical form';
  return { origin, size: Number(sizeText), root };
}

/** One signature line of a note: the key name, the 4-byte key ID and the signature bytes after it. */
export interface NoteSignature {
  name: string;
  id: Uint8Array;
  sig: Uint8Array;
}

/** A signed note read but not verified: its text (through the last blank line, exclusive) and its signature lines. */
export interface ParsedNote {
  text: string;
  signatures: NoteSignature[];
}

/**
 * Read a signed note (c2sp.org/signed-note, "Format"): the text ends in a newline and runs to the LAST blank line
 * (the text may hold blank lines), then one or more lines "— <key name> <base64(key ID || signature)>". Verifies
 * nothing; why not, in words. Never throws.
 */
export function parseNote(note: string): ParsedNote | string {
  const n = splitNote(note);
  if (typeof n === 'string') return n;
  const signatures = readSignatures(n.sigLines);
  return typeof signatures === 'string' ? signatures : { text: n.text, signatures };
}

/** A note's text and its signature lines, not yet read. */
function splitNote(note: string): { text: string; sigLines: string[] } | string {
  if (!note.endsWith('\n')) return 'the note does not end in a newline';
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) return 'the note holds a control character';
  // A note is UTF-8 (c2sp.org/signed-note): a lone surrogate would be signed as U+FFFD and shown as something else.
  if (/\p{Cs}/u.test(note)) return 'the note is not valid Unicode text (it holds a lone surrogate)';
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return 'the note has no blank line before its signatures';
  return { text: note.slice(0, split + 1), sigLines: note.slice(split + 2, -1).split('\n') };
}

/** The signature lines read: "— <key name> <base64(key ID || signature)>" each. */
function readSignatures(lines: string[]): NoteSignature[] | string {
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) return `a signature line is malformed: ${JSON.stringify(line.slice(0, 40))}`;
    const blob = fromBase64(m[2]);
    if (!blob || blob.length < 5) return 'a signature is not base64 of a key ID and a signature';
    signatures.push({ name: m[1], id: blob.subarray(0, 4), sig: blob.subarray(4) });
  }
  return signatures;
}

/**
 * The signature of `key` (by name and ID) in a note, verified over its text: signatures by other keys are ignored, as
 * the spec says; there must be one of ours and it must verify.
 */
function signatureBy(n: ParsedNote, key: VerifierKey): Uint8Array | string {
  let ours: Uint8Array | null = null;
  for (const s of n.signatures) {
    if (s.name !== key.name || hex(s.id) !== hex(key.id)) continue; // someone else's: ignored
    if (ours) return `two signatures by ${key.name}`;
    ours = s.sig;
  }
  if (!ours) return `no signature by the key ${key.name}+${hex(key.id)}`;
  if (ours.length !== 64) return `the signature by ${key.name} is not 64 bytes (Ed25519)`;
  if (!ed25519.verify(ours, utf8ToBytes(n.text), key.publicKey, { zip215: false })) return `the signature by ${key.name} does not verify`;
  return ours;
}

/** Open any signed note with the one key it must be signed by: its text, or why not. Never throws. */
export function openNote(note: string, key: VerifierKey): { text: string; sig: Uint8Array } | string {
  const n = parseNote(note);
  if (typeof n === 'string') return n;
  const sig = signatureBy(n, key);
  return typeof sig === 'string' ? sig : { text: n.text, sig };
}

export interface OpenedCheckpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  sig: Uint8Array;
  body: string;
}

/**
 * A checkpoint note read, nothing verified (c2sp.org/tlog-checkpoint, "Note text"): origin, decimal size without
 * leading zeros, base64 of a 32-byte root; and its signature lines. Extension lines are refused (this ledger never
 * writes them). Why not, in words. Never throws.
 */
export function parseCheckpoint(
  note: string,
): { origin: string; size: number; root: Uint8Array; body: string; signatures: NoteSignature[] } | string {
  // The body's lines first, then the signatures (a torn note is named by what is wrong with its text).
  const n = splitNote(note);
  if (typeof n === 'string') return n;
  const lines = n.text.slice(0, -1).split('\n');
  if (lines.length < 3) return 'the checkpoint has fewer than three lines (origin, size, root hash)';
  if (lines.length > 3) return 'the checkpoint has extension lines, which this ledger never writes';
  const [origin, sizeText, rootText] = lines;
  if (!origin) return 'the origin line is empty';
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    return `the size line ${JSON.stringify(sizeText.slice(0, 20))} is not a decimal number without leading zeros`;
  const root = fromBase64(rootText);
  if (!root || root.length !== 32) return 'the root hash line is not the base64 of 32 bytes';
  const signatures = readSignatures(n.sigLines);
  if (typeof signatures === 'string') return signatures;
  return { origin, size: Number(sizeText), root, body: n.text, signatures };
}

/**
 * Open a checkpoint note with the one key it must be signed by: the body's three lines read, and that key's
 * signature line verified (others ignored). Returns why not in words. Never throws.
 */
export function openCheckpoint(note: string, key: VerifierKey): OpenedCheckpoint | string {
  const c = parseCheckpoint(note);
  if (typeof c === 'string') return c;
  const sig = signatureBy({ text: c.body, signatures: c.signatures }, key);
  if (typeof sig === 'string') return sig;
  return { origin: c.origin, size: c.size, root: c.root, sig, body: c.body };
}
