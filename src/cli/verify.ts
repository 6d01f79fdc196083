import { toHex, verifyExport } from '../kernel/ledger/ledger';
import { toBase64 } from '../kernel/ledger/note';

export interface VerifyIo {
  out(line: string): void;
  err(line: string): void;
}

/** The CLI reads files from disk: a far larger bound than an import in the page (1M records are ~250 MB). */
const CLI_MAX_CHARS = 2 ** 30;

/**
 * `capplay verify <export.jsonl> [--key <hex public key>]`: verify an exported ledger and say exactly what that
 * proves. Exit 0 when it verifies, 1 when it does not (the first bad entry and why on stderr).
 */
export function verifyFile(text: string, source: string, key: string | undefined, io: VerifyIo): number {
  const r = verifyExport(text, { collect: false, maxChars: CLI_MAX_CHARS, maxLines: 2 ** 26, ...(key ? { publicKey: key } : {}) });
  if (!r.ok) {
    const b = r.firstBad;
    io.err(`✕ ${source}: ${b.seq !== undefined ? `first bad entry ${b.seq} (line ${b.line})` : `line ${b.line}`}: ${b.reason}`);
    return 1;
  }
  const signer = r.vkey ?? toHex(r.publicKey);
  io.out(
    `✓ ${source}: ${r.count} entries, ${r.checkpoints.length} checkpoint${r.checkpoints.length === 1 ? '' : 's'} verified (record format ${r.version}${r.version === 3 ? ', RFC 6962 tree' : ', hash chain'})`,
  );
  if (r.count) io.out(`  ${r.version === 3 ? 'root' : 'head'} ${toBase64(r.head)} at ${r.count} entries`);
  io.out(`  signed by ${signer}`);
  io.out(
    key
      ? '  the key is the one you pinned: the file is what that key signed, unchanged'
      : '  no key was pinned (--key): this proves the file is intact under the key in its own header, not who signed it — a rewrite re-signed with another key verifies too',
  );
  io.out("  a capplay kernel's key derives from the scenario seed, which is public: its signature proves integrity, not authorship");
  return 0;
}
