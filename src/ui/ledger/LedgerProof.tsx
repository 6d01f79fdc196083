import { useEffect, useState } from 'react';
import type { LedgerProofView } from '../../kernel/host-api';
import { useApp } from '../../store/store';

/**
 * The record last clicked in the ledger panel: its RFC 6962 inclusion proof in the live ledger's tree and whether
 * it checks out (the worker checks it as a verifier holding only the proof and the key would). The proof itself, as
 * the documented JSON line, is in the tooltip and copies with the button.
 */
export function LedgerProof({ seq, onClose }: { seq: number; onClose: () => void }) {
  const kernel = useApp((s) => s.kernel);
  const [proof, setProof] = useState<LedgerProofView | null | 'asking'>('asking');

  useEffect(() => {
    if (!kernel) return;
    let current = true;
    setProof('asking');
    kernel.ledgerProve(seq).then(
      (p) => current && setProof(p),
      () => current && setProof(null),
    );
    return () => {
      current = false;
    };
  }, [kernel, seq]);

  const text =
    proof === 'asking'
      ? `entry ${seq}: proving…`
      : !proof
        ? `entry ${seq}: no such record in the live ledger`
        : proof.problem
          ? `entry ${seq}: ✕ its proof does not check out: ${proof.problem}`
          : `entry ${seq}: ✓ in the tree of ${proof.treeSize} entries — an RFC 6962 path of ${proof.path.length} hash${proof.path.length === 1 ? '' : 'es'} from its leaf to the tree root ${proof.root.slice(0, 12)}… (the kernel's unsigned tree head; an export signs it)`;
  const ok = proof !== 'asking' && proof !== null && !proof.problem;
  return (
    <div
      className={`ledger-proof ${proof === 'asking' ? '' : ok ? 'ok' : 'bad'}`}
      data-testid="ledger-proof"
      role="status"
      title={proof && proof !== 'asking' ? proof.json : undefined}
    >
      <span>{text}</span>
      {proof && proof !== 'asking' && (
        <button type="button" className="ledger-button" onClick={() => void navigator.clipboard?.writeText(proof.json)}>
          Copy proof
        </button>
      )}
      <button type="button" aria-label="Close the proof" onClick={onClose}>
        ×
      </button>
    </div>
  );
}
