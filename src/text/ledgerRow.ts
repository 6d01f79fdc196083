import { plainText } from './sanitize';

/**
 * A ledger record as its row reads, shared by the ledger panel (which shows it) and the kernel worker (which
 * searches the whole ledger), so what a search matches is exactly what the row shows.
 */

/** The record's actor as the row shows it: a pid, or the kernel (pid 0). */
export const actorText = (pid: number): string => (pid ? String(pid) : 'kernel');

/** Whether a record's row matches a search. */
export type LedgerMatch = (kind: string, actor: number, detail: string) => boolean;

/** Every character a pattern gives a meaning to: escaped, each is only itself. */
const SYNTAX = /[\\^$.*+?()[\]{}|/]/g;

/**
 * A text search: the query as a substring of a record's kind, actor or cleaned detail (each on its own, so a
 * match never straddles two cells), case aside (Unicode case folding). The query is plain text, never a
 * pattern: it is escaped whole, so nothing in it is special. Null when the query is blank (no search).
 */
export function ledgerMatcher(query: string): LedgerMatch | null {
  const text = String(query);
  if (!text.trim()) return null;
  // A case-insensitive regex over the text as it is, rather than lowercasing every detail: a third of the time.
  const re = new RegExp(text.replace(SYNTAX, '\\$&'), 'iu');
  const kinds = new Map<string, boolean>();
  const kindMatches = (kind: string) => {
    let m = kinds.get(kind);
    if (m === undefined) kinds.set(kind, (m = re.test(kind)));
    return m;
  };
  return (kind, actor, detail) => kindMatches(kind) || re.test(actorText(actor)) || re.test(plainText(detail));
}
