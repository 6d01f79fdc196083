import { FileButton } from '../FileButton';
import { useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import type { LedgerImport, LedgerSigner, LedgerStatus } from '../../kernel/host-api';
import { useApp } from '../../store/store';
import { installationKey, type InstallationKey } from '../../client/installationKey';
import { downloadSignedLedger } from '../download';

/** Files up to this size are read whole; bigger ones are streamed to the worker a piece at a time. */
const WHOLE_IMPORT_BYTES = 64 << 20;
/** What a streamed import reads at most (a 1M-record export is ~250 MB). */
const MAX_STREAM_BYTES = 4 * 2 ** 30;
/** Characters sent to the worker per message while streaming. */
const PIECE_CHARS = 1 << 20;
/** Verify at most this often while records stream in (the worker re-hashes the whole chain). */
const VERIFY_EVERY_MS = 1500;

/** What an import's record format says about the file. */
const FORMAT_NOTE = {
  1: '; record format 1: a hash chain, from before records carried facts',
  2: '; record format 2: a hash chain, from before the Merkle tree',
  3: '',
} as const;

/** The verdict's headline, by whose key signed: what it proves, at a glance (the full sentence follows it). */
function signerHeadline(s: LedgerSigner): string {
  switch (s.kind) {
    case 'installation':
      return `signed by this installation's key (ID ${s.keyId})`;
    case 'unknown':
      return `intact under an unknown key (ID ${s.keyId}): authorship unknown`;
    case 'seed':
      return 'signed by a seed-derived key: integrity only, not authorship';
    case 'legacy':
      return 'signed by an older kernel key: integrity only, not authorship';
    case 'unsigned':
      return 'unsigned: no signature at all';
  }
}

/**
 * The WORM ledger's integrity in the ledger panel's header: the records, the Merkle tree and tree heads as the worker
 * last verified them, Export (JSONL with the heads, co-signed here by this installation's key), the key itself, and
 * Import… which verifies a file, says whose key signed it and what that proves, and names the first bad entry if a
 * byte was altered.
 */
export function LedgerIntegrity({ popsAt }: { popsAt: HTMLElement | null }) {
  const kernel = useApp((s) => s.kernel);
  const feed = useApp((s) => s.ledger);
  const [status, setStatus] = useState<LedgerStatus | null>(null);
  const [imported, setImported] = useState<{ file: string; result: LedgerImport | { reading: number; of: number } } | null>(null);
  const [key, setKey] = useState<InstallationKey | null | undefined>(undefined);
  const [showKey, setShowKey] = useState(false);
  const [exported, setExported] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void installationKey().then((k) => live && setKey(k));
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (!kernel || !feed) return;
    let live = true;
    let due = true;
    const check = () => {
      if (!due || !live) return;
      due = false;
      kernel.ledgerVerify().then(
        (s) => {
          if (!live) return;
          setStatus(s);
          // A slice at a time until caught up, the next one at once: other requests queue between slices, so a
          // burst of a million records is checked in seconds without holding anything else up.
          if (s.ok && s.entries < s.total) {
            due = true;
            setTimeout(check);
          }
        },
        () => {},
      );
    };
    check();
    const timer = setInterval(check, VERIFY_EVERY_MS);
    const off = feed.subscribe(() => (due = true));
    return () => {
      live = false;
      clearInterval(timer);
      off();
    };
  }, [kernel, feed]);

  const exportLedger = async () => {
    if (kernel) setExported(await downloadSignedLedger(kernel).catch((e: unknown) => `✕ not exported: ${String(e)}`));
  };
  const mine = key ? key.publicKey : null;

  const importLedger = async (input: HTMLInputElement) => {
    const f = input.files?.[0];
    input.value = '';
    if (!f || !kernel) return;
    // An import made before the key was read still knows this installation's own exports.
    const own =
      mine ??
      (await installationKey().then(
        (k) => k?.publicKey ?? null,
        () => null,
      ));
    if (f.size > MAX_STREAM_BYTES)
      return setImported({
        file: f.name,
        result: { ok: false, line: 0, reason: `the file is ${f.size} bytes; at most ${MAX_STREAM_BYTES} are read` },
      });
    if (f.size <= WHOLE_IMPORT_BYTES) return setImported({ file: f.name, result: await kernel.ledgerImport(await f.text(), own) });
    // Too big to hold as one string: read it as a stream and verify it a line at a time in the worker.
    setImported({ file: f.name, result: { reading: 0, of: f.size } });
    await kernel.ledgerImportBegin();
    const reader = f.stream().pipeThrough(new TextDecoderStream()).getReader();
    let piece = '';
    let bytes = 0;
    const send = async () => {
      const s = await kernel.ledgerImportPiece(piece);
      piece = '';
      setImported({ file: f.name, result: { reading: bytes, of: f.size } });
      return s.stopped;
    };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      piece += value;
      bytes += value.length; // characters: close enough to bytes for a progress figure
      if (piece.length >= PIECE_CHARS && (await send())) {
        await reader.cancel();
        break;
      }
    }
    if (piece) await send();
    setImported({ file: f.name, result: await kernel.ledgerImportEnd(own) });
  };
  const result = imported?.result;
  const reading = result && 'reading' in result ? result : null;
  const verdict = result && !('reading' in result) ? result : null;

  return (
    <>
      <span
        className={`ledger-verify ${status ? (status.ok ? 'ok' : 'bad') : ''}`}
        data-testid="ledger-verify"
        title={status ? 'every record against its hash, and the Merkle tree against its tree heads (the kernel signs none)' : ''}
      >
        {!status
          ? 'verifying…'
          : !status.ok
            ? `✕ broken at entry ${status.firstBad?.seq}`
            : status.entries < status.total
              ? `verifying… ${status.entries} of ${status.total}`
              : `✓ tree intact · ${status.checkpoints} tree head${status.checkpoints === 1 ? '' : 's'}`}
      </span>
      <button
        type="button"
        className="ledger-button"
        onClick={() => void exportLedger()}
        disabled={!kernel}
        title="Download the ledger (JSONL), its tree heads co-signed by this installation's key"
      >
        Export
      </button>
      <button
        type="button"
        className="ledger-button"
        data-testid="installation-key-button"
        aria-expanded={showKey}
        onClick={() => setShowKey((v) => !v)}
      >
        Key
      </button>
      <FileButton
        className="ledger-button"
        accept=".jsonl,.txt,application/jsonl,text/plain"
        testId="ledger-import"
        title="Verify an exported ledger (JSONL)"
        onFile={(input) => void importLedger(input)}
      >
        Import…
      </FileButton>
      {/* Below the header, over the first rows: a verdict says whose key and what it proves, so it is shown whole. */}
      {popsAt &&
        createPortal(
          <div className="ledger-pops">
            {showKey && (
              <div className="ledger-pop" data-testid="installation-key" role="dialog" aria-label="This installation's signing key">
                {key === undefined ? (
                  'opening this installation’s key…'
                ) : key === null ? (
                  'This browser’s WebCrypto has no Ed25519: exports are unsigned, and say so.'
                ) : (
                  <>
                    <div>
                      <b>This installation’s key</b> signs every export’s tree heads (the kernel signs nothing). It was made by this
                      browser’s WebCrypto and cannot be read out of it
                      {key.kept
                        ? ', and is kept for this site across reloads.'
                        : ': storage refused to keep it, so it lasts until this page closes.'}
                    </div>
                    <div>
                      name <code data-testid="installation-key-name">{key.name}</code>
                    </div>
                    <div>
                      key ID <code data-testid="installation-key-id">{key.keyId}</code> · fingerprint <code>{key.fingerprint}</code>
                    </div>
                    <div>
                      vkey (publish it, so others can check your exports: c2sp.org/signed-note){' '}
                      <code className="ledger-vkey" data-testid="installation-vkey">
                        {key.vkey}
                      </code>
                    </div>
                  </>
                )}
                <button type="button" aria-label="Close" onClick={() => setShowKey(false)}>
                  ×
                </button>
              </div>
            )}
            {exported && (
              <span
                className={`ledger-import-result ${exported.startsWith('✕') ? 'bad' : 'ok'}`}
                data-testid="ledger-export-result"
                role="status"
              >
                {exported}
                <button type="button" aria-label="Dismiss" onClick={() => setExported(null)}>
                  ×
                </button>
              </span>
            )}
            {imported && (
              <span
                className={`ledger-import-result ${verdict ? (verdict.ok ? (verdict.signer.kind === 'installation' ? 'ok' : 'warn') : 'bad') : ''}`}
                data-testid="ledger-import-result"
                role="status"
              >
                {imported.file}:{' '}
                {reading
                  ? `verifying… ${Math.round(reading.reading / 2 ** 20)} of ${Math.round(reading.of / 2 ** 20)} MiB read`
                  : verdict!.ok
                    ? `${verdict!.signer.kind === 'installation' ? '✓ verified' : '✓ intact'}: ${verdict!.entries} entries, ${verdict!.checkpoints} checkpoint${verdict!.checkpoints === 1 ? '' : 's'} — ${signerHeadline(verdict!.signer)}. ${verdict!.signer.proves}${FORMAT_NOTE[verdict!.format]}`
                    : `✕ ${verdict!.seq !== undefined ? `first bad entry ${verdict!.seq} (line ${verdict!.line})` : `line ${verdict!.line}`}: ${verdict!.reason}`}
                <button type="button" aria-label="Dismiss" onClick={() => setImported(null)}>
                  ×
                </button>
              </span>
            )}
          </div>,
          popsAt,
        )}
    </>
  );
}
