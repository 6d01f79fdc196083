import { useEffect, useRef, useState } from 'react';
import { DEFENSES } from '../../kernel/sab/layout';
import { useFrameValue } from '../../store/useFrame';
import { runControl } from './controls';

/**
 * The defenses, folded into one button that says at a glance which are off ("⚠ Gate 0 off"), and a menu of
 * toggles. The boxes show the kernel's state (the frame), so a toggle flips once the kernel has it.
 */
export function DefensesMenu({ ready }: { ready: boolean }) {
  const defenses = useFrameValue((f) => f.defenses, 0);
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const off = DEFENSES.filter((_, i) => (defenses & (1 << i)) === 0);
  // Until a world is running (booting, replaying) nothing is known: never show a defense as off then.
  const state = !ready ? 'unknown' : off.length ? 'off' : 'on';
  const summary = !ready
    ? 'Defenses'
    : !off.length
      ? `✓ Defenses: all ${DEFENSES.length} on`
      : off.length <= 2
        ? `⚠ ${off.map((d) => d.short).join(', ')} off`
        : `⚠ ${off.length} defenses off`;

  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    addEventListener('pointerdown', onDown, true);
    root.current?.querySelector('input')?.focus();
    return () => removeEventListener('pointerdown', onDown, true);
  }, [open]);

  return (
    <div
      className="defenses-menu"
      ref={root}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && open) {
          e.stopPropagation();
          setOpen(false);
          button.current?.focus();
        }
      }}
      // Tabbing out of the menu closes it (it would otherwise stay over the graph, out of Esc's reach).
      onBlur={(e) => {
        if (open && !root.current?.contains(e.relatedTarget as Node | null)) setOpen(false);
      }}
    >
      <button
        ref={button}
        type="button"
        className={`button defenses-button ${state}`}
        data-testid="defenses-button"
        aria-expanded={open}
        aria-controls="defenses-menu"
        title={off.length ? `Off: ${off.map((d) => d.label).join('; ')}` : 'Every defense is on'}
        onClick={() => setOpen(!open)}
      >
        {summary} ▾
      </button>
      {/* Always in the DOM (the boxes carry the kernel's state for tests and screen readers); shown when open. */}
      <div className="defenses-pop" id="defenses-menu" role="group" aria-label="Defenses" hidden={!open} data-testid="defenses-menu">
        {DEFENSES.map((d, i) => {
          const on = (defenses & (1 << i)) !== 0;
          const s = !ready ? 'unknown' : on ? 'on' : 'off';
          return (
            <label
              key={d.id}
              className={`defense ${s}`}
              title={
                ready
                  ? `${d.label}: ${s}. Toggling is ledgered (shell: defense ${d.id} on|off)`
                  : `${d.label}: known once the kernel is running`
              }
            >
              <input
                type="checkbox"
                data-testid={`defense-${d.id}`}
                disabled={!ready}
                checked={on}
                onChange={(e) => runControl(`defense ${d.id} ${e.target.checked ? 'on' : 'off'}`)}
              />
              <span className="defense-name">{d.label}</span>
              <span className="defense-state">{s}</span>
            </label>
          );
        })}
      </div>
    </div>
  );
}
