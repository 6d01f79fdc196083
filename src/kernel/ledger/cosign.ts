import { ed25519 } from '@noble/curves/ed25519.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import type { Cosignature, Ledger } from './ledger';
import type { NotePrivateKey } from './note';

/**
 * Co-sign a ledger's tree heads with a key held in memory (the CLI's key file; tests): one Ed25519 signature per
 * head `exportHeads(size)` lists, over its checkpoint body. The page does the same with WebCrypto
 * (src/client/installationKey.ts). Pass the result to `exportJsonl`.
 */
export function cosignature(
  ledger: Pick<Ledger, 'exportHeads' | 'headBody' | 'length'>,
  key: NotePrivateKey,
  size = ledger.length,
): Cosignature {
  const sigs = ledger.exportHeads(size).map((h) => ed25519.sign(utf8ToBytes(ledger.headBody(h)), key.seed));
  return { name: key.name, publicKey: key.publicKey, size, sigs };
}
