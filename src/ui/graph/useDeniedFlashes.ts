import { useEffect, useState } from 'react';
import { useApp } from '../../store/store';

export interface Flash {
  seq: number;
  /** A refused grant or call: an edge from source to target. An abort: the fiber itself (target ''). */
  kind: 'denied' | 'abort';
  source: string;
  target: string;
  reason: string;
  detail: string;
}

const FLASH_MS = 6000;

/** The reason part of a denial record, short enough for an edge label. */
function shortReason(detail: string): string {
  const gate = detail.indexOf('Gate 0');
  const why = gate >= 0 ? detail.slice(gate) : detail.replace(/^denied: /, '');
  const first = why.split(';')[0];
  return first.length > 72 ? `${first.slice(0, 71)}…` : first;
}

/** Denials that name the object they tried to reach, as they happen (not the history), for a few seconds. */
export function useDeniedFlashes(): Flash[] {
  const feed = useApp((s) => s.ledger);
  const [flashes, setFlashes] = useState<Flash[]>([]);
  useEffect(() => {
    if (!feed) return;
    let seen = feed.head; // by seq: the feed is a window whose positions shift
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const unsubscribe = feed.subscribe(() => {
      const entries = feed.entries;
      const fresh: Flash[] = [];
      if (feed.head < seen) seen = 0; // a new scenario
      let i = entries.length;
      while (i > 0 && entries[i - 1].seq > seen) i--;
      for (; i < entries.length; i++) {
        const e = entries[i];
        if (e.kind === 'deny' && e.object && e.actor) {
          fresh.push({
            seq: e.seq,
            kind: 'denied',
            source: `p:${e.actor}`,
            target: `o:${e.object}`,
            reason: shortReason(e.detail),
            detail: e.detail,
          });
        }
        if (e.kind === 'abort' && e.actor) {
          const need = /needs (.*?);/.exec(e.detail)?.[1] ?? '';
          fresh.push({
            seq: e.seq,
            kind: 'abort',
            source: `p:${e.actor}`,
            target: '',
            reason: `aborted: missing ${need}`,
            detail: e.detail,
          });
        }
      }
      seen = feed.head;
      if (!fresh.length) return;
      setFlashes((f) => [...f, ...fresh].slice(-8));
      const timer = setTimeout(() => {
        timers.delete(timer);
        setFlashes((f) => f.filter((x) => !fresh.includes(x)));
      }, FLASH_MS);
      timers.add(timer);
    });
    return () => {
      unsubscribe();
      for (const t of timers) clearTimeout(t);
    };
  }, [feed]);
  return flashes;
}
