import { describe, expect, it } from 'vitest';
import { KernelHost } from '../host';

const text = (h: KernelHost, line: string) =>
  h
    .exec(line)
    .lines.map((l) => l.text)
    .join('\n');

describe('the WORM ledger from the shell and the host', () => {
  it('ledger verify checks the chain and the signed checkpoints', () => {
    const h = new KernelHost(undefined, false);
    h.exec('spawn "idle"');
    expect(text(h, 'ledger verify')).toMatch(/^✓ \d+ entries, hash chain intact; 0 signed checkpoints verified/);
    expect(h.ledgerVerify()).toMatchObject({ ok: true, entries: h.kernel.ledger.length });
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
      format: 2,
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
