import { FileButton } from '../FileButton';
import { useEffect, useState } from 'react';
import type { LedgerImport, LedgerStatus } from '../../kernel/host-api';
import { useApp } from '../../store/store';
import { downloadText } from '../download';

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

/**
 * The WORM ledger's integrity in the ledger panel's header: the records, the Merkle tree and signed checkpoints as the worker
 * last verified them, Export (JSONL plus checkpoints), and Import… which verifies a file and names the first bad
 * entry if a byte was altered.
 */
export function LedgerIntegrity() {
  const kernel = useApp((s) => s.kernel);
  const feed = useApp((s) => s.ledger);
  const [status, setStatus] = useState<LedgerStatus | null>(null);
  const [imported, setImported] = useState<{ file: string; result: LedgerImport | { reading: number; of: number } } | null>(null);

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
    if (kernel) downloadText('capplay-ledger.jsonl', await kernel.ledgerExport());
  };

  const importLedger = async (input: HTMLInputElement) => {
    const f = input.files?.[0];
    input.value = '';
    if (!f || !kernel) return;
    if (f.size > MAX_STREAM_BYTES)
      return setImported({
        file: f.name,
        result: { ok: false, line: 0, reason: `the file is ${f.size} bytes; at most ${MAX_STREAM_BYTES} are read` },
      });
    if (f.size <= WHOLE_IMPORT_BYTES) return setImported({ file: f.name, result: await kernel.ledgerImport(await f.text()) });
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
    setImported({ file: f.name, result: await kernel.ledgerImportEnd() });
  };
  const result = imported?.result;
  const reading = result && 'reading' in result ? result : null;
  const verdict = result && !('reading' in result) ? result : null;

  return (
    <>
      <span
        className={`ledger-verify ${status ? (status.ok ? 'ok' : 'bad') : ''}`}
        data-testid="ledger-verify"
        title={status ? `checkpoints signed with Ed25519 key ${status.publicKey}` : ''}
      >
        {!status
          ? 'verifying…'
          : !status.ok
            ? `✕ broken at entry ${status.firstBad?.seq}`
            : status.entries < status.total
              ? `verifying… ${status.entries} of ${status.total}`
              : `✓ tree intact · ${status.checkpoints} signed checkpoint${status.checkpoints === 1 ? '' : 's'}`}
      </span>
      <button type="button" className="ledger-button" onClick={() => void exportLedger()} disabled={!kernel}>
        Export
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
      {imported && (
        <span
          className={`ledger-import-result ${verdict ? (verdict.ok ? 'ok' : 'bad') : ''}`}
          data-testid="ledger-import-result"
          role="status"
        >
          {imported.file}:{' '}
          {reading
            ? `verifying… ${Math.round(reading.reading / 2 ** 20)} of ${Math.round(reading.of / 2 ** 20)} MiB read`
            : verdict!.ok
              ? `✓ verified: ${verdict!.entries} entries, ${verdict!.checkpoints} checkpoint${verdict!.checkpoints === 1 ? '' : 's'}${verdict!.sameKey ? ' signed by this session’s key — a key derived from the public seed: this proves the file is intact, not who wrote it' : ' (signed by another session’s key)'}${FORMAT_NOTE[verdict!.format]}`
              : `✕ ${verdict!.seq !== undefined ? `first bad entry ${verdict!.seq} (line ${verdict!.line})` : `line ${verdict!.line}`}: ${verdict!.reason}`}
          <button type="button" aria-label="Dismiss" onClick={() => setImported(null)}>
            ×
          </button>
        </span>
      )}
    </>
  );
}
