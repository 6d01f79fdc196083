import { toHex, verifyExport } from '../kernel/ledger/ledger';
import { toBase64 } from '../kernel/ledger/note';
import { signerOf } from '../kernel/ledger/verifyText';

export interface VerifyIo {
  out(line: string): void;
  err(line: string): void;
}

/** The CLI reads files from disk: a far larger bound than an import in the page (1M records are ~250 MB). */
const CLI_MAX_CHARS = 2 ** 30;

/**
 * `capplay verify <export.jsonl> [--key <hex public key>] [--key-file <PRIVATE+KEY file>]`: verify an exported ledger
 * and say exactly what that proves: which key signed it (name, key ID, fingerprint), whether it is the key pinned
 * (--key) or your own (--key-file: the key this runner signs with), a seed-derived key anyone can compute, an
 * unknown one, or none. Exit 0 when it verifies, 1 when it does not (the first bad entry and why on stderr).
 */
export function verifyFile(text: string, source: string, key: string | undefined, io: VerifyIo, own: Uint8Array | null = null): number {
  const r = verifyExport(text, { collect: false, maxChars: CLI_MAX_CHARS, maxLines: 2 ** 26, ...(key ? { publicKey: key } : {}) });
  if (!r.ok) {
    const b = r.firstBad;
    io.err(`✕ ${source}: ${b.seq !== undefined ? `first bad entry ${b.seq} (line ${b.line})` : `line ${b.line}`}: ${b.reason}`);
    return 1;
  }
  io.out(
    `✓ ${source}: ${r.count} entries, ${r.checkpoints.length} checkpoint${r.checkpoints.length === 1 ? '' : 's'} verified (record format ${r.version}${r.version === 3 ? ', RFC 6962 tree' : ', hash chain'})`,
  );
  if (r.count) io.out(`  ${r.version === 3 ? 'root' : 'head'} ${toBase64(r.head)} at ${r.count} entries`);
  // A pinned key (--key) that the file verified under is the one to name, as --key-file's is.
  const pinned = !own && key && r.publicKey ? r.publicKey : null;
  const s = signerOf(r, own ?? pinned, {
    key: own ? 'your key (--key-file)' : pinned ? 'the key you pinned (--key)' : 'a key you gave (no --key-file)',
    proves: pinned
      ? 'the file is what that key signed, unchanged (whose key it is, you know, not the file)'
      : 'the file is what your key signed, unchanged',
  });
  io.out(`  ${s.proves}`);
  if (r.publicKey) {
    if (r.vkey) io.out(`  vkey ${r.vkey}`);
    else io.out(`  public key ${toHex(r.publicKey)}`);
  }
  return 0;
}
