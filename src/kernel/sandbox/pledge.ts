/**
 * Pledge (Nexus S2, OpenBSD pledge(2) where the seed is silent): promise classes a fiber declares; a later pledge
 * may only drop promises (one-way ratchet), and the ratchet holds across spawn: a child starts with at most its
 * parent's promises ∩ its execpromises. An unpledged fiber (null) has every promise: it may do anything its caps
 * allow.
 */

export const PROMISES = ['net', 'stdio', 'rw', 'storage', 'spawn', 'audio', 'video', 'gpu'] as const;
export type Promise_ = (typeof PROMISES)[number];

const BITS = new Map(PROMISES.map((p, i) => [p, 1 << i]));
export const bit = (p: Promise_): number => BITS.get(p)!;

/** "stdio net" → bits; an unknown word is reported by name. */
export function parsePromises(text: string): { ok: true; bits: number } | { ok: false; error: string } {
  let bits = 0;
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    if (!(PROMISES as readonly string[]).includes(word))
      return { ok: false, error: `"${word}" is not a promise (promises: ${PROMISES.join(' ')})` };
    bits |= bit(word as Promise_);
  }
  return { ok: true, bits };
}

export function promisesText(bits: number | null): string {
  if (bits === null) return '(unpledged)';
  const words = PROMISES.filter((p) => bits & bit(p));
  return words.length ? words.join(' ') : '(none)';
}

/** What each operation needs. One of the listed promises suffices; `help pledge` prints this table. */
export const NEEDS: readonly { op: string; needs: Promise_[] }[] = [
  { op: 'SPAWN a fiber', needs: ['spawn'] },
  { op: 'terminal I/O (stdio service), channels, MAP, MASK, GRANT', needs: ['stdio'] },
  { op: 'chat and other network services', needs: ['net'] },
  { op: 'open, read, write or list a file', needs: ['rw', 'storage'] },
  { op: 'append to or read the WORM ledger (service-fs)', needs: ['storage'] },
  { op: 'unveil (dropping rw and storage locks it)', needs: ['rw', 'storage'] },
  { op: '/dev/audio, /dev/video, /dev/gpu', needs: ['audio', 'video', 'gpu'] },
  { op: 'sleep, exit, read the timer', needs: [] },
];

/** The promises (any one of them) an operation needs, or null for always allowed. */
export function allows(pledge: number | null, needs: readonly Promise_[]): boolean {
  if (pledge === null || needs.length === 0) return true;
  for (let i = 0; i < needs.length; i++) if (pledge & BITS.get(needs[i])!) return true; // no closure: a hot path
  return false;
}

/**
 * The most a child may start pledged to: its parent's promises ∩ its execpromises (null, unpledged, is every
 * promise; no execpromises bound nothing more). Tighter than OpenBSD, where execpromises alone bound a child.
 */
export function childBound(pledge: number | null, execpromises: number | null): number | null {
  if (pledge === null) return execpromises;
  return execpromises === null ? pledge : pledge & execpromises;
}

/** A later pledge may only drop promises. Returns why not, or null. */
export function ratchetProblem(current: number | null, next: number, what = 'pledge'): string | null {
  if (current === null) return null;
  const added = next & ~current;
  return added ? `${what} may only drop promises: "${promisesText(added)}" would be added to "${promisesText(current)}"` : null;
}
