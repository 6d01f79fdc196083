import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cosignature } from './cosign';
import { ExportProver, ProvableExport, sizesText } from './exportProof';
import { Ledger } from './ledger';
import { verifyProofText } from './proofs';

const seed = new Uint8Array(32).fill(9);
const KEY = { name: 'co.example/signer', seed, publicKey: ed25519.getPublicKey(seed) };

describe('a proof file is untrusted input (verifyProofText never throws)', () => {
  it('random text, random JSON and edited proofs get a verdict, never an exception; an edit that verifies changed nothing it reports', () => {
    const l = new Ledger({ origin: 'capplay.invalid/ledger/fuzz/seed-3' });
    for (let i = 1; i <= 40; i++) l.append(i, 'spawn', i, 0, `r${i} é`);
    const prover = new ExportProver({}, 7);
    prover.push(l.exportJsonl(cosignature(l, KEY)));
    const r = prover.end();
    if (!r.ok) throw new Error(r.firstBad.reason);
    const made = r.export.inclusion(7);
    if (!made.ok) throw new Error(made.problem);
    const c = r.export.consistency(1, 40);
    const valid = [made.json, c.ok ? c.json : made.json];
    const verdictOf = (text: string) => {
      const v = verifyProofText(text, { publicKey: KEY.publicKey });
      expect(typeof v.ok).toBe('boolean');
      if (!v.ok) expect(v.reason.length).toBeGreaterThan(0);
      return v;
    };
    const json = fc.jsonValue({ maxDepth: 4 });
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (t) => void verdictOf(t)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(json, (j) => void verdictOf(JSON.stringify(j) ?? 'null')),
      { numRuns: 300 },
    );
    // A field of a real proof replaced by any JSON value, or one character of it changed.
    fc.assert(
      fc.property(fc.nat(1), fc.nat(20), json, (which, field, value) => {
        const o = JSON.parse(valid[which]) as Record<string, unknown>;
        const key = Object.keys(o)[field % Object.keys(o).length];
        o[key] = value;
        const v = verdictOf(JSON.stringify(o));
        if (v.ok) expect(JSON.stringify(v)).toBe(JSON.stringify(verifyProofText(valid[which], { publicKey: KEY.publicKey })));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.nat(1), fc.nat(), fc.integer({ min: 1, max: 0xffff }), (which, at, code) => {
        const t = valid[which];
        const i = at % t.length;
        const edited = t.slice(0, i) + String.fromCharCode(code) + t.slice(i + 1);
        const v = verdictOf(edited);
        if (v.ok && edited !== t) expect(JSON.parse(edited)).toEqual(JSON.parse(t)); // only a spelling of the same JSON
      }),
      { numRuns: 500 },
    );
  });
});

describe('proofs from an export (exportProof.ts)', () => {
  it("rebuilds the ledger's own tree from the export's leaf hashes: the same paths and roots as the ledger's proofs", () => {
    // Three tree heads (8192, 16384, 20000), sealed segments, a tree deeper than the kept-node level.
    const l = new Ledger({ origin: 'capplay.invalid/ledger/export-proof/seed-1' });
    for (let i = 1; i <= 20_000; i++) l.append(i, 'spawn', i, 0, `r${i}`);
    const text = l.exportJsonl(cosignature(l, KEY));
    const seqs = [1, 2, 4096, 8192, 8193, 12_345, 16_384, 19_999, 20_000];
    for (const seq of seqs) {
      const prover = new ExportProver({}, seq);
      for (let at = 0; at < text.length; at += 1 << 20) prover.push(text.slice(at, at + (1 << 20)));
      const r = prover.end();
      if (!r.ok) throw new Error(r.firstBad.reason);
      expect(r.export.sizes).toEqual([8192, 16_384, 20_000]);
      for (const size of r.export.sizes.filter((s) => s >= seq)) {
        const made = r.export.inclusion(seq, size);
        if (!made.ok) throw new Error(made.problem);
        const own = l.proveInclusion(seq, size);
        expect(made.proof.path).toEqual(own.path);
        expect(made.proof.root).toEqual(own.root);
        expect(made.proof.leaf).toEqual(own.leaf);
        expect(verifyProofText(made.json, { publicKey: KEY.publicKey })).toMatchObject({ ok: true, seq, treeSize: size });
      }
    }
    const prover = new ExportProver({});
    prover.push(text);
    const r = prover.end();
    if (!r.ok) throw new Error(r.firstBad.reason);
    const c = r.export.consistency(8192, 20_000);
    if (!c.ok) throw new Error(c.problem);
    expect(c.proof.path).toEqual(l.proveConsistency(8192, 20_000).path);
    expect(verifyProofText(c.json)).toMatchObject({ ok: true, type: 'consistency', from: 8192, to: 20_000 });
    // No record was asked for: an inclusion proof cannot be made (its leaf input was not kept).
    expect(r.export.inclusion(5)).toMatchObject({ ok: false, usage: true });
  });

  it('checks each proof before handing it out: a tree that does not match the signed note gives no proof', () => {
    const l = new Ledger({ origin: 'capplay.invalid/ledger/export-proof/seed-2', checkpointEvery: 4 });
    for (let i = 1; i <= 6; i++) l.append(i, 'spawn', i, 0, `r${i}`);
    const text = l.exportJsonl(cosignature(l, KEY));
    const prover = new ExportProver({}, 2);
    prover.push(text);
    const r = prover.end();
    if (!r.ok) throw new Error(r.firstBad.reason);
    expect(r.export.inclusion(2)).toMatchObject({ ok: true });
    // The same verified export, notes and record, over leaf hashes of which one (entry 5's) is wrong.
    const leaves = new Uint8Array(6 * 32);
    for (let s = 1; s <= 6; s++) leaves.set(l.proveInclusion(s).leafHash, (s - 1) * 32);
    leaves[4 * 32] ^= 1;
    const notes = new Map(
      text
        .trimEnd()
        .split('\n')
        .map((x) => JSON.parse(x) as { checkpoint?: string })
        .filter((o) => o.checkpoint)
        .map((o) => [Number(o.checkpoint!.split('\n')[1]), o.checkpoint!]),
    );
    const record = l.page(2, 1)[0];
    const wrong = new ProvableExport(r.export.verified, leaves, notes, record);
    expect(wrong.inclusion(2, 6)).toEqual({
      ok: false,
      usage: false,
      problem: "the proof made does not check out: the path does not lead to the tree head's root",
    });
    expect(wrong.inclusion(2, 4)).toMatchObject({ ok: true }); // entry 5 is not in the tree of 4
    expect(wrong.consistency(4, 6)).toMatchObject({ ok: false, usage: false });
  });

  it('names the sizes it has, briefly when there are many', () => {
    expect(sizesText([4], 4)).toBe('one, at 4');
    expect(sizesText([4, 8, 11], 4)).toBe('checkpoints at 4, 8 and 11');
    expect(sizesText([...Array.from({ length: 122 }, (_, i) => (i + 1) * 8192), 1_000_000], 8192)).toBe(
      '123 checkpoints, at 8192, 16384, 24576, …, 999424 and 1000000 (every 8192 entries, and the last)',
    );
  });
});
