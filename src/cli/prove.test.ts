import { ed25519 } from '@noble/curves/ed25519.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cosignature } from '../kernel/ledger/cosign';
import { Ledger } from '../kernel/ledger/ledger';
import { fromBase64, privateKeyText, toBase64, type NotePrivateKey } from '../kernel/ledger/note';
import { main, type CliIo } from './run';

const files: Record<string, string> = {};

/** The CLI with files in memory; `chunk`: hand the file over that many characters at a time (a streamed read). */
function cli(args: string[], chunk = 0) {
  const out: string[] = [];
  const err: string[] = [];
  const read = (p: string) => {
    if (!(p in files)) throw new Error(`ENOENT: ${p}`);
    return files[p];
  };
  const io: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readFile: read,
    ...(chunk
      ? {
          readChunks: (p: string) =>
            Array.from({ length: Math.ceil(read(p).length / chunk) }, (_, i) => read(p).slice(i * chunk, (i + 1) * chunk)),
        }
      : {}),
  };
  const code = main(args, io);
  return { code, out, err, said: err.join('\n'), text: out.join('\n') };
}

const seed = new Uint8Array(32).fill(0x42);
const KEY: NotePrivateKey = { name: 'auditor.example/capplay', seed, publicKey: ed25519.getPublicKey(seed) };
const KEY_HEX = Buffer.from(KEY.publicKey).toString('hex');
files['me.key'] = `${privateKeyText(KEY.name, seed)}\n`;

/** 11 records, a tree head every 4: checkpoints at 4, 8 and 11 (the export's end). */
const ledger = new Ledger({ origin: 'capplay.invalid/ledger/prove-test/seed-7', checkpointEvery: 4 });
for (let i = 1; i <= 11; i++)
  ledger.append(i, i % 2 ? 'spawn' : 'verdict', i, 0, `record ${i}: ${'é'.repeat(i)}`, 0, i % 3 ? undefined : { n: i });
files['signed.jsonl'] = ledger.exportJsonl(cosignature(ledger, KEY));
files['plain.jsonl'] = ledger.exportJsonl();
files['bad.jsonl'] = files['signed.jsonl'].replace('record 6:', 'record 9:');
files['v2.jsonl'] = readFileSync(new URL('../kernel/ledger/fixtures/v2-export.jsonl', import.meta.url), 'utf8');

/** A proof file made by capplay prove (stdout: the JSON line only). */
function proof(args: string[]): Record<string, unknown> {
  const r = cli(['prove', ...args]);
  expect(
    r.err.filter((l) => l.startsWith('capplay')),
    r.said,
  ).toEqual([]);
  expect(r.code, r.said).toBe(0);
  expect(r.out).toHaveLength(1);
  return JSON.parse(r.out[0]);
}

const verifyProof = (p: Record<string, unknown>, ...flags: string[]) => {
  files['p.json'] = `${JSON.stringify(p)}\n`;
  return cli(['verify', 'p.json', ...flags]);
};

describe('capplay prove: proofs from an export, against its signed checkpoints', () => {
  it('an inclusion proof against the last checkpoint: the signed note and vkey, and capplay verify says what it proves', () => {
    const p = proof(['signed.jsonl', '3']);
    const lastNote = JSON.parse(files['signed.jsonl'].trimEnd().split('\n').at(-1)!).checkpoint;
    expect(p).toMatchObject({ format: 'capplay-ledger-proof', type: 'inclusion', seq: 3, index: 2, treeSize: 11, checkpoint: lastNote });
    expect(p.vkey).toBe(JSON.parse(files['signed.jsonl'].split('\n')[0]).vkey);
    expect(lastNote).toMatch(/\n\n— auditor\.example\/capplay /);
    const r = cli(['prove', 'signed.jsonl', '3']);
    expect(r.said).toMatch(
      /^✓ signed\.jsonl: 11 entries, 3 checkpoints verified\n {2}entry 3 is leaf 2 of the tree at 11 entries \(4 hashes\): the proof on stdout checks out/,
    );
    expect(r.said).toContain('signed by auditor.example/capplay (key ID');

    // Pretty-printed (jq, say): still read as a proof.
    files['pretty.json'] = `${JSON.stringify(p, null, 2)}\n`;
    expect(cli(['verify', 'pretty.json']).out[0]).toMatch(/^✓ pretty\.json: entry 3 is leaf 2 of the log/);
    const v = verifyProof(p);
    expect(v.code, v.said).toBe(0);
    expect(v.out[0]).toBe(
      '✓ p.json: entry 3 is leaf 2 of the log "capplay.invalid/ledger/prove-test/seed-7" at tree size 11 (RFC 6962 inclusion proof, 4 hashes)',
    );
    expect(v.out[1]).toBe('  the record: spawn: record 3: ééé');
    expect(v.text).toMatch(/not a key you gave \(no --key-file\): integrity under that key; authorship unknown/);
    // Pinned: the key you expected; your own key file: yours.
    expect(verifyProof(p, '--key', KEY_HEX).text).toMatch(
      /signed by the key you pinned \(--key\) auditor\.example\/capplay .*: the record is in the tree that key signed at 11 entries — whose key it is, you know, not the proof/,
    );
    expect(verifyProof(p, '--key-file', 'me.key').text).toMatch(
      /signed by your key \(--key-file\) auditor\.example\/capplay .*: the record is in the tree your key signed at 11 entries/,
    );
    // Pinning a different key fails, naming both.
    const other = verifyProof(p, '--key', 'ab'.repeat(32));
    expect(other.code).toBe(1);
    expect(other.err[0]).toBe(
      `✕ p.json: the proof does not check out: the proof is signed by public key ${KEY_HEX}, not the expected ${'ab'.repeat(32)}`,
    );
    // And prove itself pins: the export must be signed by that key.
    expect(cli(['prove', 'signed.jsonl', '3', '--key', 'ab'.repeat(32)]).code).toBe(1);
  });

  it('--size proves against an earlier checkpoint; a size without one is refused, naming the sizes there are', () => {
    const p = proof(['signed.jsonl', '3', '--size', '8']);
    expect(p).toMatchObject({ seq: 3, treeSize: 8 });
    expect(p.checkpoint).toMatch(/^capplay\.invalid\/ledger\/prove-test\/seed-7\n8\n/);
    expect(verifyProof(p).code).toBe(0);
    const r = cli(['prove', 'signed.jsonl', '3', '--size', '7']);
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual(['capplay prove: signed.jsonl: the export has no checkpoint at tree size 7; it has checkpoints at 4, 8 and 11']);
    expect(cli(['prove', 'signed.jsonl', '9', '--size', '8']).err).toEqual([
      'capplay prove: signed.jsonl: entry 9 is not in a tree of 8 entries',
    ]);
    expect(cli(['prove', 'signed.jsonl', '12']).code).toBe(2);
    expect(cli(['prove', 'signed.jsonl', '0']).err[0]).toMatch(/^capplay: the entry \(a whole number >= 1\), got "0"/);
    expect(cli(['prove', 'signed.jsonl']).err[0]).toMatch(/^capplay: prove takes one entry/);
    expect(cli(['prove', 'signed.jsonl', '3', '--size', 'x']).code).toBe(2);
    expect(cli(['verify', 'signed.jsonl', '--size', '4']).err[0]).toMatch(/--size and --consistency are for prove/);
  });

  it('a consistency proof between two checkpoints of the export, checked and explained; sizes without one refused', () => {
    const p = proof(['signed.jsonl', '--consistency', '4', '11']);
    expect(p).toMatchObject({ type: 'consistency', from: 4, to: 11 });
    expect((p.checkpoints as string[]).map((c) => c.split('\n')[1])).toEqual(['4', '11']);
    const v = verifyProof(p, '--key', KEY_HEX);
    expect(v.code, v.said).toBe(0);
    expect(v.out[0]).toMatch(
      /^✓ p\.json: the log "capplay\.invalid\/ledger\/prove-test\/seed-7" at tree size 4 is a prefix of it at 11 .*entries 1\.\.4 are the same in both$/,
    );
    expect(v.text).toMatch(
      /the key you pinned \(--key\) .*: that key signed both tree heads, and the one at 11 entries extends the one at 4/,
    );
    expect(proof(['signed.jsonl', '--consistency', '8', '8'])).toMatchObject({ from: 8, to: 8, path: [] });
    expect(cli(['prove', 'signed.jsonl', '--consistency', '4', '7']).err).toEqual([
      'capplay prove: signed.jsonl: the export has no checkpoint at tree size 7; it has checkpoints at 4, 8 and 11',
    ]);
    expect(cli(['prove', 'signed.jsonl', '--consistency', '8', '4']).code).toBe(2);
    expect(cli(['prove', 'signed.jsonl', '--consistency', '8']).code).toBe(2);
    // Tampered: a hash of the path, or the earlier note's root.
    const flipped = {
      ...p,
      path: (p.path as string[]).map((h, i) => (i === 0 ? toBase64(fromBase64(h)!.map((b, j) => (j ? b : b ^ 1))) : h)),
    };
    expect(verifyProof(flipped).err[0]).toMatch(
      /^✕ p\.json: the proof does not check out: the proof does not lead to the root of the tree at size (4|11)$/,
    );
    const [a, b] = p.checkpoints as string[];
    const root4 = a.split('\n')[2];
    const forged = { ...p, checkpoints: [a.replace(root4, toBase64(new Uint8Array(32))), b] };
    expect(verifyProof(forged).err[0]).toBe(
      '✕ p.json: the proof does not check out: the checkpoint at 4: the signature by auditor.example/capplay does not verify',
    );
  });

  it('a tampered proof fails with a clear reason: path, leaf, note, size, seq', () => {
    const p = proof(['signed.jsonl', '5']);
    const fail = (q: Record<string, unknown>) => {
      const r = verifyProof(q);
      expect(r.code).toBe(1);
      return r.err[0].replace('✕ p.json: the proof does not check out: ', '');
    };
    const path = p.path as string[];
    const flip = (b64: string, at = 0) => toBase64(fromBase64(b64)!.map((x, j) => (j === at ? x ^ 1 : x)));
    expect(fail({ ...p, path: [flip(path[0]), ...path.slice(1)] })).toBe("the path does not lead to the tree head's root");
    expect(fail({ ...p, path: path.slice(1) })).toBe('the proof is shorter than the tree is deep');
    const leaf = p.leaf as string;
    expect(fail({ ...p, leaf: flip(leaf, fromBase64(leaf)!.length - 1) })).toBe("the path does not lead to the tree head's root");
    expect(fail({ ...p, leaf: proof(['signed.jsonl', '6']).leaf })).toBe("the leaf is entry 6's record, but the proof is for entry 5");
    const note = p.checkpoint as string;
    expect(fail({ ...p, checkpoint: note.replace('\n11\n', '\n12\n') })).toBe(
      'the checkpoint: the signature by auditor.example/capplay does not verify',
    );
    expect(fail({ ...p, treeSize: 10 })).toBe('the checkpoint is for 11 entries, the proof for 10');
    expect(fail({ ...p, seq: 6, index: 5 })).toBe("the leaf is entry 5's record, but the proof is for entry 6");
    expect(fail({ ...p, index: 3 })).toBe('"index" should be seq - 1 (4), the leaf\'s place in the tree');
    expect(fail({ ...p, vkey: 'x+00000000+AAAA' })).toMatch(/^"vkey" is not a usable verifier key/);
    // A note signed by another key, its vkey swapped in: the signature is checked against the vkey given, and a pinned key catches the swap.
    expect(fail({ ...p, vkey: null })).toMatch(/^the checkpoint: an unsigned export holds tree heads without signatures/);
    files['p.json'] = 'not json';
    expect(cli(['verify', 'p.json']).code).toBe(1); // not a proof: read as an export, which it is not either
    files['p.json'] = '{"format":"capplay-ledger-proof","version":2}';
    expect(cli(['verify', 'p.json']).err[0]).toMatch(/"version" should be 1/);
  });

  it('refuses an export that does not verify (the first bad entry, exit 1) and one in a hash-chain format (exit 2)', () => {
    const r = cli(['prove', 'bad.jsonl', '3']);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err[0]).toMatch(/^✕ bad\.jsonl: first bad entry 6 \(line \d+\): .*contents do not match its hash/);
    const old = cli(['prove', 'v2.jsonl', '1']);
    expect(old.code).toBe(2);
    expect(old.err[0]).toMatch(/record format 2, a hash chain: proofs need the RFC 6962 tree of format 3/);
    expect(cli(['prove', 'missing.jsonl', '1']).err[0]).toMatch(/^missing\.jsonl: cannot read it/);
  });

  it('an unsigned export gives a proof that says it is unsigned; pinning a key on it fails', () => {
    const r = cli(['prove', 'plain.jsonl', '2']);
    expect(r.code).toBe(0);
    expect(r.said).toContain('UNSIGNED export ("vkey":null)');
    const p = JSON.parse(r.out[0]);
    expect(p.vkey).toBeNull();
    const v = verifyProof(p);
    expect(v.code).toBe(0);
    expect(v.text).toMatch(
      /^unsigned proof \("vkey":null\) — p\.json: the path from its leaf leads to root .*; nothing vouches for that root, the log or the record/,
    );
    expect(v.text).not.toContain('✓');
    expect(verifyProof(p, '--key', KEY_HEX).err[0]).toMatch(/the proof is unsigned \("vkey":null\), not signed by the expected key/);
  });

  it('reads the export as a stream: the same proof, whatever the pieces', () => {
    const whole = cli(['prove', 'signed.jsonl', '7', '--size', '8']).out;
    for (const n of [1, 7, 1000]) expect(cli(['prove', 'signed.jsonl', '7', '--size', '8'], n).out).toEqual(whole);
  });

  it("the shell's ledger prove line is a proof file capplay verify reads (unsigned: the kernel's head)", async () => {
    const { KernelHost } = await import('../kernel/host');
    const h = new KernelHost(undefined, false);
    h.exec('spawn "idle"');
    const line = h
      .exec('ledger prove 2')
      .lines.map((l) => l.text)
      .at(-1)!
      .replace(/^proof: /, '');
    files['shell.json'] = line;
    const v = cli(['verify', 'shell.json']);
    expect(v.code, v.said).toBe(0);
    expect(v.out[0]).toMatch(
      /^unsigned proof \("vkey":null\) — shell\.json: .* names the log "capplay\.invalid\/ledger\/.*" at size \d+; nothing vouches/,
    );
    expect(v.text).toContain('nothing vouches for that root, the log or the record');
  });
});
