import { describe, expect, it } from 'vitest';
import { KernelHost } from '../kernel/host';
import { openInstallationKey, signedLedgerExport, signedLedgerProof, type KeyStore, type StoredKey } from './installationKey';

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

  it('signs nothing the worker hands over that is not a tree head of the export or proof asked for', async () => {
    const key = (await openInstallationKey(memoryStore()))!;
    let signed = 0;
    const counting = { ...key, sign: (bodies: string[]) => ((signed += bodies.length), key.sign(bodies)) };
    const h = new KernelHost(undefined, false);
    h.exec('spawn "idle"');
    const real = h.ledgerHeads();
    const exporter = (bodies: string[], size = real.size) => ({
      ledgerHeads: async () => ({ size, bodies }),
      ledgerExport: async () => ({ problem: 'not reached' }),
    });
    const head = real.bodies[real.bodies.length - 1];
    for (const [bodies, size] of [
      [['grant root to mallory'], real.size],
      [[head.slice(0, -1)], real.size], // not a whole head
      [[head], real.size + 1], // a head for another size than the export's
      [[head, head], real.size], // sizes not rising
    ] as const)
      expect(await signedLedgerExport(exporter([...bodies], size), counting)).toEqual({
        problem: 'the worker gave the page something other than the tree heads of this export to sign; nothing was signed',
      });
    // A proof whose head is not for its tree size: the unsigned proof, nothing signed.
    const proof = h.ledgerProve(1)!;
    const r = await signedLedgerProof({ ledgerProve: async () => ({ ...proof, head: 'grant root to mallory\n' }) }, counting, 1);
    expect(r.signedBy).toBeNull();
    expect(signed).toBe(0);
    // The real ones are signed.
    expect(
      'text' in (await signedLedgerExport({ ledgerHeads: async () => real, ledgerExport: async (c) => h.ledgerExport(c) }, counting)),
    ).toBe(true);
    expect(signed).toBe(real.bodies.length);
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

  it("makes the ledger panel's proof a signed one: the head co-signed as an export's, checked under the key; a bad signature is caught", async () => {
    const key = (await openInstallationKey(memoryStore()))!;
    const h = new KernelHost(undefined, false);
    h.exec('spawn "idle"');
    const kernel = { ledgerProve: async (seq: number, c?: Parameters<typeof h.ledgerProve>[1]) => h.ledgerProve(seq, c) };
    const r = await signedLedgerProof(kernel, key, 3);
    expect(r.signedBy).toBe(key);
    expect(r.proof).toMatchObject({ seq: 3, treeSize: h.kernel.ledger.length, vkey: key.vkey, problem: null });
    const json = JSON.parse(r.proof!.json);
    expect(json.vkey).toBe(key.vkey);
    expect(json.checkpoint).toMatch(new RegExp(`^${r.proof!.head.replace(/[/+]/g, '\\$&')}\n— ${key.name} `));
    // The note's signature, checked by WebCrypto itself: key ID, then the Ed25519 signature of the head.
    const blob = Buffer.from(json.checkpoint.trimEnd().split(' ').at(-1), 'base64');
    expect(blob.subarray(0, 4).toString('hex')).toBe(key.keyId);
    const pub = await crypto.subtle.importKey('raw', key.publicKey as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, ['verify']);
    expect(await crypto.subtle.verify('Ed25519', pub, blob.subarray(4), new TextEncoder().encode(r.proof!.head))).toBe(true);
    // The same head as an export's checkpoint for that size: the page signs the same body.
    expect(h.ledgerHeads().bodies.at(-1)).toBe(r.proof!.head);
    // A signature that is not the key's: the worker's check says so.
    const other = (await openInstallationKey(memoryStore()))!;
    const forged = await signedLedgerProof(kernel, { ...key, sign: other.sign }, 3);
    expect(forged.proof!.problem).toBe(`the checkpoint: the signature by ${key.name} does not verify`);
    // No key: the unsigned proof.
    expect((await signedLedgerProof(kernel, null, 3)).proof).toMatchObject({ vkey: null, problem: null });
  });
});
