import { useEffect, useRef, useState, type RefObject } from 'react';
import type { Frame, StringTable } from '../kernel/sab/layout';
import { useApp } from './store';

/**
 * A value derived from each frame; the component re-renders only when the value changes (compare with
 * Object.is, so select primitives). Use it for structural things: topology version, clock state, ledger head.
 */
export function useFrameValue<T>(select: (f: Frame, s: StringTable) => T, initial: T): T {
  const frames = useApp((s) => s.frames);
  const [value, setValue] = useState(initial);
  const selectRef = useRef(select);
  selectRef.current = select;
  useEffect(() => frames?.subscribe((f, s) => setValue(selectRef.current(f, s))), [frames]);
  return value;
}

/**
 * Per-frame text written straight into a DOM node, bypassing React, for figures that change every frame
 * (virtual time, run counters, process state).
 */
export function useLiveText(ref: RefObject<HTMLElement | null>, text: (f: Frame, s: StringTable) => string): void {
  const frames = useApp((s) => s.frames);
  const textRef = useRef(text);
  textRef.current = text;
  useEffect(
    () =>
      frames?.subscribe((f, s) => {
        const el = ref.current;
        if (!el) return;
        const t = textRef.current(f, s);
        if (el.textContent !== t) el.textContent = t;
      }),
    [frames, ref],
  );
}
