import { nextChoice, setThemeChoice, useThemeState, type ThemeChoice } from './theme';

const MARK: Record<ThemeChoice, string> = { auto: '◐', light: '☀', dark: '☾' };
const WORD: Record<ThemeChoice, string> = { auto: 'Auto', light: 'Light', dark: 'Dark' };

/** What a choice means, in words that start with the button's own: "Auto (light, as the system)", "Dark". */
const says = (choice: ThemeChoice, system: string) => (choice === 'auto' ? `Auto (${system}, as the system)` : WORD[choice]);

/** The top bar's theme button: each click steps auto → the other theme → the system's → auto (see nextChoice). */
export function ThemeToggle({ className = 'button' }: { className?: string }) {
  const state = useThemeState();
  const next = nextChoice(state);
  const label = `Theme: ${says(state.choice, state.system)}. Switch to ${says(next, state.system)}`;
  return (
    <button
      type="button"
      className={`${className} theme-toggle`}
      data-testid="theme-toggle"
      data-choice={state.choice}
      aria-label={label}
      title={label}
      onClick={() => setThemeChoice(next)}
    >
      <span aria-hidden="true">{MARK[state.choice]}</span> {WORD[state.choice]}
    </button>
  );
}
