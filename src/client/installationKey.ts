import type { LedgerCosignature, LedgerProofCosignature, LedgerProofView } from '../kernel/host-api';

/**
 * This installation's checkpoint-signing key: an Ed25519 key pair made by WebCrypto with a non-extractable private
 * half, kept in IndexedDB as a CryptoKey (structured clone keeps it usable and still non-extractable), so no script,
 * scenario or share link can read it or derive it. The page co-signs the kernel's unsigned tree heads with it at
 * every export; its public half is shown (the ledger panel) and exported as a signed-note vkey.
 *
 * Why the page and not the worker: the kernel worker stays a deterministic host holding no secret (it is restarted
 * and replayed at will); the page lives across those restarts, and shows the key. Signing costs one message of
 * head bodies (a 1M-record export has 123) and one of signatures; the export text is made once, in the worker.
 */

export interface InstallationKey {
  /** The signed-note key name: capplay.invalid/installation/<first 16 hex of the fingerprint>. */
  name: string;
  publicKey: Uint8Array;
  /** The signed-note key ID (8 hex) and the fingerprint (SHA-256 of the public key, 64 hex). */
  keyId: string;
  fingerprint: string;
  /** name+keyID+base64(0x01 || public key). */
  vkey: string;
  /** False when storage refused to keep it: a key for this page only, gone at reload. */
  kept: boolean;
  /** Ed25519 signatures of each text (UTF-8), in order. */
  sign(texts: readonly string[]): Promise<Uint8Array[]>;
}

/** What is stored: the private CryptoKey (non-extractable) and the raw public key. */
export interface StoredKey {
  privateKey: CryptoKey;
  publicKey: Uint8Array;
}

/** Where the key is kept: IndexedDB in the page; a map in tests. `add` keeps the first key only (false if one was there). */
export interface KeyStore {
  get(): Promise<StoredKey | undefined>;
  add(k: StoredKey): Promise<boolean>;
}

const DB = 'capplay-installation';
const STORE = 'keys';
const ID = 'checkpoint-signing';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('IndexedDB request failed'));
  });
}

/** The page's IndexedDB store for the key. */
export function indexedDbKeyStore(idb: IDBFactory = indexedDB): KeyStore {
  const open = () => {
    const r = idb.open(DB, 1);
    r.onupgradeneeded = () => r.result.createObjectStore(STORE);
    return request(r);
  };
  return {
    async get() {
      const db = await open();
      try {
        return (await request(db.transaction(STORE).objectStore(STORE).get(ID))) as StoredKey | undefined;
      } finally {
        db.close();
      }
    },
    async add(k) {
      const db = await open();
      try {
        // add, not put: two tabs making a key at once keep the first, and both use it.
        await request(db.transaction(STORE, 'readwrite').objectStore(STORE).add(k, ID));
        return true;
      } catch {
        return false;
      } finally {
        db.close();
      }
    },
  };
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const base64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));

async function sha256(subtle: SubtleCrypto, b: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle.digest('SHA-256', b as Uint8Array<ArrayBuffer>));
}

/** The key as the page uses it: its names (signed-note key ID: SHA-256(name || 0x0A || 0x01 || key)[:4]) and a signer. */
async function describe(subtle: SubtleCrypto, k: StoredKey, kept: boolean): Promise<InstallationKey> {
  const publicKey = new Uint8Array(k.publicKey);
  const fingerprint = hex(await sha256(subtle, publicKey));
  const name = `capplay.invalid/installation/${fingerprint.slice(0, 16)}`;
  const n = new TextEncoder().encode(name);
  const keyId = hex((await sha256(subtle, new Uint8Array([...n, 0x0a, 0x01, ...publicKey]))).subarray(0, 4));
  const enc = new TextEncoder();
  return {
    name,
    publicKey,
    keyId,
    fingerprint,
    vkey: `${name}+${keyId}+${base64(new Uint8Array([1, ...publicKey]))}`,
    kept,
    sign: (texts) =>
      Promise.all(texts.map(async (t) => new Uint8Array(await subtle.sign({ name: 'Ed25519' }, k.privateKey, enc.encode(t))))),
  };
}

/**
 * This installation's key: the stored one, or a new one stored now. Null when this browser's WebCrypto has no
 * Ed25519 (exports are then unsigned, and say so). A store that fails gives a key for this page only (kept: false).
 */
export async function openInstallationKey(store: KeyStore | null, subtle: SubtleCrypto = crypto.subtle): Promise<InstallationKey | null> {
  let found: StoredKey | undefined;
  try {
    found = await store?.get();
  } catch {
    store = null; // no IndexedDB here (a private window may refuse it): a key for this page only
  }
  if (found?.privateKey && found.publicKey instanceof Uint8Array) return describe(subtle, found, true);
  let made: StoredKey;
  try {
    const pair = (await subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    made = { privateKey: pair.privateKey, publicKey: new Uint8Array(await subtle.exportKey('raw', pair.publicKey)) };
  } catch {
    return null;
  }
  if (!store) return describe(subtle, made, false);
  try {
    if (await store.add(made)) return describe(subtle, made, true);
    const other = await store.get(); // another tab stored one first: use that
    if (other) return describe(subtle, other, true);
  } catch {
    /* not kept */
  }
  return describe(subtle, made, false);
}

let opened: Promise<InstallationKey | null> | null = null;

/** The page's installation key, opened once. */
export function installationKey(): Promise<InstallationKey | null> {
  opened ??= openInstallationKey(typeof indexedDB === 'undefined' ? null : indexedDbKeyStore()).catch(() => null);
  return opened;
}

/** What the worker offers for a signed export (a part of the kernel host's API). */
export interface LedgerExporter {
  ledgerHeads(): Promise<{ size: number; bodies: string[] }>;
  ledgerExport(cosign?: LedgerCosignature | null): Promise<{ text: string } | { problem: string }>;
}

/**
 * The ledger's export, co-signed with this installation's key: the worker lists the tree heads (a size fixed now,
 * so records appended meanwhile wait for the next export), the page signs their bodies, the worker checks each
 * signature and writes the file. Without a key (no Ed25519 in this browser's WebCrypto) it is unsigned, and says so.
 */
export async function signedLedgerExport(
  kernel: LedgerExporter,
  key: InstallationKey | null,
): Promise<{ text: string; signedBy: InstallationKey | null } | { problem: string }> {
  if (!key) {
    const r = await kernel.ledgerExport(null);
    return 'text' in r ? { text: r.text, signedBy: null } : r;
  }
  const heads = await kernel.ledgerHeads();
  // Sign only what is a tree head, sizes rising to the export's: the key vouches for nothing else the worker hands over.
  const sizes = heads.bodies.map(treeHeadSize);
  if (sizes.some((n, i) => n === null || (i > 0 && n <= sizes[i - 1]!)) || (sizes.length > 0 && sizes[sizes.length - 1] !== heads.size))
    return { problem: 'the worker gave the page something other than the tree heads of this export to sign; nothing was signed' };
  const sigs = await key.sign(heads.bodies);
  const r = await kernel.ledgerExport({ name: key.name, publicKey: key.publicKey, size: heads.size, sigs });
  return 'text' in r ? { text: r.text, signedBy: key } : r;
}

/**
 * The size a tree head names, if `body` is one as the kernel writes it (C2SP tlog-checkpoint body: origin, decimal
 * size, base64 of a 32-byte root, each line ending in a newline); null for anything else.
 */
export function treeHeadSize(body: string): number | null {
  const m = /^[^\n]+\n([1-9][0-9]{0,15})\n[A-Za-z0-9+/]{43}=\n$/.exec(body);
  return m && Number.isSafeInteger(Number(m[1])) ? Number(m[1]) : null;
}

/** What the worker offers for a signed proof (a part of the kernel host's API). */
export interface LedgerProver {
  ledgerProve(seq: number, cosign?: LedgerProofCosignature | null): Promise<LedgerProofView | null>;
}

/**
 * Record `seq`'s inclusion proof for the ledger panel, its tree head co-signed with this installation's key as an
 * export's heads are: the worker proves it (a size fixed then) and gives the head's body, the page signs it, the
 * worker makes the signed note and checks the proof under the key. Without a key the proof is the unsigned one.
 */
export async function signedLedgerProof(
  kernel: LedgerProver,
  key: InstallationKey | null,
  seq: number,
): Promise<{ proof: LedgerProofView | null; signedBy: InstallationKey | null }> {
  const unsigned = await kernel.ledgerProve(seq);
  if (!unsigned || !key || treeHeadSize(unsigned.head) !== unsigned.treeSize) return { proof: unsigned, signedBy: null };
  const [sig] = await key.sign([unsigned.head]);
  const signed = await kernel.ledgerProve(seq, { name: key.name, publicKey: key.publicKey, size: unsigned.treeSize, sig });
  return signed ? { proof: signed, signedBy: key } : { proof: unsigned, signedBy: null };
}
