import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import {
  consistencyProblem,
  EMPTY_ROOT,
  hashLeaf,
  isPowerOfTwo,
  MerkleTree,
  rootFromInclusion,
  STORED_LEVEL,
  verifyInclusion,
} from './merkle';
import { shaEngine } from './sha';

/*
 * Worked examples from the transparency-dev `merkle` repository (github.com/transparency-dev/merkle):
 * testonly/constants.go (LeafInputs, NodeHashes, RootHashes) and proof/verify_test.go (inclusionProofs,
 * consistencyProofs; `leaf` there is 1-based). RFC 6962 itself has no test vectors.
 */
const LEAF_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const LEAF_HASHES = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
  '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
  '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
  'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
  '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
  'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
  '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
];
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const INCLUSION: [leaf: number, size: number, proof: string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [3, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    2,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
const CONSISTENCY: [size1: number, size2: number, proof: string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [
    6,
    7,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];

const hex = (bs: Uint8Array[]) => bs.map(bytesToHex);
const h = hexToBytes;

function treeOf(leafHashes: Uint8Array[]): MerkleTree {
  const t = new MerkleTree((i, out, off) => out.set(leafHashes[i], off));
  for (const l of leafHashes) t.append(l, 0);
  return t;
}

describe.each(['simd', 'scalar', 'noble'] as const)('the RFC 6962 tree (%s SHA-256)', (engine) => {
  it('uses the engine asked for', () => {
    expect(shaEngine(engine).name).toBe(engine);
  });

  it('hashes the leaves and roots of transparency-dev/merkle testonly/constants.go', () => {
    const leaves = LEAF_INPUTS.map((x) => hashLeaf(h(x)));
    expect(hex(leaves)).toEqual(LEAF_HASHES);
    expect(bytesToHex(EMPTY_ROOT)).toBe(ROOTS[0]);
    const t = new MerkleTree((i, out, off) => out.set(leaves[i], off));
    expect(bytesToHex(t.root())).toBe(ROOTS[0]);
    for (let n = 1; n <= 8; n++) {
      t.append(leaves[n - 1], 0);
      expect(bytesToHex(t.root()), `root at size ${n}`).toBe(ROOTS[n]);
    }
    for (let n = 0; n <= 8; n++) expect(bytesToHex(t.rootAt(n)), `rootAt(${n})`).toBe(ROOTS[n]);
  });

  it('builds and verifies the inclusion proofs of proof/verify_test.go', () => {
    const leaves = LEAF_INPUTS.map((x) => hashLeaf(h(x)));
    const t = treeOf(leaves);
    for (const [leaf, size, proof] of INCLUSION) {
      expect(hex(t.inclusionProof(leaf - 1, size)), `PATH(${leaf - 1}, ${size})`).toEqual(proof);
      const root = h(ROOTS[size]);
      expect(verifyInclusion(leaf - 1, size, leaves[leaf - 1], proof.map(h), root)).toBe(true);
      expect(bytesToHex(rootFromInclusion(leaf - 1, size, leaves[leaf - 1], proof.map(h)) as Uint8Array)).toBe(ROOTS[size]);
      // The same corruptions verify_test.go's corruptInclusionProof tries: each must fail.
      const p = proof.map(h);
      const bad: [number, number, Uint8Array, Uint8Array[], Uint8Array][] = [
        [leaf, size, leaves[leaf - 1], p, root],
        [leaf - 2, size, leaves[leaf - 1], p, root],
        [leaf - 1, size * 2, leaves[leaf - 1], p, root],
        [leaf - 1, size, h(LEAF_HASHES[(leaf + 2) % 8]), p, root],
        [leaf - 1, size, leaves[leaf - 1], p, EMPTY_ROOT],
        [leaf - 1, size, leaves[leaf - 1], [...p, root], root],
        [leaf - 1, size, leaves[leaf - 1], [root, ...p], root],
      ];
      if (p.length) bad.push([leaf - 1, size, leaves[leaf - 1], p.slice(0, -1), root]);
      for (let i = 0; i < p.length; i++) {
        const flipped = p.map((x) => x.slice());
        flipped[i][0] ^= 8;
        bad.push([leaf - 1, size, leaves[leaf - 1], flipped, root]);
      }
      for (const [i, n, lh, pr, r] of bad)
        expect(verifyInclusion(i, n, lh, pr, r), `corrupt proof for leaf ${leaf} of ${size}`).toBe(false);
    }
  });

  it('builds and verifies the consistency proofs of proof/verify_test.go', () => {
    const t = treeOf(LEAF_INPUTS.map((x) => hashLeaf(h(x))));
    for (const [m, n, proof] of CONSISTENCY) {
      expect(hex(t.consistencyProof(m, n)), `PROOF(${m}, ${n})`).toEqual(proof);
      const p = proof.map(h);
      expect(consistencyProblem(m, n, h(ROOTS[m]), h(ROOTS[n]), p)).toBeNull();
      if (!p.length) continue;
      expect(consistencyProblem(m, n, h(ROOTS[n]), h(ROOTS[m]), p)).not.toBeNull(); // swapped roots
      expect(consistencyProblem(m - 1, n, h(ROOTS[m]), h(ROOTS[n]), p)).not.toBeNull();
      expect(consistencyProblem(m, n, h(ROOTS[m]), h(ROOTS[n]), p.slice(0, -1))).not.toBeNull();
      expect(consistencyProblem(m, n, h(ROOTS[m]), h(ROOTS[n]), [...p, p[0]])).not.toBeNull();
      // Which sizes are powers of two decides the proof's shape: exactly, though Math.log2(2^49 - 1) rounds to 49.
      expect([2 ** 49 - 1, 2 ** 53 - 1, 3, 0].map(isPowerOfTwo)).toEqual([false, false, false, false]);
      expect([1, 2, 2 ** 49, 2 ** 52].map(isPowerOfTwo)).toEqual([true, true, true, true]);
      for (let i = 0; i < p.length; i++) {
        const flipped = p.map((x) => x.slice());
        flipped[i][0] ^= 16;
        expect(consistencyProblem(m, n, h(ROOTS[m]), h(ROOTS[n]), flipped), `bit flip in proof[${i}]`).not.toBeNull();
      }
    }
  });

  it('agrees with a naive recursive MTH for every size and proof up to 300 leaves (kept nodes from level ' + STORED_LEVEL + ' up)', () => {
    const leaves = Array.from({ length: 300 }, (_, i) => hashLeaf(new Uint8Array([i & 0xff, i >> 8])));
    const mth = (lo: number, hi: number): Uint8Array => {
      if (hi - lo === 1) return leaves[lo];
      let k = 1;
      while (k * 2 < hi - lo) k *= 2;
      const l = mth(lo, lo + k);
      const r = mth(lo + k, hi);
      const msg = new Uint8Array(65);
      msg[0] = 1;
      msg.set(l, 1);
      msg.set(r, 33);
      return sha256(msg);
    };
    const t = treeOf(leaves);
    for (const n of [1, 2, 63, 64, 65, 127, 128, 129, 200, 256, 300]) {
      const root = mth(0, n);
      expect(bytesToHex(t.rootAt(n)), `root ${n}`).toBe(bytesToHex(root));
      for (const i of new Set([0, 1, n >> 1, n - 1].filter((i) => i < n)))
        expect(verifyInclusion(i, n, leaves[i], t.inclusionProof(i, n), root), `leaf ${i} of ${n}`).toBe(true);
      for (const m of [1, 3, 64, 100, n - 1])
        if (m >= 1 && m < n) expect(consistencyProblem(m, n, mth(0, m), root, t.consistencyProof(m, n)), `${m} → ${n}`).toBeNull();
    }
  });

  it('appendMany builds the same tree as one append at a time: roots, kept nodes, proofs, in batches of any size and alignment', () => {
    const n = 8192 + 300;
    const flat = new Uint8Array(32 * n);
    for (let i = 0; i < n; i++) flat.set(hashLeaf(new Uint8Array([i & 0xff, i >> 8])), 32 * i);
    const at = (i: number, out: Uint8Array, off: number) => out.set(flat.subarray(32 * i, 32 * i + 32), off);
    const one = new MerkleTree(at);
    for (let i = 0; i < n; i++) one.append(flat, 32 * i);
    // Chunks that start aligned and not, smaller and larger than a perfect subtree, up to a whole 8,192.
    const many = new MerkleTree(at);
    let done = 0;
    for (const c of [1, 3, 4, 8, 64, 128, 63, 1, 100, 8192 - 372, 8, 29, n]) {
      const k = Math.min(c, n - done);
      many.appendMany(flat, 32 * done, k);
      done += k;
      expect(bytesToHex(many.root()), `root at ${done}`).toBe(bytesToHex(one.rootAt(done)));
    }
    expect(many.size).toBe(n);
    expect(many.residentBytes()).toBe(one.residentBytes());
    const whole = new MerkleTree(at);
    whole.appendMany(flat, 0, n);
    expect(bytesToHex(whole.root())).toBe(bytesToHex(one.root()));
    for (const t of [many, whole])
      for (const i of [0, 63, 64, 4095, 8191, 8192, n - 1]) {
        expect(t.inclusionProof(i, n).map(bytesToHex)).toEqual(one.inclusionProof(i, n).map(bytesToHex));
        expect(t.consistencyProof(i + 1, n).map(bytesToHex)).toEqual(one.consistencyProof(i + 1, n).map(bytesToHex));
      }
  });
});
