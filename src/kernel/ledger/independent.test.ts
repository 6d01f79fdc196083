import { createHash, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KernelHost } from '../host';

/*
 * An independent verifier of our exports and proofs, written from the specifications alone and sharing no code with
 * the ledger module (nothing here imports src/kernel/ledger; hashing and Ed25519 are Node's, not noble's):
 *
 *   - c2sp.org/signed-note: "<text>\n— <key name> <base64(key ID || signature)>\n", key ID =
 *     SHA-256(name || 0x0A || 0x01 || public key)[:4], vkey = name+hex(key ID)+base64(0x01 || public key);
 *   - c2sp.org/tlog-checkpoint: the text is "<origin>\n<decimal size>\n<base64 root>\n";
 *   - RFC 6962 §2.1: leaf hash SHA-256(0x00 || leaf), node SHA-256(0x01 || l || r), MTH split at the largest power
 *     of two below n; RFC 9162 §2.1.3.2 / §2.1.4.2: verifying inclusion and consistency proofs;
 *   - README.md / chain.ts's documented record format 3: leaf = "capplay-ledger/v3 entry" zero-padded to 63 bytes ||
 *     u64 seq || f64 time || str kind || f64 actor || f64 subject || f64 object || str detail || str facts
 *     (big-endian; str = u32 length || UTF-8; facts = canonical JSON, keys sorted, "" for none).
 *
 * The host only produces the files (its tree heads, co-signed here with a Node key as the page co-signs them with
 * WebCrypto, and the shell's proofs); everything checked is checked here.
 */

const sha = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());
const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const eq = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const u8 = (...xs: number[]) => new Uint8Array(xs);

function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  // An Ed25519 SubjectPublicKeyInfo is this 12-byte DER prefix then the raw 32-byte key (RFC 8410).
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
  return nodeVerify(null, message, createPublicKey({ key: spki, format: 'der', type: 'spki' }), signature);
}

function parseVkey(vkey: string) {
  const [name, idHex, key] = [vkey.slice(0, vkey.indexOf('+')), ...vkey.slice(vkey.indexOf('+') + 1).split(/\+(.*)/s)];
  const raw = b64(key);
  expect(raw[0], 'signature type 0x01 (Ed25519)').toBe(1);
  const publicKey = raw.subarray(1);
  const id = sha(Buffer.from(name), u8(0x0a, 0x01), publicKey).subarray(0, 4);
  expect(Buffer.from(id).toString('hex'), 'key ID').toBe(idHex);
  return { name, id, publicKey };
}

/** Open a checkpoint note: the signature line by our key verifies over the text; returns origin, size, root. */
/** An unsigned tree head (what the kernel's proofs carry): exactly the three checkpoint lines. */
function openHead(text: string) {
  const lines = text.split('\n');
  if (lines.length !== 4 || lines[3] !== '') return null;
  return { origin: lines[0], size: Number(lines[1]), root: b64(lines[2]) };
}

function openNote(note: string, key: ReturnType<typeof parseVkey>) {
  const split = note.lastIndexOf('\n\n');
  const text = note.slice(0, split + 1);
  const sigs = note
    .slice(split + 2)
    .split('\n')
    .filter(Boolean);
  const ours = sigs.map((l) => /^— (\S+) (\S+)$/.exec(l)!).find((m) => m[1] === key.name && eq(b64(m[2]).subarray(0, 4), key.id));
  if (!ours) return null;
  if (!ed25519Verify(key.publicKey, Buffer.from(text), b64(ours[2]).subarray(4))) return null;
  const [origin, size, root] = text.slice(0, -1).split('\n');
  return { origin, size: Number(size), root: b64(root) };
}

function leafOf(e: Record<string, unknown>): Uint8Array {
  const out: number[] = [...Buffer.from('capplay-ledger/v3 entry'.padEnd(63, '\0'), 'latin1')];
  const u32 = (x: number) => out.push(x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255);
  const f64 = (x: unknown) => {
    const v = typeof x === 'number' ? x : Number(x); // "NaN" / "Infinity" spelled as strings
    const b = Buffer.alloc(8);
    if (Number.isNaN(v)) b.writeUInt32BE(0x7ff80000, 0);
    else b.writeDoubleBE(v === 0 ? 0 : v);
    out.push(...b);
  };
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    u32(b.length);
    out.push(...b);
  };
  const seq = e.seq as number;
  u32(Math.floor(seq / 2 ** 32));
  u32(seq >>> 0);
  f64(e.time);
  str(e.kind as string);
  f64(e.actor);
  f64(e.subject);
  f64(e.object);
  str(e.detail as string);
  const facts = e.facts as Record<string, unknown> | undefined;
  str(
    facts
      ? JSON.stringify(
          Object.fromEntries(
            Object.keys(facts)
              .sort()
              .map((k) => [k, facts[k]]),
          ),
        )
      : '',
  );
  return new Uint8Array(out);
}

const leafHash = (leaf: Uint8Array) => sha(u8(0), leaf);
const node = (l: Uint8Array, r: Uint8Array) => sha(u8(1), l, r);

function mth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return node(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

/** RFC 9162 §2.1.3.2, as written there. */
function verifyInclusion(index: number, size: number, hash: Uint8Array, path: Uint8Array[], root: Uint8Array): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = hash;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = node(p, r);
      if (fn % 2 === 0)
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
    } else r = node(r, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && eq(r, root);
}

/** RFC 9162 §2.1.4.2, as written there. */
function verifyConsistency(first: number, second: number, firstHash: Uint8Array, secondHash: Uint8Array, proof: Uint8Array[]): boolean {
  if (first === second) return proof.length === 0 && eq(firstHash, secondHash);
  if (proof.length === 0) return false;
  const path = Number.isInteger(Math.log2(first)) ? [firstHash, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = node(c, fr);
      sr = node(c, sr);
      if (fn % 2 === 0)
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
    } else sr = node(sr, c);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return eq(fr, firstHash) && eq(sr, secondHash) && sn === 0;
}

describe('an independent verifier, written from the specs, checks our export and proofs', () => {
  const h = new KernelHost(undefined, false);
  for (let i = 0; i < 30; i++) h.exec(i % 3 ? 'spawn "idle"' : 'tick 2');
  // A co-signer's key, Node's: name+ID+key as c2sp.org/signed-note says, the 32 raw bytes from its SPKI.
  const pair = generateKeyPairSync('ed25519');
  const raw = new Uint8Array(pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
  const name = 'cosigner.example/test';
  const heads = h.ledgerHeads();
  const exported = h.ledgerExport({
    name,
    publicKey: raw,
    size: heads.size,
    sigs: heads.bodies.map((b) => new Uint8Array(nodeSign(null, Buffer.from(b), pair.privateKey))),
  });
  if (!('text' in exported)) throw new Error(exported.problem);
  const text = exported.text;
  const [headerLine, ...rest] = text.trimEnd().split('\n');
  const header = JSON.parse(headerLine);
  const key = parseVkey(header.vkey);
  const entries = rest.map((l) => JSON.parse(l)).filter((o) => 'seq' in o);
  const notes = rest
    .map((l) => JSON.parse(l))
    .filter((o) => 'checkpoint' in o)
    .map((o) => o.checkpoint as string);
  const leaves = entries.map((e) => leafHash(leafOf(e)));

  it('every entry hash is the RFC 6962 leaf hash of its documented encoding, and every checkpoint note verifies and signs the tree root', () => {
    expect(header.version).toBe(3);
    expect(key.name).toBe(name);
    expect(eq(key.publicKey, raw), "the vkey is the co-signer's").toBe(true);
    expect(entries.length).toBe(header.entries);
    entries.forEach((e, i) => expect(Buffer.from(leaves[i]).toString('hex'), `entry ${e.seq}`).toBe(e.hash));
    expect(notes.length).toBeGreaterThan(0);
    for (const n of notes) {
      const cp = openNote(n, key);
      expect(cp, 'the note verifies').not.toBeNull();
      expect(cp!.origin).toBe(header.origin);
      expect(Buffer.from(cp!.root).toString('base64')).toBe(Buffer.from(mth(leaves.slice(0, cp!.size))).toString('base64'));
    }
    expect(openNote(notes.at(-1)!, key)!.size).toBe(entries.length);
    // And it can fail: an edited note text or an edited record does not pass.
    expect(
      openNote(
        notes.at(-1)!.replace(/\n(\d+)\n/, (_, n) => `\n${Number(n) - 1}\n`),
        key,
      ),
    ).toBeNull();
    const edited = { ...entries[4], detail: entries[4].detail + '!' };
    expect(Buffer.from(leafHash(leafOf(edited))).toString('hex')).not.toBe(entries[4].hash);
  });

  it("an inclusion proof from `ledger prove` leads from the exported record to the root the export's signed note vouches for", () => {
    const seq = 11;
    const out = h.exec(`ledger prove ${seq}`).lines.map((l) => l.text);
    const proof = JSON.parse(out.at(-1)!.replace(/^proof: /, ''));
    expect(proof.vkey, 'the kernel signs no head').toBeNull();
    const cp = openHead(proof.checkpoint)!;
    expect(cp.size).toBe(proof.treeSize);
    // The head is the body of the export's last checkpoint, which the co-signer signed.
    const signed = openNote(notes.at(-1)!, key)!;
    expect([signed.size, Buffer.from(signed.root).toString('base64')]).toEqual([cp.size, Buffer.from(cp.root).toString('base64')]);
    const leaf = b64(proof.leaf);
    expect(eq(leaf, leafOf(entries[seq - 1])), 'the proof is about the exported record').toBe(true);
    const path = (proof.path as string[]).map(b64);
    expect(verifyInclusion(proof.index, proof.treeSize, leafHash(leaf), path, cp.root)).toBe(true);
    expect(verifyInclusion(proof.index + 1, proof.treeSize, leafHash(leaf), path, cp.root)).toBe(false);
    expect(verifyInclusion(proof.index, proof.treeSize, leafHash(leafOf(entries[seq])), path, cp.root)).toBe(false);
  });

  it('a consistency proof from `ledger consistency` shows the earlier signed tree is a prefix of the later', () => {
    const [a, b] = [7, entries.length];
    const out = h.exec(`ledger consistency ${a} ${b}`).lines.map((l) => l.text);
    const proof = JSON.parse(out.at(-1)!.replace(/^proof: /, ''));
    const [ca, cb] = (proof.checkpoints as string[]).map((n) => openHead(n)!);
    expect([ca.size, cb.size]).toEqual([a, b]);
    expect(eq(ca.root, mth(leaves.slice(0, a)))).toBe(true);
    const path = (proof.path as string[]).map(b64);
    expect(verifyConsistency(a, b, ca.root, cb.root, path)).toBe(true);
    expect(verifyConsistency(a, b, mth(leaves.slice(0, a - 1)), cb.root, path)).toBe(false);
    expect(verifyConsistency(a, b, ca.root, cb.root, path.slice(1))).toBe(false);
  });
});
