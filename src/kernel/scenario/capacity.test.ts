import { describe, expect, it } from 'vitest';
import defaultScenario from '../../content/scenarios/default.json';
import { stressScenario } from '../../content/scenarios/stress';
import { KernelHost } from '../host';
import { DEFAULT_CAPACITY, H, SabViews } from '../sab/layout';
import { capacityFor } from './capacity';
import { loadScenario } from './load';
import type { Scenario } from './schema';

const loaded = (data: unknown): Scenario => {
  const r = loadScenario(data);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.scenario;
};
const stressText = JSON.stringify(stressScenario());

describe('state tables sized by the scenario', () => {
  it('a small world keeps the default tables; the stress world gets room for twice what it boots', () => {
    expect(capacityFor(loaded(defaultScenario))).toEqual(DEFAULT_CAPACITY);
    const stress = capacityFor(loaded(stressScenario()));
    expect(stress.processes).toBe(2048); // 1,000 booted
    expect(stress.caps).toBe(32768); // 10,100 booted
    expect(stress.ledgerRing).toBe(DEFAULT_CAPACITY.ledgerRing);
  });

  it('a scenario may name its tables; too small for what it boots is refused with the field path', () => {
    const s = JSON.parse(JSON.stringify(defaultScenario));
    s.capacity = { processes: 64, ledgerRing: 512 };
    const c = capacityFor(loaded(s));
    expect([c.processes, c.ledgerRing, c.caps]).toEqual([64, 512, DEFAULT_CAPACITY.caps]);
    s.capacity = { processes: 16, caps: 64 };
    const tooSmall = loadScenario({
      ...s,
      processes: [
        ...s.processes,
        ...Array.from({ length: 12 }, (_, i) => ({
          name: `x${i}`,
          program: 'idle',
          caps: [
            { fs: true },
            { fs: true, name: 'b' },
            { fs: true, name: 'c' },
            { fs: true, name: 'd' },
            { fs: true, name: 'e' },
            { fs: true, name: 'f' },
          ],
        })),
      ],
    });
    expect(tooSmall.ok).toBe(false);
    if (!tooSmall.ok)
      expect(
        tooSmall.errors.some(
          (e) =>
            /^capacity\.processes: the scenario boots with \d+ processes/.test(e) ||
            /^capacity\.caps: the scenario boots with \d+ caps/.test(e),
        ),
      ).toBe(true);
    expect(loadScenario({ ...s, capacity: { processes: 1 << 30 } }).ok).toBe(false);
  });

  it('the host moves to a bigger buffer for the stress world, flags the old one, and the reader follows', () => {
    const host = new KernelHost(undefined, true);
    const before = host.buffer();
    expect(host.boot(stressText).ok).toBe(true);
    const after = host.buffer();
    expect(after).not.toBe(before);
    expect(after.byteLength).toBeGreaterThan(before.byteLength);
    expect(Atomics.load(new SabViews(before).header, H.MOVED)).toBe(1);
    const views = new SabViews(after);
    expect(views.layout.capacity.processes).toBe(2048);
    expect(Atomics.load(views.header, H.MOVED)).toBe(0);
    expect(views.header[H.PROC_ROWS]).toBe(1000);
    // Room to grow: the stress world spawns past the old 1,024-process table.
    for (let i = 0; i < 40; i++) {
      expect(host.exec('spawn "idle"').lines[0].text).toMatch(/^spawned idle as pid/);
      host.kernel.step(10); // the shell's energy refills between spawns
    }
    expect(host.kernel.processes.size).toBeGreaterThan(1024);
    const tables = host
      .exec('tables')
      .lines.map((l) => l.text)
      .join('\n');
    expect(tables).toMatch(/^processes +1040 +2048 +50%$/m);
    expect(tables).toMatch(/^caps +\d+ +32768 /m);
    // Back to a small world: a small buffer again.
    expect(host.boot().ok).toBe(true);
    expect(new SabViews(host.buffer()).layout.capacity).toEqual(DEFAULT_CAPACITY);
  });

  it('an invalid scenario leaves the buffer where it was; a fixed-capacity host never moves', () => {
    const host = new KernelHost(undefined, true);
    const before = host.buffer();
    expect(host.boot('{"format":"capplay-scenario"}').ok).toBe(false);
    expect(host.buffer()).toBe(before);
    const fixed = new KernelHost({ ...DEFAULT_CAPACITY, processes: 1100, caps: 12000 }, true);
    const buffer = fixed.buffer();
    expect(fixed.boot(stressText).ok).toBe(true);
    expect(fixed.buffer()).toBe(buffer);
  });
});
