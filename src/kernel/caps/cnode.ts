import { KernelError } from '../errors';
import type { CapKind } from '../sab/layout';

/** What a cap designates: a kernel object (endpoint, spawner, service object, session) or a process. */
export type CapTarget = { kind: 'object'; id: number } | { kind: 'process'; pid: number };

/** How the holder obtained a cap: shown in the inspector, and what the relabel property test checks. */
export type Origin =
  { how: 'boot' } | { how: 'minted'; by: number } | { how: 'copied' | 'moved'; from: number; slot: number } | { how: 'spawned' };

/**
 * A capability as held in a slot. Holders see it only through the kernel; they cannot edit it.
 * - `badge`: the legacy caller-visible number on a client facet (0 = none).
 * - `generation`: for service objects, the receiver record generation it was minted under (its cookie).
 * - `sourceBadge`: the badge of the cap it was derived from; differs from `badge` only after a relabel.
 */
export interface Cap {
  readonly kind: Exclude<CapKind, 'none'>;
  readonly target: CapTarget;
  readonly badge: number;
  readonly generation: number;
  readonly origin: Origin;
  readonly sourceBadge: number;
  /** Channels and memory regions (Nexus S1): rights bits (r=1 w=2 x=4) as minted or masked — never decayed ones:
   * the effective rights are derived from them, the age and the depth — bounds, delegation depth, the object epoch
   * it was minted under, and when its authority was minted (a copy keeps it: the Law of Decay counts age from there). */
  readonly rights: number;
  readonly bounds?: { base: number; length: number };
  readonly depth: number;
  readonly epoch: number;
  readonly since: number;
  /** Imports: the pairing it crossed (its type attenuates every call; severing it kills the cap). */
  readonly pairing?: number;
}

export function makeCap(
  kind: Cap['kind'],
  target: CapTarget,
  origin: Origin,
  extra: {
    badge?: number;
    generation?: number;
    rights?: number;
    bounds?: { base: number; length: number };
    epoch?: number;
    since?: number;
    pairing?: number;
  } = {},
): Cap {
  const badge = extra.badge ?? 0;
  return {
    kind,
    target,
    badge,
    generation: extra.generation ?? 0,
    origin,
    sourceBadge: badge,
    rights: extra.rights ?? 0,
    ...(extra.bounds ? { bounds: extra.bounds } : {}),
    depth: 0,
    epoch: extra.epoch ?? 0,
    since: extra.since ?? 0,
    ...(extra.pairing ? { pairing: extra.pairing } : {}),
  };
}

export interface Slot {
  name: string;
  cap: Cap;
  /** A move in progress: the slot cannot be used until the move commits (removed) or rolls back. */
  reserved: boolean;
  /** The seq of the grant record that filled the slot (0 until it is ledgered): what later records cite as `from`. */
  granted: number;
}

/** Slots in a process's cap table. */
export const CNODE_SLOTS = 1024;

/** A capability table: numbered slots, each with a name unique within the cnode (what the shell's @name uses). */
export class CNode {
  private slots: (Slot | null)[] = [];
  private used = 0;
  private byName = new Map<string, number>();
  /** Next suffix to try per base name, so many same-named caps (handles to children) stay O(1) to insert. */
  private suffix = new Map<string, number>();
  private firstFree = 0;

  constructor(readonly maxSlots = CNODE_SLOTS) {}

  get size(): number {
    return this.used;
  }

  get full(): boolean {
    return this.used >= this.maxSlots;
  }

  /** Insert into the lowest free slot. The name is made unique (chat, chat-2, …) if it is taken. */
  insert(name: string, cap: Cap): number {
    if (this.full) throw new KernelError('ECAPACITY', `cnode is full (${this.maxSlots} slots)`);
    let unique = name;
    if (this.byName.has(unique)) {
      let n = this.suffix.get(name) ?? 2;
      while (this.byName.has(`${name}-${n}`)) n++;
      unique = `${name}-${n}`;
      this.suffix.set(name, n + 1);
    }
    let slot = this.firstFree;
    while (slot < this.slots.length && this.slots[slot] !== null) slot++;
    this.firstFree = slot + 1;
    this.slots[slot] = { name: unique, cap, reserved: false, granted: 0 };
    this.byName.set(unique, slot);
    this.used++;
    return slot;
  }

  get(slot: number): Slot | null {
    return this.slots[slot] ?? null;
  }

  indexOf(name: string): number {
    return this.byName.get(name) ?? -1;
  }

  /** Look a usable cap up by slot number or name; throws ENOCAP naming what was asked for. */
  lookup(ref: string | number): { slot: number } & Slot {
    const slot = typeof ref === 'number' ? ref : this.indexOf(ref);
    const entry = slot >= 0 ? this.slots[slot] : null;
    if (!entry) throw new KernelError('ENOCAP', typeof ref === 'number' ? `no cap in slot ${ref}` : `no cap named @${ref}`);
    if (entry.reserved) throw new KernelError('EBUSY', `@${entry.name} is being moved`);
    return { slot, ...entry };
  }

  /** Put a changed cap (a MASK, a refresh after revocation) back into its slot. */
  replace(slot: number, cap: Cap): void {
    const entry = this.slots[slot];
    if (entry) entry.cap = cap;
  }

  setReserved(slot: number, reserved: boolean): void {
    const entry = this.slots[slot];
    if (entry) entry.reserved = reserved;
  }

  remove(slot: number): Slot | null {
    const entry = this.slots[slot] ?? null;
    if (entry) {
      this.slots[slot] = null;
      this.byName.delete(entry.name);
      this.used--;
      if (slot < this.firstFree) this.firstFree = slot;
    }
    return entry;
  }

  removeWhere(pred: (cap: Cap) => boolean): Slot[] {
    const removed: Slot[] = [];
    this.slots.forEach((s, i) => {
      if (s && pred(s.cap)) removed.push(this.remove(i)!);
    });
    return removed;
  }

  *entries(): IterableIterator<[number, Slot]> {
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      if (s) yield [i, s];
    }
  }
}
