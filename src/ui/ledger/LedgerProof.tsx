import { useEffect, useState } from 'react';
import { installationKey, signedLedgerProof, type InstallationKey } from '../../client/installationKey';
import type { LedgerProofView } from '../../kernel/host-api';
import { useApp } from '../../store/store';

/**
 * The record last clicked in the ledger panel: its RFC 6962 inclusion proof in the live ledger's tree and whether
 * it checks out (the worker checks it as a verifier holding only the proof and the key would). Its tree head is
 * co-signed with this installation's key, as an export's are, so the copied proof is a signed one (`capplay verify`
 * checks it); a browser without Ed25519 copies the unsigned one, and says so. The proof itself, as the documented
 * JSON line, is in the tooltip and copies with the button.
 */
export function LedgerProof({ seq, onClose }: { seq: number; onClose: () => void }) {
  const kernel = useApp((s) => s.kernel);
  const [proof, setProof] = useState<LedgerProofView | null | 'asking'>('asking');
  const [signedBy, setSignedBy] = useState<InstallationKey | null>(null);
  const [noKey, setNoKey] = useState(false);

  useEffect(() => {
    if (!kernel) return;
    let current = true;
    setProof('asking');
    installationKey()
      .then((key) => {
        if (current) setNoKey(!key);
        return signedLedgerProof(kernel, key, seq);
      })
      .then(
        (r) => {
          if (!current) return;
          setProof(r.proof);
          setSignedBy(r.signedBy);
        },
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
          : `entry ${seq}: ✓ in the tree of ${proof.treeSize} entries — an RFC 6962 path of ${proof.path.length} hash${proof.path.length === 1 ? '' : 'es'} from its leaf to the tree root ${proof.root.slice(0, 12)}… ${
              signedBy && proof.vkey
                ? `(its tree head co-signed by this installation's key, key ID ${signedBy.keyId}: the copied proof is signed)`
                : `(the kernel's unsigned tree head, not co-signed${noKey ? ": this browser's WebCrypto has no Ed25519 key" : ''} — the copied proof is unsigned)`
            }`;
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
