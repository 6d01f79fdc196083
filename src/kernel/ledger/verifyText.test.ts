import { ed25519 } from '@noble/curves/ed25519.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KernelHost } from '../host';
import { cosignature } from './cosign';
import { DEFAULT_CHECKPOINT_EVERY, Ledger, ledgerKeyFromSeed, verifyExport } from './ledger';
import { fingerprint, type NotePrivateKey } from './note';
import { consistencyProofProblem, inclusionProblem } from './proofs';

const keyOf = (name: string, byte: number): NotePrivateKey => {
  const seed = new Uint8Array(32).fill(byte);
  return { name, seed, publicKey: ed25519.getPublicKey(seed) };
};
/** Stands in for this installation's key (the page's is WebCrypto's: src/client/installationKey.test.ts). */
const MINE = keyOf('capplay.invalid/installation/test', 1);

/** The host's export co-signed the way the page does it: list the heads, sign their bodies, export. */
function signedExport(h: KernelHost, key: NotePrivateKey = MINE): string {
  const heads = h.ledgerHeads();
  const sigs = heads.bodies.map((b) => ed25519.sign(new TextEncoder().encode(b), key.seed));
  const r = h.ledgerExport({ name: key.name, publicKey: key.publicKey, size: heads.size, sigs });
  if (!('text' in r)) throw new Error(r.problem);
  return r.text;
}

/**
 * A forger's rewrite: the records of `text` with one detail changed, rebuilt into a fresh tree (every hash and root
 * recomputed) and signed with `key` under the file's origin — the attack a seed-derived key cannot stop.
 */
function forge(text: string, edit: (detail: string) => string, key: NotePrivateKey): string {
  const r = verifyExport(text);
  if (!r.ok) throw new Error(r.firstBad.reason);
  const l = new Ledger({ origin: r.origin!, checkpointEvery: r.checkpointEvery });
  r.entries.forEach((e, i) =>
    l.append(e.time, e.kind, e.actor, e.subject, i === r.entries.length - 1 ? edit(e.detail) : e.detail, e.object, e.facts),
  );
  return l.exportJsonl(cosignature(l, key));
}

const FIXTURES = new URL('./fixtures/', import.meta.url);

const text = (h: KernelHost, line: string) =>
  h
    .exec(line)
    .lines.map((l) => l.text)
    .join('\n');

/** The proof JSON a `ledger prove` prints as its last line. */
const proofLine = (out: string) =>
  JSON.parse(
    out
      .split('\n')
      .at(-1)!
      .replace(/^proof: /, ''),
  ) as Record<string, unknown>;

describe('the WORM ledger from the shell and the host', () => {
  it('ledger verify checks the records, the tree and the tree heads (the kernel signs none)', () => {
    const h = new KernelHost(undefined, false);
    h.exec('spawn "idle"');
    expect(text(h, 'ledger verify')).toMatch(
      /^✓ \d+ entries, every hash matches its record; 0 tree heads match the Merkle roots \(the kernel signs none/,
    );
    expect(h.ledgerVerify()).toMatchObject({ ok: true, entries: h.kernel.ledger.length });
  });

  it('ledger prove and ledger consistency give RFC 6962 proofs that check out against the unsigned tree heads; altered ones do not', () => {
    const h = new KernelHost(undefined, false);
    for (let i = 0; i < 5; i++) h.exec('spawn "idle"');
    const l = h.kernel.ledger;
    const n = l.length;
    const proved = text(h, 'ledger prove 3');
    expect(proved).toMatch(new RegExp(`^entry 3 is leaf 2 of the tree of ${n} entries \\(RFC 6962 inclusion proof, \\d+ hashes\\)`));
    expect(proved).toContain("✓ the path leads from the leaf to the tree head's root");
    const json = proofLine(proved);
    expect(json).toMatchObject({ format: 'capplay-ledger-proof', type: 'inclusion', seq: 3, index: 2, treeSize: n, vkey: null });
    expect(json.checkpoint).toBe(l.headBody(l.checkpointAt(n)));
    expect(text(h, 'ledger consistency 4 ' + n)).toContain('✓ the path leads from the first root to the second');
    expect(text(h, 'ledger consistency 4 4')).toContain('✓');
    expect(text(h, 'ledger prove 0')).toMatch(/seq/);
    expect(text(h, `ledger consistency 5 ${n + 1}`)).toMatch(`ledger: b must be between 5 and ${n}, got ${n + 1} (column`);
    expect(text(h, 'ledger consistency 5 2')).toMatch(`ledger: b must be between 5 and ${n}, got 2 (column`);

    const p = l.proveInclusion(3);
    expect(inclusionProblem(p)).toBeNull();
    const flipped = { ...p, path: p.path.map((x, i) => (i === 0 ? x.map((b, j) => (j === 0 ? b ^ 1 : b)) : x)) };
    expect(inclusionProblem(flipped)).toBe("the path does not lead to the tree head's root");
    const otherLeaf = { ...p, leaf: l.proveInclusion(4).leaf };
    expect(inclusionProblem(otherLeaf)).toBe("the path does not lead to the tree head's root");
    const withSig = { ...p, head: `${p.head}\n— someone AAAAAAAA\n` };
    expect(inclusionProblem(withSig)).toMatch(/^the checkpoint: an unsigned export holds tree heads without signatures/);
    // A proof checked against a co-signed note for the same size, under the co-signer's vkey.
    const note = verifyExport(signedExport(h), { collect: false });
    if (!note.ok) throw new Error(note.firstBad.reason);
    const signedNoteText = signedExport(h)
      .trimEnd()
      .split('\n')
      .map((x) => JSON.parse(x))
      .filter((o) => o.checkpoint)
      .at(-1).checkpoint as string;
    expect(inclusionProblem(p, note.vkey!, signedNoteText)).toBeNull();
    expect(
      inclusionProblem(
        p,
        note.vkey!,
        signedNoteText.replace(/ (\S)(\S*)\n$/, (_, c, r) => ` ${c === 'A' ? 'B' : 'A'}${r}\n`),
      ),
    ).toMatch(/^the checkpoint: /);
    const c = l.proveConsistency(2, n);
    expect(consistencyProofProblem(c)).toBeNull();
    expect(consistencyProofProblem({ ...c, fromHead: l.proveConsistency(3, n).fromHead })).toMatch(/not for the sizes/);
    expect(consistencyProofProblem({ ...c, path: c.path.slice(1) })).not.toBeNull();
  });

  it("ledger prove <seq> <size> proves a record in the tree at an earlier size, against that size's signed checkpoint", () => {
    const h = new KernelHost(undefined, false);
    for (let i = 0; i < 3; i++) h.exec('spawn "idle"');
    const l = h.kernel.ledger;
    const size = l.length;
    const earlier = signedExport(h); // an export made then: its last checkpoint is the co-signed head at `size`
    for (let i = 0; i < 3; i++) h.exec('spawn "idle"');
    const n = l.length;
    expect(n).toBeGreaterThan(size);
    const proved = text(h, `ledger prove 3 ${size}`);
    expect(proved).toMatch(new RegExp(`^entry 3 is leaf 2 of the tree of ${size} entries`));
    expect(proved).toContain(`(tree head for ${size} entries of ${l.origin}, unsigned)`);
    expect(proved).toContain("✓ the path leads from the leaf to the tree head's root");
    const json = proofLine(proved);
    expect(json).toMatchObject({ type: 'inclusion', seq: 3, treeSize: size, vkey: null, checkpoint: l.headBody(l.checkpointAt(size)) });
    // The same proof checks out against the earlier export's signed checkpoint, under its vkey.
    const r = verifyExport(earlier, { collect: false });
    if (!r.ok) throw new Error(r.firstBad.reason);
    const lastNote = earlier.trimEnd().split('\n').at(-1)!;
    const p = l.proveInclusion(3, size);
    expect(inclusionProblem(p, r.vkey!, JSON.parse(lastNote).checkpoint)).toBeNull();
    // ...and not against the head of the ledger as it is now: another size.
    expect(inclusionProblem(l.proveInclusion(3), r.vkey!, JSON.parse(lastNote).checkpoint)).toBe(
      `the checkpoint is for ${size} entries, the proof for ${n}`,
    );
    expect(text(h, `ledger prove 3 ${n}`)).toMatch(new RegExp(`of the tree of ${n} entries`));
    expect(text(h, 'ledger prove 3')).toMatch(new RegExp(`of the tree of ${n} entries`));
    expect(text(h, 'ledger prove 3 2')).toMatch(`ledger: size must be between 3 and ${n}, got 2 (column`);
    expect(text(h, `ledger prove 3 ${n + 1}`)).toMatch(`ledger: size must be between 3 and ${n}, got ${n + 1} (column`);
    expect(text(h, 'ledger prove 3 4 5')).toMatch(/^ledger: /);
  });

  it('the host proves a record for the ledger panel (the live ledger) and says whether the proof checks out', () => {
    const h = new KernelHost(undefined, false);
    h.exec('spawn "idle"');
    const n = h.kernel.ledger.length;
    const v = h.ledgerProve(2)!;
    expect(v).toMatchObject({ seq: 2, treeSize: n, problem: null });
    expect(v.path.length).toBeGreaterThan(0);
    expect(JSON.parse(v.json)).toMatchObject({ type: 'inclusion', seq: 2, treeSize: n });
    expect(h.ledgerProve(0)).toBeNull();
    expect(h.ledgerProve(n + 1)).toBeNull();
  });

  it('a big import streams: begin, pieces, end gives the verdict a whole import gives, for an honest and an altered file', () => {
    const h = new KernelHost(undefined, false);
    for (let i = 0; i < 3; i++) h.exec('spawn "idle"');
    const text = signedExport(h);
    const altered = text.replace('"detail":"boot', '"detail":"Boot');
    for (const t of [text, altered]) {
      h.ledgerImportBegin();
      let last = { read: 0, stopped: false };
      for (let at = 0; at < t.length; at += 777) last = h.ledgerImportPiece(t.slice(at, at + 777));
      expect(last.read).toBe(t === text ? t.length : last.read);
      expect(h.ledgerImportEnd(MINE.publicKey)).toEqual(h.ledgerImport(t, MINE.publicKey));
    }
    expect(h.ledgerImport(text, MINE.publicKey)).toMatchObject({ ok: true, signer: { kind: 'installation' } });
    expect(h.ledgerImport(altered)).toMatchObject({ ok: false, seq: 1, line: 2 });
    // Begin starts over; an end without pieces is an empty file.
    h.ledgerImportPiece('garbage');
    h.ledgerImportBegin();
    expect(h.ledgerImportEnd()).toMatchObject({ ok: false, reason: 'the file is empty: there is no header line' });
  });

  it('keeps a live status cheaply: verifyNew checks only what was appended since, and agrees with verify', () => {
    const h = new KernelHost(undefined, false);
    const first = h.kernel.ledger.verifyNew();
    expect(first).toMatchObject({ ok: true, entries: h.kernel.ledger.length });
    h.exec('spawn "idle"');
    h.exec('spawn "idle"');
    expect(h.kernel.ledger.verifyNew()).toEqual(h.kernel.ledger.verify());
    expect(h.ledgerVerify()).toMatchObject({ ok: true, entries: h.kernel.ledger.length });
  });

  it('checks a big burst a slice at a time, never all at once, and agrees with verify in the end', () => {
    const h = new KernelHost(undefined, false);
    h.ledgerVerify();
    for (let i = 0; i < 120_000; i++) h.kernel.record('grant', 1, 1, `burst ${i}`);
    const total = h.kernel.ledger.length;
    const first = h.ledgerVerify();
    expect(first).toMatchObject({ ok: true, total });
    expect(first.entries).toBeLessThan(total);
    let r = first;
    for (let i = 0; i < 30 && r.entries < total; i++) r = h.ledgerVerify();
    expect(r).toMatchObject({ ok: true, entries: total, total, checkpoints: h.kernel.ledger.verify().checkpoints });
  });

  it('ledger export asks the page to co-sign (the kernel holds no key); the host exports unsigned without a co-signature', () => {
    const h = new KernelHost(undefined, false);
    const r = h.exec('ledger export');
    expect(r.download).toEqual({ name: 'capplay-ledger.jsonl', ledger: true });
    const plain = h.ledgerExport();
    if (!('text' in plain)) throw new Error(plain.problem);
    expect(plain.text.split('\n', 1)[0]).toMatch(/"vkey":null\}$/);
    // Same scenario and seed: the same bytes (no signature is in what a replay compares).
    expect(new KernelHost(undefined, false).ledgerExport()).toEqual(plain);
    // A co-signature for a size the ledger does not have, or one that does not verify, is said, not thrown.
    expect(h.ledgerExport({ name: 'x', publicKey: MINE.publicKey, size: 1e9, sigs: [] })).toMatchObject({
      problem: expect.stringMatching(/holds/),
    });
    const heads = h.ledgerHeads();
    expect(
      h.ledgerExport({ name: MINE.name, publicKey: MINE.publicKey, size: heads.size, sigs: heads.bodies.map(() => new Uint8Array(64)) }),
    ).toEqual({
      problem: expect.stringMatching(/does not verify under the co-signer's key/),
    });
  });

  it('says exactly what each verification proves: this installation, an unknown key, a seed-derived one, an older export, unsigned', () => {
    const h = new KernelHost(undefined, false);
    h.exec('spawn "idle"');
    const mine = signedExport(h);
    const fp = fingerprint(MINE.publicKey);
    const own = h.ledgerImport(mine, MINE.publicKey);
    expect(own).toMatchObject({ ok: true, entries: h.kernel.ledger.length, checkpoints: 1, format: 3 });
    if (!own.ok) throw new Error(own.reason);
    expect(own.signer).toMatchObject({
      kind: 'installation',
      name: MINE.name,
      keyId: expect.stringMatching(/^[0-9a-f]{8}$/),
      fingerprint: fp,
    });
    expect(own.signer.proves).toBe(
      `signed by this installation's key ${MINE.name} (key ID ${own.signer.keyId}, fingerprint ${fp.slice(0, 16)}…): every entry up to its last tree head is as this browser signed it (the key cannot leave it); a copy cut back at an earlier head this browser signed (an export’s, or a copied proof’s) verifies too, so check that its size is the one you expect`,
    );
    // The same file in another installation: a key it does not know.
    const elsewhere = h.ledgerImport(mine, keyOf('other', 2).publicKey);
    expect(elsewhere).toMatchObject({ ok: true, signer: { kind: 'unknown', name: MINE.name } });
    if (elsewhere.ok)
      expect(elsewhere.signer.proves).toMatch(
        /^signed by capplay\.invalid\/installation\/test \(key ID [0-9a-f]{8}, fingerprint [0-9a-f]{16}…\), not this installation's key: integrity under that key; authorship unknown — compare the key ID with the one its author published$/,
      );
    expect(h.ledgerImport(mine)).toMatchObject({ ok: true, signer: { kind: 'unknown' } }); // no key of its own
    // Unsigned.
    const plain = h.ledgerExport();
    const u = h.ledgerImport('text' in plain ? plain.text : '', MINE.publicKey);
    expect(u).toMatchObject({ ok: true, signer: { kind: 'unsigned' } });
    if (u.ok) expect(u.signer.proves).toMatch(/^unsigned: .* anyone can rewrite an unsigned file/);
    // Exports from before this change: format 3 signed with the seed's key, and the older fixtures.
    const v3 = h.ledgerImport(readFileSync(new URL('v3-seed-export.jsonl', FIXTURES), 'utf8'), MINE.publicKey);
    expect(v3).toMatchObject({
      ok: true,
      entries: 51,
      format: 3,
      signer: { kind: 'seed', name: 'capplay.invalid/ledger/chat-on-one-machine/seed-2026' },
    });
    if (v3.ok)
      expect(v3.signer.proves).toMatch(
        /^signed by the key derived from seed 2026, .*: integrity only, not authorship — anyone with the scenario can make this signature/,
      );
    for (const [file, format] of [
      ['v2-export.jsonl', 2],
      ['v1-export.jsonl', 1],
    ] as const) {
      const r = h.ledgerImport(readFileSync(new URL(file, FIXTURES), 'utf8'), MINE.publicKey);
      expect(r, file).toMatchObject({ ok: true, format, signer: { kind: 'legacy' } });
      if (r.ok)
        expect(r.signer.proves).toMatch(
          new RegExp(
            `record format ${format}, from when every capplay kernel signed with a key derived from the public scenario seed: integrity only, not authorship$`,
          ),
        );
    }
  });

  it('a rewritten verdict re-signed with the seed key verifies, but only as integrity: never as this installation’s', () => {
    const h = new KernelHost(undefined, false);
    h.exec('spawn "idle"');
    h.exec('defense gate0 off');
    const mine = signedExport(h);
    const seedKey = ledgerKeyFromSeed(h.seed);
    const seed = { name: h.kernel.ledger.origin, seed: seedKey, publicKey: ed25519.getPublicKey(seedKey) };
    const forged = forge(mine, (d) => d.replace('off', 'on'), seed);
    expect(forged).not.toBe(mine);
    expect(h.ledgerImport(mine, MINE.publicKey)).toMatchObject({ ok: true, signer: { kind: 'installation' } });
    const r = h.ledgerImport(forged, MINE.publicKey);
    expect(r).toMatchObject({ ok: true, signer: { kind: 'seed' } });
    if (r.ok) expect(r.signer.proves).toContain('integrity only, not authorship');
    // The same rewrite signed with a fresh key of the forger's: an unknown key, with its ID to compare.
    expect(
      h.ledgerImport(
        forge(mine, (d) => d + '!', keyOf('capplay.invalid/installation/test', 9)),
        MINE.publicKey,
      ),
    ).toMatchObject({
      ok: true,
      signer: { kind: 'unknown' },
    });
    // And the rewrite without re-signing is located at its entry.
    const lines = mine.split('\n');
    const last = lines.findLastIndex((x) => x.startsWith('{"seq"'));
    lines[last] = lines[last].replace('off', 'on');
    expect(h.ledgerImport(lines.join('\n'), MINE.publicKey)).toMatchObject({ ok: false, seq: last, line: last + 1 });
    expect(DEFAULT_CHECKPOINT_EVERY).toBeGreaterThan(lines.length); // one checkpoint: the rewrite is in its window
  });

  it('an old seed-signed format 3 export still locates tampering at the first bad entry', () => {
    const h = new KernelHost(undefined, false);
    const old = readFileSync(new URL('v3-seed-export.jsonl', FIXTURES), 'utf8').split('\n');
    old[20] = old[20].replace('"detail":"', '"detail":"X');
    expect(h.ledgerImport(old.join('\n'))).toMatchObject({ ok: false, seq: 20, line: 21, reason: expect.stringContaining('entry 20') });
  });

  it('names the first bad entry of an altered export, and the tamper demo shows it', () => {
    const h = new KernelHost(undefined, false);
    const exported = signedExport(h);
    const lines = exported.split('\n');
    lines[12] = lines[12].replace('"detail":"', '"detail":"X');
    expect(h.ledgerImport(lines.join('\n'))).toMatchObject({ ok: false, seq: 12, line: 13, reason: expect.stringContaining('entry 12') });
    expect(text(h, 'ledger tamper 7')).toMatch(/verification of the copy: ✕ line 8, entry 7: .*hash/);
    expect(h.ledgerImport('not a ledger')).toMatchObject({ ok: false, line: 1 });
    expect(h.ledgerVerify().ok).toBe(true); // the demo touched a copy only
  });
});
