import { bytesToHex } from '@noble/hashes/utils.js';
import type { LedgerImport } from '../host-api';
import { ExportVerifier, verifyExport, type VerifyExportResult } from './jsonl';

/**
 * Verify an exported ledger (untrusted text) for people: how much checked out and whether it was signed by
 * this session's kernel key, or the first bad entry (its seq and line) and why.
 */
export function verifyLedgerText(text: string, sessionKey: Uint8Array): LedgerImport {
  return importResult(verifyExport(text, { collect: false }), sessionKey);
}

/** A streamed import reads files of any size a line at a time; this bounds the work (a 1M-record export is ~250 MB). */
export const MAX_STREAM_CHARS = 4 * 2 ** 30;

/** An import too big to read in one piece, verified as its pieces arrive (the page reads the file as a stream). */
export function ledgerImportStream(): ExportVerifier {
  return new ExportVerifier({ collect: false, maxChars: MAX_STREAM_CHARS, maxLines: 2 ** 26 });
}

/** A verification result, for people. */
export function importResult(r: VerifyExportResult, sessionKey: Uint8Array): LedgerImport {
  if (!r.ok)
    return {
      ok: false,
      line: r.firstBad.line,
      ...(r.firstBad.seq !== undefined ? { seq: r.firstBad.seq } : {}),
      reason: r.firstBad.reason,
    };
  return {
    ok: true,
    entries: r.count,
    checkpoints: r.checkpoints.length,
    sameKey: bytesToHex(r.publicKey) === bytesToHex(sessionKey),
    format: r.version,
  };
}

/** The tamper demo: flip one byte in entry `seq`'s detail in a copy of the export, and say what verification finds. */
export function tamperCopy(text: string, seq: number): { altered: string; line: number } | null {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`{"seq":${seq},`));
  if (at < 0) return null;
  const line = lines[at];
  const d = line.indexOf('"detail":"') + '"detail":"'.length;
  // A letter in the detail: the JSON stays valid, only the content changes, as a careful forger would do.
  let i = d;
  while (i < line.length && !/[a-z]/.test(line[i])) i++;
  if (i >= line.length) return null;
  const flipped = line[i] === 'a' ? 'b' : 'a';
  lines[at] = line.slice(0, i) + flipped + line.slice(i + 1);
  return { altered: lines.join('\n'), line: at + 1 };
}
