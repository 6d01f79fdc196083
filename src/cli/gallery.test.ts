import { describe, expect, it } from 'vitest';
import { DEFENSES } from '../kernel/sab/layout';
import { compiled, patternProblem } from '../kernel/checks/pattern';
import { GALLERY, playEntry, stepLines } from './gallery';

describe('the attack gallery', () => {
  it('has the fourteen entries, each well formed', () => {
    expect(GALLERY.map((e) => e.id)).toEqual([
      'relabel',
      'confused-deputy',
      'fork-bomb',
      'intent-flood',
      'stale-cookie',
      'pledge',
      'unveil',
      'forge',
      'image-hash',
      'key-rotation',
      'rate-limit',
      'mitm',
      'diode',
      'pairing-revocation',
    ]);
    for (const e of GALLERY) {
      expect(e.title.length).toBeGreaterThan(0);
      expect(e.steps.length).toBeGreaterThan(0);
      if (e.defense !== null) expect(DEFENSES.map((d) => d.id)).toContain(e.defense);
      // Without a toggle, "off" must differ somewhere: it plays the vulnerable variant of the lines.
      else expect(e.steps.some((s) => s.linesWhenOff && s.linesWhenOff.join('\n') !== s.lines.join('\n'))).toBe(true);
      for (const s of e.steps) expect(s.narration.length).toBeGreaterThan(40);
      expect(patternProblem(e.expect.on)).toBeNull();
      expect(patternProblem(e.expect.off)).toBeNull();
    }
  });

  for (const entry of GALLERY) {
    for (const mode of ['on', 'off'] as const) {
      it(`${entry.id}, defense ${mode}: ends with the expected verdict`, () => {
        const r = playEntry(entry, mode);
        expect(compiled(entry.expect[mode]).test(r.verdict), r.verdict).toBe(true);
        expect(r.ok).toBe(true);
        expect(compiled(entry.expect[mode === 'on' ? 'off' : 'on']).test(r.verdict)).toBe(false); // the modes end differently
        // Rule 8: the verdict's outcome is a field. Every attack here ends held with its defense on, a breach with it off.
        expect(r.outcome).toBe(mode === 'on' ? 'held' : 'breach');
        // Every line is a command that exists and parses; nothing crashed.
        expect(r.transcript.filter((l) => /internal error|unknown command|syntax error/.test(l))).toEqual([]);
        expect(r.steps).toHaveLength(entry.steps.length);
        const ran = r.transcript.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2));
        const planned = entry.steps.flatMap((s) => stepLines(s, mode));
        expect(ran).toEqual(entry.defense ? [`defense ${entry.defense} ${mode}`, ...planned] : planned);
      });
    }
  }

  it('is deterministic for a seed', () => {
    const e = GALLERY.find((x) => x.id === 'stale-cookie')!;
    expect(playEntry(e, 'on', 7).transcript).toEqual(playEntry(e, 'on', 7).transcript);
  });
});
