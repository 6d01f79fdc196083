import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Value } from '../value';

/**
 * Subject binding (capOS): a UserSession derives a proof scoped to one service root, one audience (the service
 * it is meant for), one request (digest), and a freshness window; the root checks it before minting an object; afterwards possession of the
 * object is the authority and no call carries identity. Proofs are MACed with a key only the kernel holds
 * (derived from the seed, so replays match), so a holder can neither forge nor re-scope one.
 */
export interface Proof {
  subject: string;
  root: string; // an opaque binding to the service root (a keyed hash of it): never an object id or selector
  audience: string; // the service the proof is meant for (the root's endpoint name)
  digest: string; // hex SHA-256 of the canonical request
  issuedAt: number; // virtual ms
  expiresAt: number;
  mac: string;
}

export const MAX_FRESHNESS_MS = 60_000;

/** Canonical JSON (sorted keys) so a request digests the same however its object was built. */
export function canonical(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function requestDigest(request: Value): string {
  return bytesToHex(sha256(utf8ToBytes(canonical(request))));
}

const macInput = (p: Omit<Proof, 'mac'>) =>
  utf8ToBytes(
    canonical({ subject: p.subject, root: p.root, audience: p.audience, digest: p.digest, issuedAt: p.issuedAt, expiresAt: p.expiresAt }),
  );

export class ProofAuthority {
  private key: Uint8Array;

  constructor(seed: number) {
    this.key = sha256(utf8ToBytes(`capplay subject proof key/${seed}`));
  }

  /** The binding a proof carries for a service root: opaque, and different for each generation of its record. */
  rootBinding(object: number, generation: number): string {
    return bytesToHex(hmac(sha256, this.key, utf8ToBytes(`service root/${object}/${generation}`))).slice(0, 32);
  }

  derive(subject: string, root: string, audience: string, digest: string, now: number, freshnessMs: number): Proof {
    const body = { subject, root, audience, digest, issuedAt: now, expiresAt: now + freshnessMs };
    return { ...body, mac: bytesToHex(hmac(sha256, this.key, macInput(body))) };
  }

  /** The subject if the proof is genuine, for this audience and request, and fresh; otherwise why not. */
  verify(
    proof: Proof | null,
    root: string,
    audience: string,
    digest: string,
    now: number,
  ): { ok: true; subject: string } | { ok: false; why: string } {
    if (!proof || typeof proof !== 'object') return { ok: false, why: 'no subject proof' };
    const expected = bytesToHex(hmac(sha256, this.key, macInput(proof)));
    if (typeof proof.mac !== 'string' || proof.mac !== expected)
      return { ok: false, why: 'the proof was not issued by a session (bad MAC)' };
    if (proof.root !== root) return { ok: false, why: 'the proof is scoped to another service root' };
    if (proof.audience !== audience) return { ok: false, why: `the proof is for audience "${proof.audience}", not "${audience}"` };
    if (proof.digest !== digest) return { ok: false, why: 'the proof is scoped to another request' };
    if (now < proof.issuedAt) return { ok: false, why: 'the proof is not valid yet' };
    if (now > proof.expiresAt) return { ok: false, why: `the proof expired at ${proof.expiresAt} ms (now ${now} ms)` };
    return { ok: true, subject: proof.subject };
  }
}
