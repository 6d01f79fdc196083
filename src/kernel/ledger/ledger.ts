import type { LedgerEntry, LedgerKind } from '../sab/layout';

/**
 * The audit ledger: append-only, one record per spawn, exit, kill, grant, release, mint, close, revoke, denial,
 * defense toggle, verdict and clock change.
 * There is no modify or delete API. Records carry virtual time, so a replay reproduces the ledger exactly.
 */
export class Ledger {
  private records: LedgerEntry[] = [];

  get length(): number {
    return this.records.length;
  }

  append(time: number, kind: LedgerKind, actor: number, subject: number, detail: string, object = 0): LedgerEntry {
    const entry: LedgerEntry = Object.freeze({ seq: this.records.length + 1, time, kind, actor, subject, object, detail });
    this.records.push(entry);
    return entry;
  }

  /** Records with seq in [from, from + count). */
  page(from: number, count: number): LedgerEntry[] {
    const start = Math.max(0, from - 1);
    return this.records.slice(start, start + Math.max(0, count));
  }

  last(n: number): LedgerEntry[] {
    return this.records.slice(Math.max(0, this.records.length - n));
  }
}
