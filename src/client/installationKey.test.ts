import { describe, expect, it } from 'vitest';
import { KernelHost } from '../kernel/host';
import { openInstallationKey, signedLedgerExport, type KeyStore, type StoredKey } from './installationKey';

/** A store that keeps what IndexedDB would: a structured clone (a CryptoKey survives it, still non-extractable). */
function memoryStore(): KeyStore & { held: StoredKey | undefined } {
  const s = {
    held: undefined as StoredKey | undefined,
    get: async () => (s.held ? structuredClone(s.held) : undefined),
    add: async (k: StoredKey) => (s.held ? false : ((s.held = structuredClone(k)), true)),
  };
  return s;
}

describe("this installation's key (WebCrypto Ed25519, non-extractable, kept as a CryptoKey)", () => {
  it('is made once, kept, reopened the same (a reload), and cannot be read out', async () => {
    const store = memoryStore();
    const a = await openInstallationKey(store);
    expect(a).not.toBeNull();
    expect(a!.kept).toBe(true);
    expect(store.held!.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('pkcs8', store.held!.privateKey)).rejects.toThrow();
    const b = await openInstallationKey(store);
    expect(b!.vkey).toBe(a!.vkey);
    expect(b!.name).toBe(`capplay.invalid/installation/${a!.fingerprint.slice(0, 16)}`);
    expect(a!.vkey).toMatch(/^capplay\.invalid\/installation\/[0-9a-f]{16}\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    expect(a!.vkey.split('+')[1]).toBe(a!.keyId);
    // Another installation (another store) has another key.
    expect((await openInstallationKey(memoryStore()))!.fingerprint).not.toBe(a!.fingerprint);
    // Storage that fails: a key for this page only, and said so.
    const broken: KeyStore = { get: () => Promise.reject(new Error('no IndexedDB')), add: () => Promise.reject(new Error('no')) };
    expect((await openInstallationKey(broken))!.kept).toBe(false);
  });

  it("co-signs the kernel's tree heads; the import says it is this installation's, and another's key is not", async () => {
    const key = (await openInstallationKey(memoryStore()))!;
    const h = new KernelHost(undefined, false);
    h.exec('spawn "idle"');
    const r = await signedLedgerExport({ ledgerHeads: async () => h.ledgerHeads(), ledgerExport: async (c) => h.ledgerExport(c) }, key);
    if (!('text' in r)) throw new Error(r.problem);
    expect(r.signedBy).toBe(key);
    expect(r.text.split('\n', 1)[0]).toContain(`"vkey":"${key.vkey}"`);
    expect(h.ledgerImport(r.text, key.publicKey)).toMatchObject({
      ok: true,
      signer: { kind: 'installation', name: key.name, keyId: key.keyId, fingerprint: key.fingerprint },
    });
    const other = (await openInstallationKey(memoryStore()))!;
    expect(h.ledgerImport(r.text, other.publicKey)).toMatchObject({ ok: true, signer: { kind: 'unknown', keyId: key.keyId } });
    // No Ed25519 in this browser: unsigned, and said so.
    const u = await signedLedgerExport({ ledgerHeads: async () => h.ledgerHeads(), ledgerExport: async (c) => h.ledgerExport(c) }, null);
    expect(u).toMatchObject({ signedBy: null });
    if ('text' in u) expect(h.ledgerImport(u.text, key.publicKey)).toMatchObject({ ok: true, signer: { kind: 'unsigned' } });
  });
});
