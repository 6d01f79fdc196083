import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { LedgerImport, LedgerSigner } from '../host-api';
import { ExportVerifier, verifyExport, type VerifyExportResult } from './jsonl';
import { DEFAULT_SIGNING_KEY, ledgerKeyFromSeed } from './ledger';
import { fingerprint, keyId, parseVkey } from './note';

/**
 * Verify an exported ledger (untrusted text) for people: how much checked out and what the signature proves (whose
 * key: this installation's, an unknown one, a seed-derived one, none), or the first bad entry (its seq and line) and why.
 * `installationKey`: this installation's public key (32 bytes), when there is one.
 */
export function verifyLedgerText(text: string, installationKey: Uint8Array | null): LedgerImport {
  return importResult(verifyExport(text, { collect: false }), installationKey);
}

/** A streamed import reads files of any size a line at a time; this bounds the work (a 1M-record export is ~250 MB). */
export const MAX_STREAM_CHARS = 4 * 2 ** 30;

/** An import too big to read in one piece, verified as its pieces arrive (the page reads the file as a stream). */
export function ledgerImportStream(): ExportVerifier {
  return new ExportVerifier({ collect: false, maxChars: MAX_STREAM_CHARS, maxLines: 2 ** 26 });
}

/** A verification result, for people. */
export function importResult(r: VerifyExportResult, installationKey: Uint8Array | null): LedgerImport {
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
    signer: signerOf(r, installationKey),
    format: r.version,
  };
}

/** The seeds an origin names (ledgerOrigin: ".../seed-<seed>"): a seed is a number, as the kernel's are. */
function seedsNamedBy(origin: string | undefined): number[] {
  const m = origin === undefined ? null : /\/seed-([0-9]{1,16})$/.exec(origin);
  return m && Number.isSafeInteger(Number(m[1])) ? [Number(m[1])] : [];
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Whose signature a verified export carries, and what that proves, in words. A key anyone can compute (the one
 * derived from the seed its origin names, or the old public demo key) proves only that nothing changed since some
 * holder of the scenario signed; an unknown key proves integrity under that key; only this installation's key,
 * which never leaves this browser (non-extractable), says it was exported here.
 */
export function signerOf(
  /** A verified export, or what a proof carries of one (its key, vkey and origin). */
  r: Pick<VerifyExportResult & { ok: true }, 'publicKey' | 'vkey' | 'origin' | 'version'>,
  installationKey: Uint8Array | null,
  /** Who "this installation's key" is, and what a signature by it proves (the CLI's is its key file). */
  own = {
    key: "this installation's key",
    proves:
      'every entry up to its last tree head is as this browser signed it (the key cannot leave it); a copy cut back at an earlier head this browser signed (an export’s, or a copied proof’s) verifies too, so check that its size is the one you expect',
  },
): LedgerSigner {
  const pk = r.publicKey;
  if (!pk)
    return {
      kind: 'unsigned',
      proves:
        'unsigned: the entries match their hashes and the tree heads, which catches damage, not edits — anyone can rewrite an unsigned file and recompute it',
    };
  const fp = fingerprint(pk);
  const parsed = r.vkey ? parseVkey(r.vkey) : null;
  const name = parsed && typeof parsed !== 'string' ? parsed.name : null;
  const id = name !== null ? bytesToHex(keyId(name, pk)) : null;
  const who = `${name !== null ? `${name} (key ID ${id}, fingerprint ${fp.slice(0, 16)}…)` : `the key with fingerprint ${fp.slice(0, 16)}…`}`;
  const base = { ...(name !== null ? { name, keyId: id! } : {}), fingerprint: fp };
  if (installationKey && same(pk, installationKey))
    return {
      kind: 'installation',
      ...base,
      proves: `signed by ${own.key} ${who}: ${own.proves}`,
    };
  const seedKey = seedsNamedBy(r.origin).find((s) => same(ed25519.getPublicKey(ledgerKeyFromSeed(s)), pk));
  if (seedKey !== undefined || same(ed25519.getPublicKey(DEFAULT_SIGNING_KEY), pk))
    return {
      kind: 'seed',
      ...base,
      proves: `signed by ${seedKey !== undefined ? `the key derived from seed ${seedKey}` : 'the public demo key'}, ${who}: integrity only, not authorship — anyone with the scenario can make this signature (an export from before per-installation keys, or a rewrite re-signed)`,
    };
  if (r.version < 3)
    return {
      kind: 'legacy',
      ...base,
      proves: `signed by ${who}, in record format ${r.version}, from when every capplay kernel signed with a key derived from the public scenario seed: integrity only, not authorship`,
    };
  return {
    kind: 'unknown',
    ...base,
    proves: `signed by ${who}, not ${own.key}: integrity under that key; authorship unknown — compare the key ID with the one its author published`,
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
