import { describe, expect, it } from 'vitest';
import defaultScenario from '../../content/scenarios/default.json';
import { KernelHost } from '../host';
import { loadScenario } from './load';

const base = () => JSON.parse(JSON.stringify(defaultScenario));
/** Where the default scenario declares a cap of this interface: [process index, cap index]. */
function capOf(s: ReturnType<typeof base>, iface: string): [number, number] {
  for (const [i, p] of s.processes.entries()) for (const [j, c] of (p.caps ?? []).entries()) if (c.iface === iface) return [i, j];
  throw new Error(`no ${iface} in the default scenario`);
}
const bootErrors = (s: unknown) => {
  const h = new KernelHost(undefined, false);
  const before = h.kernel;
  const r = h.boot(JSON.stringify(s));
  expect(h.kernel).toBe(before); // a refused file changes nothing
  if (r.ok) throw new Error('expected the scenario to be refused');
  return r.errors;
};

describe('boot failures name the field they come from', () => {
  it('a service object whose arguments the service refuses', () => {
    const s = base();
    const [i, j] = capOf(s, 'ChatParticipant');
    delete s.processes[i].caps[j].args;
    expect(bootErrors(s)).toEqual([
      `processes[${i}].caps[${j}]: a ChatParticipant needs a "handle" argument (letters, digits, "_" or "-")`,
    ]);
    const t = base();
    const [a, b] = capOf(t, 'AdventurePlayer');
    t.processes[a].caps[b].args = { name: 'me', room: '-28' };
    expect(bootErrors(t)).toEqual([`processes[${a}].caps[${b}]: no room "-28" (rooms: hall, library, garden)`]);
  });

  it('an interface named like an object prototype property is no interface', () => {
    for (const iface of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const s = base();
      const [i, j] = capOf(s, 'ChatParticipant');
      s.processes[i].caps[j].iface = iface;
      const r = loadScenario(s);
      expect(r.ok, iface).toBe(false);
      const at = `processes[${i}].caps[${j}].iface: `;
      if (!r.ok)
        expect(r.errors).toContain(
          iface.startsWith('_')
            ? `${at}must start with a letter and use only letters, digits, "_", "-" or "." (at most 40 characters)`
            : `${at}"chat-server" has no interface ${iface} (it has Chat, ChatRoot, ChatParticipant, ChatModerator)`,
        );
    }
  });

  it('a parent with more children than its cap table has slots is refused at load, naming the child', () => {
    const s = base();
    for (let n = 0; n < 1100; n++) s.processes.push({ name: `kid${n}`, program: 'idle', parent: 'init' });
    const errors = bootErrors(s);
    const initCaps = s.processes[0].caps.length;
    const children = s.processes.filter((p: { parent?: string }) => p.parent === 'init').length - 1100;
    const first = s.processes.findIndex((p: { name: string }) => p.name === `kid${1024 - initCaps - children}`);
    expect(errors).toEqual([
      `processes[${first}].parent: "init" would hold more than 1024 caps at boot (a handle per child, and its own caps); a cap table has 1024 slots, so give some children another parent`,
    ]);
  });

  it('4,000 processes boot when no parent holds more than its table', () => {
    const s = base();
    for (let hub = 0; hub < 4; hub++) s.processes.push({ name: `hub${hub}`, program: 'idle', parent: 'init' });
    for (let n = 0; s.processes.length < 4000; n++) s.processes.push({ name: `kid${n}`, program: 'idle', parent: `hub${n % 4}` });
    const h = new KernelHost(undefined, false);
    expect(h.boot(JSON.stringify(s))).toMatchObject({ ok: true });
    expect(h.kernel.processes.size).toBe(4000);
  });
});
