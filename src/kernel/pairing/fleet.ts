import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { LedgerFacts, LedgerKind, VerdictOutcome } from '../sab/layout';
import { runHandshake, type HandshakeRun, type TraceStep } from './handshake';
import { deriveEphemeralSeed, deriveIdentity, type MachineIdentity } from './identity';
import { ROLE_LEVEL, TYPE_MEANS, type PairingType } from './types';

export * from './types';

/**
 * Machine pairing (seeds 000 and 001, Nexus S4): each machine's keys, the Noise XX handshake that makes a pairing,
 * the four pairing types, TOFU+ bindings of peer CellIDs, and the Diode's direction. Pure: the kernel owns one
 * and does the cap side (imports through a pairing, attenuated by its type).
 */

export interface FleetMachine {
  readonly id: number;
  readonly name: string;
  readonly role?: string;
}

/** What the fleet needs from the kernel: its seed, machines, clock, ledger and defenses. */
export interface FleetHost {
  readonly seed: number;
  readonly machines: readonly FleetMachine[];
  readonly time: number;
  readonly defenses: { readonly tofu: boolean; readonly diode: boolean };
  record(
    kind: Exclude<LedgerKind, 'verdict' | 'appended'>,
    actor: number,
    subject: number,
    detail: string,
    object?: number,
    facts?: LedgerFacts,
  ): void;
  verdict(outcome: VerdictOutcome, actor: number, subject: number, detail: string, object?: number, more?: LedgerFacts): void;
  /** Something the graph shows changed (a pairing's label, imports breaking). */
  touch(): void;
}

export interface Binding {
  cellId: string;
  staticHex: string;
  signHex: string;
  since: number;
  how: 'first contact' | 'announcement' | 'admin';
}

export interface Pairing {
  readonly id: number;
  readonly a: number;
  readonly b: number;
  type: PairingType;
  live: boolean;
  since: number;
  /** Established through an attacker who holds both session keys: every byte across it is theirs to read. */
  mitm: boolean;
}

export interface HandshakeRecord {
  id: number;
  label: string;
  type: PairingType;
  protocol: string;
  steps: TraceStep[];
  ok: boolean;
  outcome: string;
}

export type PairResult =
  | { ok: true; pairing: Pairing; message: string }
  | { ok: false; code: 'ENOTFOUND' | 'EPERM' | 'EINVAL' | 'ETOFU' | 'EHANDSHAKE'; message: string };

const MALLORY = 'mallory';
const ANNOUNCE_TAG = 'capplay/pairing/announce-new-key/v1';
const HANDSHAKES_KEPT = 8;

export class Fleet {
  readonly pairings: Pairing[] = [];
  readonly handshakes: HandshakeRecord[] = [];
  private readonly identities = new Map<string, { gen: number; id: MachineIdentity }>();
  private readonly bindings = new Map<number, Map<string, Binding>>();
  private handshakeCount = 0;
  /** The pairing policy (the scenario's): the type each declared pair has; others may ask for up to INPUT. */
  private readonly policy = new Map<string, PairingType>();

  constructor(private readonly host: FleetHost) {}

  // ── identities ──────────────────────────────────────────────────────────────────────────────────────────────

  /** A machine's keys, derived from the scenario seed (and its key generation, after a rotation). */
  identity(name: string): MachineIdentity {
    let e = this.identities.get(name);
    if (!e) this.identities.set(name, (e = { gen: 0, id: deriveIdentity(this.host.seed, name) }));
    return e.id;
  }

  generation(name: string): number {
    return this.identities.get(name)?.gen ?? 0;
  }

  level(m: FleetMachine): number {
    return ROLE_LEVEL[m.role ?? ''] ?? 0;
  }

  /** Is a command from `from` to `to` upstream (against the Diode)? */
  upstream(from: FleetMachine, to: FleetMachine): boolean {
    return this.level(from) > this.level(to);
  }

  machine(name: string): FleetMachine | undefined {
    return this.host.machines.find((m) => m.name === name);
  }

  /** The live pairing between two machines, if any (order does not matter). */
  between(a: number, b: number): Pairing | undefined {
    return this.pairings.find((p) => p.live && ((p.a === a && p.b === b) || (p.a === b && p.b === a)));
  }

  pairing(id: number): Pairing | undefined {
    return this.pairings[id - 1];
  }

  setPolicy(a: string, b: string, type: PairingType): void {
    this.policy.set([a, b].sort().join('⇄'), type);
  }

  /** The type the policy gives a pairing between two machines (seed 001: INPUT is the default). */
  policyType(a: string, b: string): PairingType {
    return this.policy.get([a, b].sort().join('⇄')) ?? 'INPUT';
  }

  bindingsOf(machine: number): ReadonlyMap<string, Binding> {
    return this.bindings.get(machine) ?? new Map();
  }

  // ── pairing ────────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Pair `a` (initiator) with `b` by an XX handshake; each side checks the other's CellID against its TOFU+
   * binding (first contact binds). With `mitm`, an attacker sits on the wire and answers each side with its own
   * static key. Re-pairing a live pair runs a fresh handshake and changes its type.
   */
  pair(actor: number, aName: string, bName: string, type: PairingType, mitm = false): PairResult {
    const a = this.machine(aName);
    const b = this.machine(bName);
    if (!a) return { ok: false, code: 'ENOTFOUND', message: `no machine named "${aName}"` };
    if (!b) return { ok: false, code: 'ENOTFOUND', message: `no machine named "${bName}"` };
    if (a.id === b.id) return { ok: false, code: 'EINVAL', message: 'a machine does not pair with itself' };
    const attacker = mitm ? deriveIdentity(this.host.seed, MALLORY) : null;
    // Legs of the connection: with a MITM, a talks to mallory and mallory talks to b.
    const legs = attacker
      ? [
          { init: a, initId: this.identity(a.name), resp: b, respId: attacker, label: `${a.name} → ${MALLORY} (posing as ${b.name})` },
          { init: a, initId: attacker, resp: b, respId: this.identity(b.name), label: `${MALLORY} (posing as ${a.name}) → ${b.name}` },
        ]
      : [{ init: a, initId: this.identity(a.name), resp: b, respId: this.identity(b.name), label: `${a.name} → ${b.name}` }];
    // Whether each side had bound the other before this pairing: a MITM on a first contact is the weakness the
    // seed admits, one after a binding is not.
    const boundBefore = { a: this.bindings.get(a.id)?.has(b.name) ?? false, b: this.bindings.get(b.id)?.has(a.name) ?? false };
    for (const leg of legs) {
      const n = ++this.handshakeCount;
      // Each honest side pins the key it bound on first contact (TOFU+); pure TOFU pins nothing.
      const pinI = leg.initId.machineName === MALLORY ? undefined : this.pinned(leg.init.id, leg.resp.name);
      const pinR = leg.respId.machineName === MALLORY ? undefined : this.pinned(leg.resp.id, leg.init.name);
      const run = runHandshake(
        {
          name: leg.initId.machineName,
          staticKeyPair: leg.initId.staticKeyPair,
          ephemeralSeed: deriveEphemeralSeed(this.host.seed, leg.initId.machineName, `pair#${n}`),
          expectedRemoteStatic: pinI,
        },
        {
          name: leg.respId.machineName,
          staticKeyPair: leg.respId.staticKeyPair,
          ephemeralSeed: deriveEphemeralSeed(this.host.seed, leg.respId.machineName, `pair#${n}`),
          expectedRemoteStatic: pinR,
        },
        // The Ed25519 key each side will sign announcements with travels encrypted in messages 2 and 3.
        { payloads: { 2: leg.respId.signingKeyPair.publicKey, 3: leg.initId.signingKeyPair.publicKey } },
      );
      this.keepHandshake(n, leg.label, type, run);
      if (!run.outcome.ok) {
        const pinnedFail = run.outcome.failedStep === 'pinned-key';
        const why = pinnedFail ? `TOFU+ refused: ${run.outcome.reason}` : `handshake failed: ${run.outcome.reason}`;
        this.host.record('deny', actor, 0, `denied: pairing ${leg.label} as ${type}: ${why}`);
        // The first leg may already have bound mallory's key at a side that had forgotten its binding: then the
        // attack half succeeded, and the verdict says so rather than "blocked".
        const poisoned = mitm && leg !== legs[0] && !boundBefore.a ? a.name : null;
        if (mitm && poisoned)
          this.host.verdict(
            'breach',
            actor,
            0,
            `MITM half succeeded: ${poisoned} had no binding for ${b.name} and bound ${MALLORY}'s key on that first contact; ${b.name}'s binding refused ${MALLORY}. Compare CellIDs out of band before trusting a first contact.`,
            0,
            { weakness: 'first contact' },
          );
        else if (mitm)
          this.host.verdict(
            'held',
            actor,
            0,
            `MITM after binding blocked by TOFU+: ${a.name} and ${b.name} had bound each other's CellIDs, and ${MALLORY}'s key does not match`,
          );
        return { ok: false, code: pinnedFail ? 'ETOFU' : 'EHANDSHAKE', message: why };
      }
      // Bind first contacts (both honest sides of this leg).
      if (leg.initId.machineName !== MALLORY) this.bindOnContact(actor, leg.init, leg.resp.name, run, 'initiator');
      if (leg.respId.machineName !== MALLORY) this.bindOnContact(actor, leg.resp, leg.init.name, run, 'responder');
    }
    let p = this.between(a.id, b.id);
    const before = p?.type;
    if (p) {
      p.type = type;
      p.mitm = mitm;
      p.since = this.host.time;
    } else {
      p = { id: this.pairings.length + 1, a: a.id, b: b.id, type, live: true, since: this.host.time, mitm };
      this.pairings.push(p);
    }
    const what = `${before ? `re-paired ${a.name} ↔ ${b.name}: ${before} → ${type}` : `paired ${a.name} ↔ ${b.name} as ${type} (${TYPE_MEANS[type]})`}${mitm ? ` — through ${MALLORY}, who holds both session keys` : ''}`;
    this.host.record('pair', actor, 0, `${what}; Noise XX handshake ok`, 0, {
      a: a.name,
      b: b.name,
      type,
      pairing: p.id,
      ...(before ? { was: before } : {}),
      ...(mitm ? { mitm: MALLORY } : {}),
    });
    if (mitm) {
      const firstContact = !boundBefore.a && !boundBefore.b;
      const fresh = firstContact
        ? 'first contact: nothing was bound yet, so the key was taken'
        : 'pure TOFU (no binding check) accepted a new key';
      // On a first contact this is the weakness seed 001 admits (nothing was bound yet); after a binding, a plain breach.
      this.host.verdict(
        'breach',
        actor,
        0,
        `MITM succeeded: ${fresh}; ${a.name} now trusts ${MALLORY}'s CellID ${this.identityText(MALLORY)} as ${b.name}. Compare CellIDs out of band before trusting a first contact.`,
        0,
        firstContact ? { weakness: 'first contact' } : undefined,
      );
    }
    this.changed();
    return { ok: true, pairing: p, message: what };
  }

  /** Sever the pairing at either end: every import across it breaks at once (the kernel checks liveness). */
  unpair(actor: number, aName: string, bName: string): { ok: true; pairing: Pairing } | { ok: false; message: string } {
    const a = this.machine(aName);
    const b = this.machine(bName);
    const p = a && b ? this.between(a.id, b.id) : undefined;
    if (!a || !b || !p) return { ok: false, message: `${aName} and ${bName} are not paired` };
    p.live = false;
    this.host.record('unpair', actor, 0, `severed ${a.name} ↔ ${b.name} (${p.type}): the machines are mutually invisible again`, 0, {
      a: a.name,
      b: b.name,
      type: p.type,
      pairing: p.id,
    });
    this.changed();
    return { ok: true, pairing: p };
  }

  // ── TOFU+ ──────────────────────────────────────────────────────────────────────────────────────────────────

  private pinned(machine: number, peer: string): Uint8Array | undefined {
    if (!this.host.defenses.tofu) return undefined;
    const b = this.bindings.get(machine)?.get(peer);
    return b ? hexToBytes(b.staticHex) : undefined;
  }

  private bindOnContact(actor: number, self: FleetMachine, peer: string, run: HandshakeRun, side: 'initiator' | 'responder'): void {
    if (!run.outcome.ok) return;
    const r = run.outcome[side];
    const sign = run.trace.find((s) => s.index === (side === 'initiator' ? 2 : 3))?.payloadHex ?? '';
    const map = this.bindings.get(self.id) ?? new Map<string, Binding>();
    this.bindings.set(self.id, map);
    const existing = map.get(peer);
    if (existing?.staticHex === r.remoteStaticHex) return;
    if (existing) {
      // Only reachable with TOFU+ off: pure TOFU takes the new key without a word.
      this.host.record(
        'pair',
        actor,
        0,
        `${self.name} accepted a new key for ${peer} without checking its binding (pure TOFU): CellID ${existing.cellId} → ${r.remoteCellId}`,
        0,
        { machine: self.name, peer, binding: 'replaced', cellId: r.remoteCellId, was: existing.cellId },
      );
    } else {
      this.host.record('pair', actor, 0, `${self.name} bound ${peer} to CellID ${r.remoteCellId} on first contact (TOFU+)`, 0, {
        machine: self.name,
        peer,
        binding: 'first contact',
        cellId: r.remoteCellId,
      });
    }
    map.set(peer, { cellId: r.remoteCellId, staticHex: r.remoteStaticHex, signHex: sign, since: this.host.time, how: 'first contact' });
  }

  /**
   * An ADMIN action: forget `self`'s binding for `peer`, so the next contact binds afresh. Who may is decided by
   * the service-pairing (service.ts): ADMIN on `self`.
   */
  forget(actor: number, selfName: string, peer: string): { ok: boolean; message: string } {
    const self = this.machine(selfName);
    if (!self) return { ok: false, message: `no machine named "${selfName}"` };
    if (!this.bindings.get(self.id)?.delete(peer)) return { ok: false, message: `${self.name} has no binding for ${peer}` };
    this.host.record('pair', actor, 0, `${self.name} forgot its binding for ${peer} (ADMIN action); the next contact binds afresh`, 0, {
      machine: self.name,
      peer,
      binding: 'forgotten',
    });
    return { ok: true, message: `${self.name} forgot ${peer}'s CellID` };
  }

  /**
   * Mutual consent (S4): `name` rotates its keys and announces the new ones, signed by its old signing key.
   * Every machine that bound it checks the signature against the key it bound and rebinds; a forged
   * announcement (signed by anyone else) is refused everywhere.
   */
  announce(actor: number, name: string, forged = false): { ok: boolean; rebound: string[]; refused: string[]; message: string } {
    const m = this.machine(name);
    if (!m) return { ok: false, rebound: [], refused: [], message: `no machine named "${name}"` };
    const old = this.identity(name);
    const gen = this.generation(name) + 1;
    const next = deriveIdentity(this.host.seed, `${name}#${gen}`);
    const statement = utf8ToBytes(
      `${ANNOUNCE_TAG}|${name}|${bytesToHex(next.staticKeyPair.publicKey)}|${bytesToHex(next.signingKeyPair.publicKey)}`,
    );
    const signer = forged ? deriveIdentity(this.host.seed, MALLORY).signingKeyPair.secretKey : old.signingKeyPair.secretKey;
    const signature = ed25519.sign(statement, signer);
    const rebound: string[] = [];
    const refused: string[] = [];
    for (const other of this.host.machines) {
      const b = this.bindings.get(other.id)?.get(name);
      if (!b) continue;
      let valid = false;
      try {
        valid = b.signHex.length === 64 && ed25519.verify(signature, statement, hexToBytes(b.signHex));
      } catch {
        valid = false;
      }
      if (!valid) {
        refused.push(other.name);
        this.host.record(
          'deny',
          actor,
          0,
          `denied: ${other.name} refused a new key for ${name}: the announcement is not signed by the key it bound`,
        );
        continue;
      }
      this.bindings.get(other.id)!.set(name, {
        cellId: next.cellIdText,
        staticHex: bytesToHex(next.staticKeyPair.publicKey),
        signHex: bytesToHex(next.signingKeyPair.publicKey),
        since: this.host.time,
        how: 'announcement',
      });
      rebound.push(other.name);
      this.host.record(
        'pair',
        actor,
        0,
        forged
          ? // The signature verified because the key bound for `name` is mallory's: a first contact she sat in on.
            `${other.name} rebound ${name} to CellID ${next.cellIdText} on ${MALLORY}'s forged announcement: the key it bound for ${name} on a poisoned first contact (MITM) is hers`
          : `${other.name} rebound ${name} to CellID ${next.cellIdText}: the announcement is signed by ${name}'s old key (mutual consent)`,
        0,
        {
          machine: other.name,
          peer: name,
          binding: forged ? 'forged announcement' : 'announcement',
          cellId: next.cellIdText,
          was: b.cellId,
        },
      );
    }
    if (forged)
      return {
        ok: false,
        rebound,
        refused,
        message: `forged announcement for ${name}: refused by ${refused.join(', ') || 'nobody (no one had bound it)'}`,
      };
    this.identities.set(name, { gen, id: next });
    this.changed();
    return {
      ok: true,
      rebound,
      refused,
      message: `${name} has new keys (CellID ${next.cellIdText}); rebound by ${rebound.join(', ') || 'nobody (no one had bound it)'}`,
    };
  }

  identityText(name: string): string {
    return (name === MALLORY ? deriveIdentity(this.host.seed, MALLORY) : this.identity(name)).fingerprint;
  }

  private keepHandshake(id: number, label: string, type: PairingType, run: HandshakeRun): void {
    this.handshakes.push({
      id,
      label,
      type,
      protocol: run.protocol,
      steps: run.trace,
      ok: run.outcome.ok,
      outcome: run.outcome.ok
        ? `ok: both sides hold the same handshake hash ${run.outcome.handshakeHashHex.slice(0, 16)}…`
        : run.outcome.reason,
    });
    if (this.handshakes.length > HANDSHAKES_KEPT) this.handshakes.shift();
  }

  /** Labels by machine id: the publisher asks every frame, and they change only with the pairings. */
  private readonly described = new Map<number, string>();

  private changed(): void {
    this.described.clear();
    this.host.touch();
  }

  /** The machine's label on the graph: its role and live pairings. */
  describe(m: FleetMachine): string {
    let text = this.described.get(m.id);
    if (text === undefined) this.described.set(m.id, (text = this.label(m)));
    return text;
  }

  private label(m: FleetMachine): string {
    const parts: string[] = [];
    if (m.role) parts.push(m.role);
    for (const p of this.pairings) {
      if (!p.live || (p.a !== m.id && p.b !== m.id)) continue;
      const other = this.host.machines[p.a === m.id ? p.b : p.a];
      parts.push(`⇄ ${other?.name} ${p.type}${p.mitm ? ' ⚠ MITM' : ''}`);
    }
    return parts.join(' · ');
  }
}
