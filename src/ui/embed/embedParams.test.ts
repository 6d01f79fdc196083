import { describe, expect, it } from 'vitest';
import { isEmbed, readEmbed } from './embedParams';

describe('embed URL options', () => {
  it('is chosen by embed=1 only', () => {
    expect(isEmbed('?embed=1&scenario=pointsav')).toBe(true);
    expect(isEmbed('?scenario=pointsav')).toBe(false);
    expect(isEmbed('?embed=0')).toBe(false);
    expect(isEmbed('')).toBe(false);
  });

  it('reads the scenario, defaulting to the gallery entry’s and then to the default one', () => {
    const pick = (q: string) => {
      const r = readEmbed(q);
      return r.ok ? [r.request.scenario.id, r.request.entry?.id ?? null] : r.error;
    };
    expect(pick('?embed=1')).toEqual(['default', null]);
    expect(pick('?embed=1&scenario=pointsav')).toEqual(['pointsav', null]);
    expect(pick('?embed=1&gallery=relabel')).toEqual(['default', 'relabel']);
    expect(pick('?embed=1&gallery=diode')).toEqual(['pointsav', 'diode']);
    expect(pick('?embed=1&scenario=default&gallery=diode')).toEqual(['default', 'diode']);
  });

  it('refuses an id that names nothing, listing the ones that exist, with the name made harmless', () => {
    const s = readEmbed('?embed=1&scenario=nope');
    expect(s.ok).toBe(false);
    if (!s.ok) expect(s.error).toBe('There is no built-in scenario "nope". Scenarios: default, pointsav, worm, stress.');
    const g = readEmbed(`?embed=1&gallery=${encodeURIComponent('\u001b[31mx'.padEnd(60, 'y'))}`);
    expect(g.ok).toBe(false);
    if (!g.ok) {
      expect(g.error).toMatch(/^There is no gallery entry ".*…"\. Entries: relabel, /);
      expect(g.error).not.toMatch(/\u001b/);
    }
  });
});
