import { installationKey, signedLedgerExport, type LedgerExporter } from '../client/installationKey';

/** Offer text as a file download (exports: the ledger, a session). */
export function downloadText(name: string, text: string, type = 'application/octet-stream'): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** Offer the ledger's export for download, co-signed by this installation's key; what happened, in words. */
export async function downloadSignedLedger(kernel: LedgerExporter): Promise<string> {
  const r = await signedLedgerExport(kernel, await installationKey());
  if ('problem' in r) return `✕ not exported: ${r.problem}`;
  downloadText('capplay-ledger.jsonl', r.text);
  return r.signedBy
    ? `exported, signed by this installation's key ${r.signedBy.name} (key ID ${r.signedBy.keyId})`
    : 'exported unsigned: this browser’s WebCrypto has no Ed25519, so the file proves nothing against edits';
}
