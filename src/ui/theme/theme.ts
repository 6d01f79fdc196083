import { useSyncExternalStore } from 'react';

/** What the viewer picked: follow the system ('auto'), or always light or dark. */
export type ThemeChoice = 'auto' | 'light' | 'dark';
/** What is shown. */
export type Theme = 'light' | 'dark';

/**
 * The viewer's preference, kept in this browser (not in the session: it is not part of the world). index.html's
 * inline script reads the same key before first paint, so the page never flashes the other theme.
 */
export const THEME_KEY = 'capplay.theme';

const CHOICES: readonly ThemeChoice[] = ['auto', 'light', 'dark'];
/** The choice, the theme it gives, and the system's own (which says what the toggle does next). */
export interface ThemeState {
  choice: ThemeChoice;
  theme: Theme;
  system: Theme;
}

const listeners = new Set<() => void>();
let state: ThemeState = { choice: 'auto', theme: 'dark', system: 'dark' };
let started = false;

const systemTheme = (): Theme =>
  typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(THEME_KEY);
    return CHOICES.includes(v as ThemeChoice) ? (v as ThemeChoice) : 'auto';
  } catch {
    return 'auto'; // storage refused: follow the system
  }
}

/** Work out the theme from the choice and the system, set it on <html>, tell whoever listens if it changed. */
function apply(choice: ThemeChoice): void {
  const system = systemTheme();
  const theme = choice === 'auto' ? system : choice;
  document.documentElement.dataset.theme = theme;
  if (choice === state.choice && theme === state.theme && system === state.system) return;
  state = { choice, theme, system };
  for (const l of listeners) l();
}

/** Once, at boot: take the stored choice, and follow the system (when 'auto') and other tabs live. */
export function startTheme(): void {
  if (started) return;
  started = true;
  apply(stored());
  if (typeof matchMedia === 'function') matchMedia('(prefers-color-scheme: light)').addEventListener('change', () => apply(state.choice));
  addEventListener('storage', (e) => {
    if (e.key === THEME_KEY || e.key === null) apply(stored());
  });
}

export function setThemeChoice(next: ThemeChoice): void {
  try {
    if (next === 'auto') localStorage.removeItem(THEME_KEY);
    else localStorage.setItem(THEME_KEY, next);
  } catch {
    // refused: the choice holds for this visit
  }
  apply(next);
}

/**
 * The toggle's next choice: first the theme the system does not give, then the one it does, then back to auto,
 * so each of the first two clicks changes what is seen.
 */
export function nextChoice({ choice, system }: Pick<ThemeState, 'choice' | 'system'>): ThemeChoice {
  const other: Theme = system === 'light' ? 'dark' : 'light';
  if (choice === 'auto') return other;
  return choice === other ? system : 'auto';
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

const snapshot = () => state;
export const useThemeState = (): ThemeState => useSyncExternalStore(subscribe, snapshot);
/** The theme shown, for what CSS cannot reach (the xterm, the energy canvas). */
export const useTheme = (): Theme => useThemeState().theme;
/** The same, outside React (a terminal's lifetime): the theme now, and a call on each change. */
export const currentTheme = (): Theme => state.theme;
export const onThemeChange = subscribe;
