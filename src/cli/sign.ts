import { ed25519 } from '@noble/curves/ed25519.js';
import { cosignature } from '../kernel/ledger/cosign';
import type { Ledger } from '../kernel/ledger/ledger';
import { fingerprint, keyId, privateKeyText, validKeyName, vkey, type NotePrivateKey } from '../kernel/ledger/note';

/**
 * The headless runner's signing: the kernel emits unsigned tree heads, and `--key-file` co-signs them with a key in
 * the signed-note private key form (golang.org/x/mod/sumdb/note), one line:
 *
 *   PRIVATE+KEY+<name>+<key ID, 8 hex>+<base64(0x01 || 32-byte Ed25519 seed)>
 *
 * `capplay keygen <file> [--name <key name>]` makes one (mode 0600) and prints its vkey to publish. Without a key
 * file an export is unsigned, and the runner says so.
 */

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** A new key file's text, and the vkey to publish. */
export function newKeyFile(name: string): { text: string; vkey: string } | string {
  if (!validKeyName(name)) return `the key name ${JSON.stringify(name)} is not allowed (empty, or with a space or '+')`;
  const seed = crypto.getRandomValues(new Uint8Array(32));
  return { text: `${privateKeyText(name, seed)}\n`, vkey: vkey(name, ed25519.getPublicKey(seed)) };
}

/** The ledger's export, co-signed with `key` (or unsigned without one), and a line saying which. */
export function exportLedger(ledger: Ledger, key: NotePrivateKey | null): { text: string; said: string } {
  if (!key)
    return {
      text: ledger.exportJsonl(),
      said: `exported UNSIGNED (no --key-file): it proves nothing against edits — sign with a key file (capplay keygen <file>)`,
    };
  const text = ledger.exportJsonl(cosignature(ledger, key));
  return {
    text,
    said: `signed by ${key.name} (key ID ${hex(keyId(key.name, key.publicKey))}, fingerprint ${fingerprint(key.publicKey).slice(0, 16)}…)`,
  };
}
