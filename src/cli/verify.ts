import { fromHex } from '../kernel/ledger/chain';
import { toHex, verifyExport, type ExportBad } from '../kernel/ledger/ledger';
import { verifyProofText } from '../kernel/ledger/proofs';
import { toBase64 } from '../kernel/ledger/note';
import { signerOf } from '../kernel/ledger/verifyText';

export interface VerifyIo {
  out(line: string): void;
  err(line: string): void;
}

/** The CLI reads files from disk: a far larger bound than an import in the page (1M records are ~250 MB). */
const CLI_MAX_CHARS = 2 ** 30;
/** The limits `capplay verify` and `capplay prove` verify an export under. */
export const CLI_LIMITS = { collect: false, maxChars: CLI_MAX_CHARS, maxLines: 2 ** 26 } as const;

/** Where an export failed verification, as one line. */
export function badExportLine(source: string, b: ExportBad): string {
  return `✕ ${source}: ${b.seq !== undefined ? `first bad entry ${b.seq} (line ${b.line})` : `line ${b.line}`}: ${b.reason}`;
}

/**
 * `capplay verify <export.jsonl> [--key <hex public key>] [--key-file <PRIVATE+KEY file>]`: verify an exported ledger
 * and say exactly what that proves: which key signed it (name, key ID, fingerprint), whether it is the key pinned
 * (--key) or your own (--key-file: the key this runner signs with), a seed-derived key anyone can compute, an
 * unknown one, or none. Exit 0 when it verifies, 1 when it does not (the first bad entry and why on stderr).
 */
export function verifyFile(text: string, source: string, key: string | undefined, io: VerifyIo, own: Uint8Array | null = null): number {
  const r = verifyExport(text, { ...CLI_LIMITS, ...(key ? { publicKey: key } : {}) });
  if (!r.ok) {
    io.err(badExportLine(source, r.firstBad));
    return 1;
  }
  io.out(
    `✓ ${source}: ${r.count} entries, ${r.checkpoints.length} checkpoint${r.checkpoints.length === 1 ? '' : 's'} verified (record format ${r.version}${r.version === 3 ? ', RFC 6962 tree' : ', hash chain'})`,
  );
  if (r.count) io.out(`  ${r.version === 3 ? 'root' : 'head'} ${toBase64(r.head)} at ${r.count} entries`);
  signerLines(
    r,
    key,
    own,
    {
      by: 'every entry up to its last tree head is as that key signed it; a copy cut back at an earlier head that key signed verifies too, so check its size',
      subject: 'the file',
    },
    io,
  );
  return 0;
}

/**
 * Who signed (name, key ID, fingerprint) and what that proves, as Import… says it: a pinned key (--key) the file
 * verified under is named as such, as --key-file's is. `proves`: what a signature by that key shows ("… that key
 * signed …", said of your own key with "your key"), and what the statement is about (the file, the proof).
 */
export function signerLines(
  r: Parameters<typeof signerOf>[0],
  key: string | undefined,
  own: Uint8Array | null,
  proves: { by: string; subject: string },
  io: VerifyIo,
): void {
  const pinned = !own && key && r.publicKey ? r.publicKey : null;
  const s = signerOf(r, own ?? pinned, {
    key: own ? 'your key (--key-file)' : pinned ? 'the key you pinned (--key)' : 'a key you gave (no --key-file)',
    proves: pinned ? `${proves.by} — whose key it is, you know, not ${proves.subject}` : proves.by.replaceAll('that key', 'your key'),
  });
  io.out(`  ${s.proves}`);
  if (r.publicKey) {
    if (r.vkey) io.out(`  vkey ${r.vkey}`);
    else io.out(`  public key ${toHex(r.publicKey)}`);
  }
}

/**
 * `capplay verify <proof.json>`: a proof file (`capplay prove`, `ledger prove`, Copy proof) checked as a verifier
 * holding only it would (proofs.ts verifyProofText), and what it proves: which record is in which log at which size,
 * or that one tree is a prefix of another, under which key — or, unsigned, only that the path leads to that root.
 */
export function verifyProofFile(
  text: string,
  source: string,
  key: string | undefined,
  io: VerifyIo,
  own: Uint8Array | null = null,
): number {
  const r = verifyProofText(text.endsWith('\n') ? text.slice(0, -1) : text, key ? { publicKey: fromHex(key) } : {});
  if (!r.ok) {
    io.err(`✕ ${source}: the proof does not check out: ${r.reason}`);
    return 1;
  }
  const origin = JSON.stringify(r.origin);
  if (!r.vkey) {
    // Unsigned: anyone can make such a file (a one-leaf tree and its bare head), so nothing here is vouched for.
    io.out(
      r.type === 'inclusion'
        ? `unsigned proof ("vkey":null) — ${source}: the path from its leaf leads to root ${toBase64(r.root)}, of a bare tree head that names the log ${origin} at size ${r.treeSize}; nothing vouches for that root, the log or the record (entry ${r.seq}: ${r.record.kind}: ${r.record.detail})`
        : `unsigned proof ("vkey":null) — ${source}: the path leads from root ${toBase64(r.roots[0])} (size ${r.from}) to root ${toBase64(r.roots[1])} (size ${r.to}) of bare tree heads that name the log ${origin}; nothing vouches for either root`,
    );
    io.out('  check it against a signed checkpoint for the same size (capplay prove on a signed export)');
    return 0;
  }
  if (r.type === 'inclusion') {
    io.out(
      `✓ ${source}: entry ${r.seq} is leaf ${r.seq - 1} of the log ${origin} at tree size ${r.treeSize} (RFC 6962 inclusion proof, ${r.pathLength} hash${r.pathLength === 1 ? '' : 'es'})`,
    );
    io.out(`  the record: ${r.record.kind}: ${r.record.detail}`);
    io.out(`  root ${toBase64(r.root)} at ${r.treeSize} ${r.treeSize === 1 ? 'entry' : 'entries'}`);
  } else {
    io.out(
      `✓ ${source}: the log ${origin} at tree size ${r.from} is a prefix of it at ${r.to} (RFC 6962 consistency proof, ${r.pathLength} hash${r.pathLength === 1 ? '' : 'es'}): entries 1..${r.from} are the same in both`,
    );
    io.out(`  root ${toBase64(r.roots[0])} at ${r.from} entries, ${toBase64(r.roots[1])} at ${r.to}`);
  }
  const by =
    r.type === 'inclusion'
      ? `the record is in the tree that key signed at ${r.treeSize} entries`
      : `that key signed both tree heads, and the one at ${r.to} entries extends the one at ${r.from}`;
  signerLines({ publicKey: r.publicKey, vkey: r.vkey, origin: r.origin, version: 3 }, key, own, { by, subject: 'the proof' }, io);
  return 0;
}
