import { describe, expect, it } from 'vitest';
import { KernelHost } from '../host';
import { consistencyProofProblem, inclusionProblem } from './proofs';

const text = (h: KernelHost, line: string) =>
  h
    .exec(line)
    .lines.map((l) => l.text)
    .join('\n');

describe('the WORM ledger from the shell and the host', () => {
  it('ledger verify checks the records, the tree and the signed checkpoints', () => {
    const h = new KernelHost(undefined, false);
    h.exec('spawn "idle"');
    expect(text(h, 'ledger verify')).toMatch(
      /^✓ \d+ entries, every hash matches its record; 0 signed checkpoints verified — Merkle roots and C2SP notes/,
    );
    expect(h.ledgerVerify()).toMatchObject({ ok: true, entries: h.kernel.ledger.length });
  });

  it('ledger prove and ledger consistency give RFC 6962 proofs that check out against the signed notes; altered ones do not', () => {
    const h = new KernelHost(undefined, false);
    for (let i = 0; i < 5; i++) h.exec('spawn "idle"');
    const l = h.kernel.ledger;
    const n = l.length;
    const proved = text(h, 'ledger prove 3');
    expect(proved).toMatch(new RegExp(`^entry 3 is leaf 2 of the tree of ${n} entries \\(RFC 6962 inclusion proof, \\d+ hashes\\)`));
    expect(proved).toContain('✓ the path leads from the leaf to the signed root');
    const json = JSON.parse(
      proved
        .split('\n')
        .at(-1)!
        .replace(/^proof: /, ''),
    );
    expect(json).toMatchObject({ format: 'capplay-ledger-proof', type: 'inclusion', seq: 3, index: 2, treeSize: n, vkey: l.vkey });
    expect(text(h, 'ledger consistency 4 ' + n)).toContain('✓ the path leads from the first signed root to the second');
    expect(text(h, 'ledger consistency 4 4')).toContain('✓');
    expect(text(h, 'ledger prove 0')).toMatch(/seq/);
    expect(text(h, `ledger consistency 5 ${n + 1}`)).toMatch(`ledger: b must be between 5 and ${n}, got ${n + 1} (column`);
    expect(text(h, 'ledger consistency 5 2')).toMatch(`ledger: b must be between 5 and ${n}, got 2 (column`);

    const p = l.proveInclusion(3);
    expect(inclusionProblem(p, l.vkey)).toBeNull();
    const flipped = { ...p, path: p.path.map((x, i) => (i === 0 ? x.map((b, j) => (j === 0 ? b ^ 1 : b)) : x)) };
    expect(inclusionProblem(flipped, l.vkey)).toBe('the path does not lead to the signed root');
    const otherLeaf = { ...p, leaf: l.proveInclusion(4).leaf };
    expect(inclusionProblem(otherLeaf, l.vkey)).toBe('the path does not lead to the signed root');
    const unsigned = { ...p, note: p.note.replace(/\n— .*\n$/, '\n— someone AAAAAAAA\n') };
    expect(inclusionProblem(unsigned, l.vkey)).toMatch(/^the checkpoint: (a signature is not|no signature by the key)/);
    const c = l.proveConsistency(2, n);
    expect(consistencyProofProblem(c, l.vkey)).toBeNull();
    expect(consistencyProofProblem({ ...c, fromNote: l.proveConsistency(3, n).fromNote }, l.vkey)).toMatch(/not for the sizes/);
    expect(consistencyProofProblem({ ...c, path: c.path.slice(1) }, l.vkey)).not.toBeNull();
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
    const text = h.ledgerExport();
    const altered = text.replace('"detail":"boot', '"detail":"Boot');
    for (const t of [text, altered]) {
      h.ledgerImportBegin();
      let last = { read: 0, stopped: false };
      for (let at = 0; at < t.length; at += 777) last = h.ledgerImportPiece(t.slice(at, at + 777));
      expect(last.read).toBe(t === text ? t.length : last.read);
      expect(h.ledgerImportEnd()).toEqual(h.ledgerImport(t));
    }
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

  it('ledger export hands the JSONL over as a download; importing it verifies, with this session’s key', () => {
    const h = new KernelHost(undefined, false);
    const r = h.exec('ledger export');
    expect(r.download?.name).toBe('capplay-ledger.jsonl');
    expect(h.ledgerImport(r.download!.text)).toEqual({
      ok: true,
      entries: h.kernel.ledger.length,
      checkpoints: 1,
      sameKey: true,
      format: 3,
    });
    // Same scenario and seed: the same bytes, signature included.
    expect(new KernelHost(undefined, false).ledgerExport()).toBe(h.ledgerExport());
    // Another seed signs with another key.
    const other = new KernelHost(undefined, false);
    other.boot(undefined, 99);
    expect(h.ledgerImport(other.ledgerExport())).toMatchObject({ ok: true, sameKey: false });
  });

  it('names the first bad entry of an altered export, and the tamper demo shows it', () => {
    const h = new KernelHost(undefined, false);
    const exported = h.ledgerExport();
    const lines = exported.split('\n');
    lines[12] = lines[12].replace('"detail":"', '"detail":"X');
    expect(h.ledgerImport(lines.join('\n'))).toMatchObject({ ok: false, seq: 12, line: 13, reason: expect.stringContaining('entry 12') });
    expect(text(h, 'ledger tamper 7')).toMatch(/verification of the copy: ✕ line 8, entry 7: .*hash/);
    expect(h.ledgerImport('not a ledger')).toMatchObject({ ok: false, line: 1 });
    expect(h.ledgerVerify().ok).toBe(true); // the demo touched a copy only
  });
});
