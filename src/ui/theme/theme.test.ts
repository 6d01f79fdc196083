import { describe, expect, it } from 'vitest';
import { nextChoice, type ThemeChoice } from './theme';

/** The choices the toggle walks through from auto, three clicks. */
const walk = (system: 'light' | 'dark') => {
  const seen: ThemeChoice[] = [];
  let choice: ThemeChoice = 'auto';
  for (let i = 0; i < 3; i++) seen.push((choice = nextChoice({ choice, system })));
  return seen;
};

describe('the theme toggle', () => {
  it('first shows the theme the system does not give, then the one it does, then follows the system again', () => {
    expect(walk('light')).toEqual(['dark', 'light', 'auto']);
    expect(walk('dark')).toEqual(['light', 'dark', 'auto']);
  });
});
