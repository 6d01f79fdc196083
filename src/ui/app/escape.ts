/**
 * Whether an Esc belongs to something in front: a field, a menu or dialog that is open, the find box. The page's
 * own uses of Esc (letting go of the picked node, dismissing the start-here card) give way to those.
 */
export function escapeClaimed(e: KeyboardEvent): boolean {
  if (e.defaultPrevented) return true;
  const t = e.target instanceof Element ? e.target : null;
  // The terminal's own textarea is not a field here: each use of Esc decides about the terminal itself.
  if (t?.closest('input, select, textarea:not(.xterm-helper-textarea), dialog, [role="dialog"], .defenses-menu')) return true;
  return document.querySelector('dialog[open], [data-testid="defenses-menu"]:not([hidden])') !== null;
}
