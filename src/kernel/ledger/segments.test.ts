import { describe, expect, it } from 'vitest';
import { LEDGER_KINDS, type LedgerKind } from '../sab/layout';
import { Ledger } from './ledger';
import { FileSegmentStore, type SyncFile } from './segments';

/** A file in memory with the sync access handle's read/write/truncate, and a switch to refuse writes. */
class FakeFile implements SyncFile {
  bytes = new Uint8Array(1 << 16);
  size = 0;
  refuse = false;
  read(buffer: Uint8Array, { at }: { at: number }): number {
    const n = Math.max(0, Math.min(buffer.length, this.size - at));
    buffer.set(this.bytes.subarray(at, at + n));
    return n;
  }
  write(buffer: Uint8Array, { at }: { at: number }): number {
    if (this.refuse) throw new Error('QuotaExceededError');
    while (at + buffer.length > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes.set(buffer, at);
    this.size = Math.max(this.size, at + buffer.length);
    return buffer.length;
  }
  truncate(size: number): void {
    this.size = size;
  }
}

const KINDS = LEDGER_KINDS as readonly LedgerKind[];
function fill(l: Ledger, n: number): Ledger {
  for (let i = 0; i < n; i++)
    l.append(i * 0.5, KINDS[i % KINDS.length], i % 9, i % 13, `record ${i}: ${'→'.repeat(i % 3)} ${i % 7 ? 'granted' : 'denied'}`, i % 4);
  return l;
}

describe('sealed ledger segments in a file', () => {
  it('a ledger over a file gives back exactly what a ledger in memory does, and keeps only its hot segment resident', () => {
    const file = new FakeFile();
    const store = new FileSegmentStore(file);
    const onFile = fill(new Ledger({ segmentRecords: 64, checkpointEvery: 50, store }), 1000);
    const inMemory = fill(new Ledger({ segmentRecords: 64, checkpointEvery: 50 }), 1000);
    expect(onFile.page(1, 1000)).toEqual(inMemory.page(1, 1000));
    expect(onFile.page(130, 3)).toEqual(inMemory.page(130, 3));
    expect(onFile.seqsOfKind('deny')).toEqual(inMemory.seqsOfKind('deny'));
    expect(onFile.exportJsonl()).toBe(inMemory.exportJsonl());
    expect(onFile.verify()).toEqual({ ok: true, entries: 1000, checkpoints: 20 });
    expect(store.usage().live).toBe(file.size);
    expect(store.residentBytes).toBe(0);
    expect(onFile.storage).toMatch(/in a file/);
    // Resident: the hot records and at most a few cached segments, plus a byte a record for the kinds and about
    // one for the Merkle tree's kept nodes (a node per 64 leaves from level 6 up: 2/64 nodes of 32 bytes a record).
    const longer = fill(new Ledger({ segmentRecords: 64, store }), 20_000);
    longer.page(1, 64);
    expect(longer.residentBytes()).toBeLessThan(64 * 160 + 64 * 32 + 4 * 64 * 200 + 20_000 + 20_000 * 1.25);
    expect(inMemory.residentBytes()).toBeGreaterThan(onFile.residentBytes());
  });

  it('a block altered in the file is caught by verify, at the exact entry', () => {
    const file = new FakeFile();
    const l = fill(new Ledger({ segmentRecords: 64, checkpointEvery: 50, store: new FileSegmentStore(file) }), 200);
    // The first block holds records 1..64 and ends with the last byte of record 64's detail; a store of its own
    // that holds only those records says how long it is.
    const alone = new FileSegmentStore(new FakeFile());
    fill(new Ledger({ segmentRecords: 64, store: alone }), 64);
    const blockBytes = alone.usage().file;
    expect(blockBytes).toBeGreaterThan(64 * 50);
    file.bytes[blockBytes - 1] ^= 1;
    expect(l.verify().firstBad).toEqual({ seq: 64, reason: 'entry 64: contents do not match its hash — altered after it was written' });
  });

  it("a forgotten ledger's space is reused, so the file grows with the live ledgers only", () => {
    const file = new FakeFile();
    const store = new FileSegmentStore(file);
    const a = fill(new Ledger({ segmentRecords: 64, store }), 640);
    const size = file.size;
    store.forget(a);
    expect(store.usage().live).toBe(0);
    const b = fill(new Ledger({ segmentRecords: 64, store }), 640);
    expect(file.size).toBe(size);
    expect(b.verify().ok).toBe(true);
  });

  it('a file that refuses a write (a full disk) loses nothing: blocks stay in memory from then on', () => {
    const file = new FakeFile();
    const store = new FileSegmentStore(file);
    const l = new Ledger({ segmentRecords: 64, checkpointEvery: 50, store });
    fill(l, 300);
    file.refuse = true;
    for (let i = 300; i < 700; i++) l.append(i, 'grant', 1, 2, `after the disk filled ${i}`);
    expect(l.length).toBe(700);
    expect(l.verify()).toEqual({ ok: true, entries: 700, checkpoints: 14 });
    expect(l.page(650, 1)[0].detail).toBe('after the disk filled 649');
    expect(store.residentBytes).toBeGreaterThan(0);
    expect(l.storage).toMatch(/refused a write \(QuotaExceededError\); since then in memory/);
  });
});
