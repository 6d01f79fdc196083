import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import {
  checkpointBody,
  fromBase64,
  keyId,
  ledgerOrigin,
  openCheckpoint,
  openNote,
  openTreeHead,
  parseCheckpoint,
  parseNote,
  parsePrivateKey,
  parseVkey,
  privateKeyText,
  signCheckpoint,
  signedNote,
  toBase64,
  vkey,
  type VerifierKey,
} from './note';

/*
 * The worked example of golang.org/x/mod/sumdb/note (note_test.go, the reference implementation of
 * c2sp.org/signed-note): the PeterNeumann key and its signed note. Ed25519 is deterministic (RFC 8032), so signing
 * the same text with the same key must reproduce the published signature byte for byte.
 */
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe('C2SP signed notes (note.ts)', () => {
  it('reads the Go reference vkey, derives its key ID, and reproduces its signed note byte for byte', () => {
    const k = parseVkey(GO_VKEY) as VerifierKey;
    expect(typeof k).toBe('object');
    expect(k.name).toBe('PeterNeumann');
    expect(Buffer.from(keyId('PeterNeumann', k.publicKey)).toString('hex')).toBe('c74f20a3');
    expect(vkey('PeterNeumann', k.publicKey)).toBe(GO_VKEY);
    const seed = fromBase64(GO_SKEY.split('+').slice(4).join('+'))!.subarray(1); // 0x01 || 32-byte seed
    expect(ed25519.getPublicKey(seed)).toEqual(k.publicKey);
    const sig = ed25519.sign(new TextEncoder().encode(GO_TEXT), seed);
    expect(signedNote(GO_TEXT, 'PeterNeumann', k.publicKey, sig)).toBe(GO_NOTE);
  });

  it('refuses vkeys that are not exactly right', () => {
    expect(parseVkey(GO_VKEY.replace('c74f20a3', 'c74f20a4'))).toBe('the key ID does not match the name and key');
    expect(parseVkey(GO_VKEY.replace('Peter', 'Pete r'))).toMatch(/is not allowed/);
    expect(parseVkey('PeterNeumann+c74f20a3')).toMatch(/name\+keyid\+key/);
    expect(parseVkey(GO_VKEY.replace('+ARpc', '+AhRpc'))).toMatch(/not base64 of 0x01/);
  });

  it('signs and opens a checkpoint; rejects edits, extension lines, a leading zero, and a note without our signature', () => {
    const sk = new Uint8Array(32).fill(7);
    const pk = ed25519.getPublicKey(sk);
    const origin = ledgerOrigin('Chat on one machine!', 2026);
    expect(origin).toBe('capplay.invalid/ledger/chat-on-one-machine/seed-2026');
    const key = parseVkey(vkey(origin, pk)) as VerifierKey;
    const root = new Uint8Array(32).map((_, i) => i);
    const body = checkpointBody(origin, 42, root);
    expect(body).toBe(`${origin}\n42\n${toBase64(root)}\n`);
    const { note } = signCheckpoint(body, origin, sk, pk);
    expect(openCheckpoint(note, key)).toMatchObject({ origin, size: 42, root });
    expect(openCheckpoint(note.replace('\n42\n', '\n43\n'), key)).toBe(`the signature by ${origin} does not verify`);
    expect(openCheckpoint(note.replace('\n42\n', '\n042\n'), key)).toMatch(/not a decimal number without leading zeros/);
    expect(openCheckpoint(note.replace(`${toBase64(root)}\n`, `${toBase64(root)}\nextra\n`), key)).toMatch(/extension lines/);
    // A cosignature by someone else is ignored (the spec says so); ours must still be there and verify.
    const other = signCheckpoint(body, 'witness.example', new Uint8Array(32).fill(9), ed25519.getPublicKey(new Uint8Array(32).fill(9)));
    const cosigned = note + other.note.slice(body.length + 1);
    expect(openCheckpoint(cosigned, key)).toMatchObject({ size: 42 });
    expect(openCheckpoint(other.note, key)).toBe(`no signature by the key ${origin}+${Buffer.from(key.id).toString('hex')}`);
    expect(openCheckpoint(note.slice(0, -1), key)).toBe('the note does not end in a newline');
    // A lone surrogate is not UTF-8: signed as U+FFFD, it would verify and be shown as another text.
    const fffd = signCheckpoint(checkpointBody('log\ufffdA', 42, root), origin, sk, pk).note;
    expect(openCheckpoint(fffd, key)).toMatchObject({ origin: 'log\ufffdA' });
    expect(openCheckpoint(fffd.replace('\ufffd', '\ud800'), key)).toBe('the note is not valid Unicode text (it holds a lone surrogate)');
    expect(fromBase64('AAA=')).toEqual(new Uint8Array([0, 0]));
    expect(fromBase64('AAB=')).toBeNull(); // non-canonical: trailing bits set
    expect(fromBase64('AA')).toBeNull();
  });

  it('reads and writes signed-note private keys (golang.org/x/mod/sumdb/note form), whatever base64 holds', () => {
    // Go's note.GenerateKey writes PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>; a seed whose base64 holds '+'.
    for (const byte of [0, 0xfb, 0xff]) {
      const seed = new Uint8Array(32).fill(byte);
      const text = privateKeyText('ci.example/k', seed);
      const pk = ed25519.getPublicKey(seed);
      expect(text).toBe(
        `PRIVATE+KEY+ci.example/k+${Buffer.from(keyId('ci.example/k', pk)).toString('hex')}+${toBase64(new Uint8Array([1, ...seed]))}`,
      );
      expect(parsePrivateKey(`${text}\n`)).toEqual({ name: 'ci.example/k', seed, publicKey: pk });
    }
    const good = privateKeyText('n', new Uint8Array(32).fill(0xfb));
    expect(good).toMatch(/\+[^+]*\+.*\+.*\+/); // the base64 itself has a '+'
    expect(parsePrivateKey('hello')).toMatch(/^a key file holds one line PRIVATE\+KEY/);
    expect(parsePrivateKey(good.replace(/\+[0-9a-f]{8}\+/, '+00000000+'))).toBe('the key ID does not match the name and key');
    expect(parsePrivateKey(good.slice(0, -4))).toMatch(/not base64 of 0x01 and a 32-byte Ed25519 seed/);
  });

  it('reads an unsigned tree head: exactly the three checkpoint lines', () => {
    const root = new Uint8Array(32).fill(7);
    const body = checkpointBody('o.example', 5, root);
    expect(openTreeHead(body)).toEqual({ origin: 'o.example', size: 5, root });
    expect(openTreeHead(`${body}\n— o.example AAAA\n`)).toMatch(/has a signature block/);
    expect(openTreeHead(body.replace('\n5\n', '\n05\n'))).toMatch(/without leading zeros/);
    expect(openTreeHead(body.slice(0, -1))).toMatch(/does not end in a newline/);
  });
});

/*
 * The C2SP specifications' own worked examples (github.com/C2SP/C2SP at 5ba5ee8, read from signed-note.md and
 * tlog-checkpoint.md). Node's Buffer decodes the base64 independently of note.ts's decoder.
 */
const b64 = (s: string) => Buffer.from(s, 'base64');
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe("the C2SP specs' examples", () => {
  // signed-note.md, "Verifier keys" → "Example": the one example with its public key.
  const FOO_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
  const FOO_NOTE =
    'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

  it('signed-note.md "Verifier keys / Example": the vkey parses, its key ID is SHA-256(name || 0x0A || 0x01 || key)[:4], and it verifies the note', () => {
    const k = parseVkey(FOO_VKEY) as VerifierKey;
    expect(typeof k).toBe('object');
    expect(k.name).toBe('example.com/foo');
    expect(hexOf(k.publicKey)).toBe(hexOf(b64('AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k').subarray(1)));
    expect(hexOf(keyId('example.com/foo', k.publicKey))).toBe('530d903a');
    expect(vkey('example.com/foo', k.publicKey)).toBe(FOO_VKEY);
    const opened = openNote(FOO_NOTE, k);
    expect(opened).toMatchObject({ text: 'This is an example message.\n' });
    expect(openNote(FOO_NOTE.replace('example message', 'exemple message'), k)).toBe('the signature by example.com/foo does not verify');
    // Not a checkpoint: one line of text.
    expect(openCheckpoint(FOO_NOTE, k)).toBe('the checkpoint has fewer than three lines (origin, size, root hash)');
  });

  it('signed-note.md, the opening example (no public key given): the text runs to the last blank line; name and key ID read', () => {
    const SIG = 'NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=';
    const text = 'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n';
    const n = parseNote(`${text}\n— quasimodo.example/salvatore ${SIG}\n`);
    if (typeof n === 'string') throw new Error(n);
    expect(n.text).toBe(text); // holds a blank line of its own: the signatures start after the last one
    expect(n.signatures).toHaveLength(1);
    expect(n.signatures[0].name).toBe('quasimodo.example/salvatore');
    expect(hexOf(n.signatures[0].id)).toBe(hexOf(b64(SIG).subarray(0, 4)));
    expect(hexOf(n.signatures[0].id)).toBe('367ba04b');
    expect(n.signatures[0].sig).toHaveLength(64); // an Ed25519 signature
    // "Verifiers MUST ignore signatures from unknown keys, even if they share a name": a key of that name, not its ID.
    const seed = new Uint8Array(32).fill(3);
    const other = parseVkey(vkey('quasimodo.example/salvatore', ed25519.getPublicKey(seed))) as VerifierKey;
    expect(openNote(`${text}\n— quasimodo.example/salvatore ${SIG}\n`, other)).toBe(
      `no signature by the key quasimodo.example/salvatore+${hexOf(other.id)}`,
    );
  });

  it('tlog-checkpoint.md, the opening example (example.com/behind-the-sofa, no public key given): origin, size, root, key name and ID', () => {
    const ROOT = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
    const SIG = 'Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=';
    const note = `example.com/behind-the-sofa\n20852163\n${ROOT}\n\n— example.com/behind-the-sofa ${SIG}\n`;
    const c = parseCheckpoint(note);
    if (typeof c === 'string') throw new Error(c);
    expect(c.origin).toBe('example.com/behind-the-sofa');
    expect(c.size).toBe(20852163);
    expect(hexOf(c.root)).toBe(hexOf(b64(ROOT)));
    expect(c.root).toHaveLength(32);
    expect(c.body).toBe(checkpointBody(c.origin, c.size, c.root));
    expect(c.signatures.map((s) => s.name)).toEqual(['example.com/behind-the-sofa']); // "SHOULD match the origin line"
    expect(hexOf(c.signatures[0].id)).toBe('033de0ae');
    expect(c.signatures[0].sig).toHaveLength(64);
    // tlog-cosignature.md's copy adds a witness's cosignature: key ID, then u64 timestamp || Ed25519 signature
    // (its section "Format" gives the same checkpoint's signed message with "time 1679315147").
    const W = 'jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==';
    const cosigned = parseCheckpoint(`${note}— witness.example.com/w1 ${W}\n`);
    if (typeof cosigned === 'string') throw new Error(cosigned);
    expect(cosigned.size).toBe(20852163);
    const w = cosigned.signatures[1];
    expect(w.name).toBe('witness.example.com/w1');
    expect(w.sig).toHaveLength(72);
    expect(Number(Buffer.from(w.sig).readBigUInt64BE(0))).toBe(1679315147);
    // A key named for the log but not the one that signed: its signature is ignored, and the note refused.
    const stranger = parseVkey(vkey('example.com/behind-the-sofa', ed25519.getPublicKey(new Uint8Array(32).fill(5)))) as VerifierKey;
    expect(openCheckpoint(note, stranger)).toBe(`no signature by the key example.com/behind-the-sofa+${hexOf(stranger.id)}`);
    expect(parseCheckpoint(note.replace('\n20852163\n', '\n020852163\n'))).toMatch(/not a decimal number without leading zeros/);
  });
});
