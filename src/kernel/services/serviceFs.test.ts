import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import pointsav from '../../content/scenarios/pointsav.json';
import worm from '../../content/scenarios/worm.json';
import { grantsInForce, provenance } from '../caps/provenance';
import { evaluate } from '../checks/check';
import { KernelHost } from '../host';
import type { Kernel } from '../kernel';
import { verdictOutcome } from '../sab/layout';
import { boot } from '../scenario/boot';
import { loadScenario } from '../scenario/load';
import type { CallResult } from '../types';
import { APPEND_MAX } from './records';
import { serviceFs } from './serviceFs';

/**
 * Seed 000: "service-fs — the WORM ledger; append capability is granted to Ring 1 ingest services; no
 * read-modify-write capability exists at the API surface." Each rule is checked against the kernel's ledger.
 */

function world(edit?: (s: typeof worm) => void) {
  const scenario = structuredClone(worm);
  edit?.(scenario);
  const loaded = loadScenario(scenario);
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const k = boot(loaded.scenario);
  const pid = (name: string) => [...k.processes.values()].find((p) => p.name === name)!.pid;
  return { k, shell: pid('shell'), sensor: pid('sensor'), server: pid('ledger') };
}

const value = (r: CallResult) => {
  if (!r.ok) throw new Error(`${r.code}: ${r.error}`);
  return r.value;
};
const appended = (k: Kernel) => k.ledger.page(1, k.ledger.length).filter((e) => e.kind === 'appended');
const last = (k: Kernel) => k.ledger.last(1)[0];

describe('service-fs (seed 000): append is a capability', () => {
  it('seed 000: an append through a LedgerAppend cap is ledgered as the appended kind, authored by the caller', () => {
    const { k, shell, server } = world();
    const { seq } = value(k.call(shell, 'notes', 'append', { args: ['shift change: all clear'] })) as { seq: number };
    const e = k.ledger.page(seq, 1)[0];
    const notes = k.process(shell).cnode.lookup('notes').cap;
    expect(e).toMatchObject({
      kind: 'appended',
      actor: shell, // the author: the process that called, known to the kernel, never told to the service
      subject: server,
      object: notes.target.kind === 'object' ? notes.target.id : -1,
      detail: `shell (pid ${shell}) appended through LedgerAppend console: "shift change: all clear"`,
      facts: { via: 'LedgerAppend console' },
    });
    expect(verdictOutcome(e)).toBeUndefined();
  });

  it('seed 000: the ingest process appends with the cap the policy file granted it, as itself', () => {
    const { k, sensor } = world();
    k.step(3500);
    const mine = appended(k);
    expect(mine.length).toBe(2); // at boot's first turn, and 3 s later
    for (const e of mine) {
      expect(e.actor).toBe(sensor);
      expect(e.detail).toMatch(/^sensor \(pid \d+\) appended through LedgerAppend sensor-1: "temperature 21\.5 C #\d"$/);
    }
  });

  it('seed 000: a process without an append cap is refused by the kernel (ENOCAP), and nothing is appended', () => {
    const { k, shell } = world();
    const idle = k.spawn(shell, 'idle', { name: 'idle' });
    const before = appended(k).length;
    expect(k.call(idle.pid, 'ledger', 'append', { args: ['let me in'] })).toMatchObject({ ok: false, code: 'ENOCAP' });
    expect(last(k)).toMatchObject({ kind: 'deny', actor: idle.pid });
    expect(appended(k).length).toBe(before);
  });

  it('seed 000: a shell without an append cap cannot append: the kernel refuses the call, not the shell', () => {
    const s = structuredClone(worm) as unknown as { processes: { name: string; caps: { name?: string }[] }[] };
    const sh = s.processes.find((p) => p.name === 'shell')!;
    sh.caps = sh.caps.filter((c) => c.name !== 'notes');
    const host = new KernelHost(undefined, false);
    expect(host.boot(JSON.stringify(s)).ok).toBe(true);
    const shell = [...host.kernel.processes.values()].find((p) => p.name === 'shell')!.pid;
    const before = appended(host.kernel).length;
    expect(host.exec('call @notes append "hi"').lines.map((l) => l.text)).toEqual(['call: ENOCAP: no cap named @notes']);
    // The refusal is the CALL router's, ledgered as the kernel's denial of the shell's call.
    expect(last(host.kernel)).toMatchObject({
      kind: 'deny',
      actor: shell,
      detail: `denied: append on @notes by shell (pid ${shell}): ENOCAP: no cap named @notes`,
    });
    expect(appended(host.kernel).length).toBe(before);
  });

  it('seed 000: appending needs the "storage" promise: an ingest pledged without it is aborted, nothing appended', () => {
    const host = new KernelHost(undefined, false);
    expect(host.boot(JSON.stringify(worm)).ok).toBe(true);
    host.exec('run "ingest hello" pledge "stdio" with { stdio: client @stdio, ledger: @notes }');
    host.kernel.step(30);
    expect(appended(host.kernel).filter((e) => e.detail.startsWith('ingest'))).toEqual([]);
    expect(host.kernel.ledger.last(20).map((e) => e.detail)).toContainEqual(expect.stringMatching(/append on @ledger needs "storage"/));
  });

  it('seed 000: a read cap cannot append (EIFACE), nor can a LedgerAppend read', () => {
    const { k, shell } = world();
    const before = appended(k).length;
    expect(k.call(shell, 'audit', 'append', { args: ['x'] })).toMatchObject({
      ok: false,
      code: 'EIFACE',
      error: 'append belongs to LedgerAppend; @audit is a LedgerRead',
    });
    expect(k.call(shell, 'notes', 'tail')).toMatchObject({ ok: false, code: 'EIFACE' });
    expect(k.call(shell, 'notes', 'append', { iface: 'LedgerRead', args: ['x'] })).toMatchObject({ ok: false, code: 'EIFACE' });
    expect(appended(k).length).toBe(before);
  });

  it('seed 000: the kernel itself appends only for a call on LedgerAppend, once per call, whatever the service asks', () => {
    const { k, shell, server } = world();
    const ep = [...k.objects.values()].find((o) => o.kind === 'endpoint' && o.owner === server)!;
    const service = ep.service!;
    // A service gone wrong: it tries to append on every call, twice.
    service.def = {
      ...serviceFs,
      handle: (ctx, _s, req) => {
        const first = ctx.ledger!.append(req.ticket, 'written by the service');
        const second = ctx.ledger!.append(req.ticket, 'and again');
        return { ok: true, value: [first, second] as never };
      },
    };
    const onRead = value(k.call(shell, 'audit', 'size')) as { ok: boolean; code?: string }[];
    expect(onRead[0]).toMatchObject({ ok: false, code: 'EIFACE' });
    const onAppend = value(k.call(shell, 'notes', 'append', { args: ['x'] })) as { ok: boolean; code?: string }[];
    expect(onAppend[0]).toMatchObject({ ok: true });
    expect(onAppend[1]).toMatchObject({ ok: false, code: 'EINVAL' });
    // And outside a call it names no one.
    expect(service.ctx.ledger!.append(1, 'x')).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(appended(k).filter((e) => e.actor === shell).length).toBe(1);
  });

  it('seed 000: answering an append, the service cannot read the ledger (it cannot look up the record it made)', () => {
    const { k, shell, server } = world();
    const ep = [...k.objects.values()].find((o) => o.kind === 'endpoint' && o.owner === server)!;
    const service = ep.service!;
    let peeked: unknown = 'not called';
    // A service that wants to know who called: it appends, then reads back the record's author.
    service.def = {
      ...serviceFs,
      handle: (ctx, s, req) => {
        const reply = serviceFs.handle(ctx, s as null, req);
        const seq = 'ok' in reply && reply.ok ? (reply.value as { seq?: number } | undefined)?.seq : undefined;
        if (seq) peeked = [ctx.ledger!.read(req.ticket, seq, 1), ctx.ledger!.size(req.ticket)];
        return reply;
      },
    };
    value(k.call(shell, 'notes', 'append', { args: ['who am i'] }));
    expect(peeked).toEqual([null, null]);
    // Outside any call it reads nothing either; answering a LedgerRead call it reads (authors included).
    expect(service.ctx.ledger!.read(1, 1, 1)).toBeNull();
    const tail = value(k.call(shell, 'audit', 'tail', { args: [1] })) as { actor: number }[];
    expect(tail).toMatchObject([{ actor: shell }]);
  });

  it('seed 000: only a service whose definition serves the WORM ledger is lent it', () => {
    const { k } = world();
    for (const o of k.objects.values()) {
      if (!o.service) continue;
      expect(o.service.ctx.ledger !== undefined, o.name).toBe(o.service.def === serviceFs);
    }
  });
});

describe('service-fs (seed 000): the ledger stays where it is kept', () => {
  type Sc = { machines: { name: string; role?: string }[]; processes: Record<string, unknown>[] };
  const fleet = (edit: (s: Sc) => void) => {
    const s = structuredClone(pointsav) as unknown as Sc;
    edit(s);
    return loadScenario(s);
  };
  const refused = (r: ReturnType<typeof loadScenario>) => (r.ok ? [] : r.errors.filter((e) => e.includes('service-fs')));

  it('seed 000: a service-fs on the MediaKit, its reader there, is refused at load, naming why (no Totebox records reach it)', () => {
    const r = fleet((s) => {
      s.processes.push({ name: 'mklog', program: 'service-fs', machine: 'mediakit', caps: [{ endpoint: 'mklog' }] });
      s.processes.push({
        name: 'spy',
        program: 'idle',
        machine: 'mediakit',
        caps: [{ name: 'audit', object: 'mklog', iface: 'LedgerRead' }],
      });
    });
    const at = (structuredClone(pointsav) as unknown as Sc).processes.length;
    expect(refused(r)).toEqual([
      `processes[${at}]: "mklog" runs service-fs on mediakit; the kernel keeps one ledger for the whole fleet, and service-fs serves it whole, so it runs only on the Totebox (role "totebox": totebox) or in a one-machine scenario; on mediakit (role "mediakit") it would hand that machine the fleet's records outside any pairing and past the Diode`,
    ]);
  });

  it('seed 000: a MediaKit ingest cannot append what a Totebox auditor reads: its own service-fs is refused, the Totebox’s is out of reach', () => {
    const tb = { name: 'tblog', program: 'service-fs', machine: 'totebox', caps: [{ endpoint: 'tblog' }] };
    const auditor = {
      name: 'auditor',
      program: 'idle',
      machine: 'totebox',
      caps: [{ name: 'audit', object: 'tblog', iface: 'LedgerRead' }],
    };
    const own = fleet((s) => {
      s.processes.push(tb, auditor, { name: 'mklog', program: 'service-fs', machine: 'mediakit', caps: [{ endpoint: 'mklog' }] });
      s.processes.push({
        name: 'edge',
        program: 'ingest',
        machine: 'mediakit',
        caps: [{ name: 'ledger', object: 'mklog', iface: 'LedgerAppend', args: { source: 'edge' } }],
      });
    });
    expect(refused(own)).toEqual([expect.stringContaining('"mklog" runs service-fs on mediakit')]);
    const far = fleet((s) => {
      s.processes.push(tb, auditor);
      s.processes.push({
        name: 'edge',
        program: 'ingest',
        machine: 'mediakit',
        caps: [{ name: 'ledger', object: 'tblog', iface: 'LedgerAppend', args: { source: 'edge' } }],
      });
    });
    expect(far.ok ? [] : far.errors).toEqual([
      expect.stringContaining('endpoint "tblog" is served on totebox and "edge" runs on mediakit'),
    ]);
    // On the Totebox itself it loads.
    expect(fleet((s) => s.processes.push(tb, auditor)).ok).toBe(true);
  });

  it('seed 000: no Totebox, two Toteboxes, or a role-less machine of a fleet: refused; a one-machine world of any role loads', () => {
    const roleless = fleet((s) => {
      s.machines.push({ name: 'alpha' });
      s.processes.push({ name: 'log', program: 'service-fs', machine: 'alpha', caps: [{ endpoint: 'log' }] });
    });
    expect(refused(roleless)).toEqual([expect.stringContaining('on alpha (no role) it would hand that machine the fleet')]);
    const two = fleet((s) => {
      s.machines.push({ name: 'vault2', role: 'totebox' });
      s.processes.push({ name: 'log', program: 'service-fs', machine: 'vault2', caps: [{ endpoint: 'log' }] });
    });
    expect(refused(two)).toEqual([expect.stringContaining('one Totebox (this one has 2: totebox, vault2)')]);
    const none = structuredClone(worm) as unknown as Sc;
    none.machines = [{ name: 'alpha' }, { name: 'beta' }];
    expect(refused(loadScenario(none))).toEqual([expect.stringContaining('and this fleet has none')]);
    for (const role of [undefined, 'mediakit']) {
      const one = structuredClone(worm) as unknown as Sc;
      one.machines = [{ name: 'solo', ...(role && { role }) }];
      expect(loadScenario(one).ok, String(role)).toBe(true);
    }
  });
});

describe('service-fs (seed 000): a policy file’s mistakes are named', () => {
  const bootWith = (cap: Record<string, unknown>) => {
    const s = structuredClone(worm) as unknown as { processes: { name: string; caps: Record<string, unknown>[] }[] };
    s.processes.find((p) => p.name === 'sensor')!.caps = [{ name: 'ledger', object: 'ledger', ...cap }];
    const r = new KernelHost(undefined, false).boot(JSON.stringify(s));
    return r.ok ? [] : r.errors;
  };

  it('seed 000: a LedgerAppend’s source: missing, too long, not a name, not a string — each said as such', () => {
    const source = (v: unknown) => bootWith({ iface: 'LedgerAppend', ...(v !== undefined && { args: { source: v } }) });
    const lead = 'processes[4].caps[0]: a LedgerAppend\'s "source" argument names what appends (e.g. "sensor-1"): ';
    expect(source(undefined)).toEqual([`${lead}it is missing`]);
    expect(source('x'.repeat(41))).toEqual([`${lead}it is 41 characters; at most 40`]);
    expect(source('two words')).toEqual([`${lead}"two words" is not a name (a letter, then letters, digits, "_", "-" or ".")`]);
    expect(source(7)).toEqual([`${lead}it is a number, not a name`]);
    expect(source('x'.repeat(40))).toEqual([]);
  });

  it('seed 000: an unknown interface is told the ones a policy file can ask for (not Ledger, which has no methods)', () => {
    expect(bootWith({ iface: 'LedgerWrite' })).toEqual([
      'processes[4].caps[0].iface: "service-fs" has no interface LedgerWrite (it has LedgerAppend, LedgerRead)',
    ]);
  });
});

describe('service-fs (seed 000): no read-modify-write at the API surface', () => {
  it('seed 000: modify, delete, update, write, truncate… are refused by name (EWORM) on every interface', () => {
    const { k, shell } = world();
    const before = appended(k).length;
    for (const cap of ['notes', 'audit'])
      for (const m of ['modify', 'delete', 'update', 'write', 'truncate', 'Overwrite', 'erase']) {
        const r = k.call(shell, cap, m, { args: [1, 'changed'] });
        expect(r, `${m} on @${cap}`).toMatchObject({ ok: false, code: 'EWORM' });
        expect(!r.ok && r.error).toContain('service-fs is append-only (WORM, seed 000): no interface can modify or delete a record');
        expect(last(k).detail).toContain(`${m} on @${cap}`);
      }
    expect(k.call(shell, 'notes', 'frobnicate')).toMatchObject({ ok: false, code: 'ENOMETHOD' });
    expect(appended(k).length).toBe(before);
  });

  it('seed 000: a verb inside a longer name — camelCase, snake_case, dotted, colons — is refused by name too (EWORM)', () => {
    const { k, shell } = world();
    const before = appended(k).length;
    const names = ['deleteRecord', 'delete_record', 'DELETE', 'record-delete', 'ledger.wipe', 'fs:Truncate', 'HTTPDelete', 'delete2'];
    const verbs = ['insert', 'prepend', 'splice', 'wipe', 'destroy', 'expunge', 'prune', 'forget', 'trim', 'pop', 'tamper'];
    for (const m of [...names, ...verbs, 'insertAt', 'pop_last', 'tamperWith'])
      expect(k.call(shell, 'notes', m, { args: [1] }), m).toMatchObject({ ok: false, code: 'EWORM' });
    // A word that merely contains a verb is not one; the methods that exist keep their answers.
    for (const m of ['offset', 'seek', 'appendix', 'popular'])
      expect(k.call(shell, 'notes', m), m).toMatchObject({ ok: false, code: 'ENOMETHOD' });
    expect(k.call(shell, 'audit', 'append', { args: ['x'] })).toMatchObject({ ok: false, code: 'EIFACE' });
    expect(Object.values(serviceFs.interfaces).flat()).toEqual(['append', 'size', 'read', 'tail']);
    expect(appended(k).length).toBe(before);
  });

  it('seed 000: a bare facet of the ledger endpoint reaches no method', () => {
    const { k, shell } = world((s) => s.processes.find((p) => p.name === 'shell')!.caps.push({ name: 'facet', client: 'ledger' } as never));
    const before = appended(k).length;
    expect(k.call(shell, 'facet', 'append', { args: ['x'] })).toMatchObject({
      ok: false,
      code: 'EIFACE',
      error: 'append belongs to LedgerAppend; @facet is a Ledger',
    });
    expect(k.call(shell, 'facet', 'tail')).toMatchObject({ ok: false, code: 'EIFACE' });
    expect(appended(k).length).toBe(before);
  });

  it('seed 000: an import of the ledger across a pairing reaches no method (even an ADMIN pairing)', () => {
    const { k } = world((s) => {
      const sc = s as unknown as { machines: object[]; pairings: object[]; processes: object[] };
      sc.machines.push({ name: 'console', role: 'console' });
      sc.pairings = [{ a: 'console', b: 'totebox', type: 'ADMIN' }];
      sc.processes.push({ name: 'remote', program: 'idle', machine: 'console', caps: [{ name: 'far', import: 'totebox/ledger' }] });
    });
    const remote = [...k.processes.values()].find((p) => p.name === 'remote')!.pid;
    const before = appended(k).length;
    expect(k.call(remote, 'far', 'append', { args: ['from afar'] })).toMatchObject({ ok: false, code: 'EIFACE' });
    expect(k.call(remote, 'far', 'tail')).toMatchObject({ ok: false, code: 'EIFACE' });
    expect(k.call(remote, 'far', 'delete', { args: [1] })).toMatchObject({ ok: false, code: 'EWORM' });
    expect(appended(k).length).toBe(before);
  });

  it('seed 000: the read interface gives size, ranges and the tail, each record saying whose word it is', () => {
    const { k, shell } = world();
    value(k.call(shell, 'notes', 'append', { args: ['mine'] }));
    const size = value(k.call(shell, 'audit', 'size')) as number;
    expect(size).toBe(k.ledger.length);
    const tail = value(k.call(shell, 'audit', 'tail', { args: [2] })) as { seq: number; kind: string; by: string }[];
    expect(tail.map((e) => e.seq)).toEqual([size - 1, size]);
    expect(tail.at(-1)).toMatchObject({ kind: 'appended', by: 'process', actor: shell });
    const first = value(k.call(shell, 'audit', 'read', { args: [1, 2] })) as { seq: number; kind: string; by: string }[];
    expect(first).toMatchObject([
      { seq: 1, kind: 'boot', by: 'kernel' },
      { seq: 2, by: 'kernel' },
    ]);
    for (const bad of [[0], [1, 0], [1, 101], ['x'], [1.5]])
      expect(k.call(shell, 'audit', 'read', { args: bad }), JSON.stringify(bad)).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(k.call(shell, 'audit', 'tail', { args: [1000] })).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(value(k.call(shell, 'audit', 'read', { args: [size + 50] }))).toEqual([]);
  });

  it('seed 000: bad input — huge text, control sequences, a non-string, no text — is refused or cleaned, never thrown', () => {
    const { k, shell } = world();
    const before = appended(k).length;
    const refused = (args: unknown[]) => k.call(shell, 'notes', 'append', { args: args as never });
    expect(refused(['x'.repeat(APPEND_MAX + 1)])).toMatchObject({
      ok: false,
      code: 'EINVAL',
      error: expect.stringContaining('at most 400'),
    });
    expect(refused(['x'.repeat(1_000_000)])).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(refused([42])).toMatchObject({ ok: false, code: 'EINVAL', error: expect.stringContaining('not number') });
    expect(refused([null])).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(refused([{ text: 'x' }])).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(refused([])).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(refused(['a', 'b'])).toMatchObject({ ok: false, code: 'EINVAL' });
    expect(refused(['\x1b[2J\x1b]52;c;aGk=\x07'])).toMatchObject({
      ok: false,
      code: 'EINVAL',
      error: expect.stringContaining('nothing printable'),
    });
    expect(appended(k).length).toBe(before);
    const { seq } = value(refused(['\x1b[31mred\x1b[0m\nline \u202egnp.exe'])) as { seq: number };
    const e = k.ledger.page(seq, 1)[0];
    expect(e.detail).toBe(`shell (pid ${shell}) appended through LedgerAppend console: "red line gnp.exe" (control characters removed)`);
    expect(e.facts).toEqual({ via: 'LedgerAppend console', cleaned: 1 });
  });

  it('seed 000: cleaning never lengthens a record past 400 characters, and invisible text is nothing printable', () => {
    const { k, shell } = world();
    const append = (text: string) => k.call(shell, 'notes', 'append', { args: [text] });
    const stored = (r: CallResult) => {
      const d = k.ledger.page((value(r) as { seq: number }).seq, 1)[0].detail;
      return JSON.parse(/: (".*")( \(control characters removed\))?$/.exec(d)![1]) as string;
    };
    // A tab is one space, not up to eight: 'x' and 399 tabs store 400 characters, not 3,276.
    expect(stored(append('x' + '\t'.repeat(APPEND_MAX - 1)))).toBe('x' + ' '.repeat(APPEND_MAX - 1));
    expect(stored(append('a\tb'))).toBe('a b');
    // Every line break, U+2028 and U+2029 included, becomes a space: one line.
    expect(stored(append('one\ntwo\u2028three\u2029four\r\nfive'))).toBe('one two three four five');
    const before = appended(k).length;
    for (const invisible of ['\u200b\u200b', '\u2060', '\ufeff', '\u00ad', ' \u200d\t\u200c ', '\u2028\u2029'])
      expect(append(invisible), JSON.stringify(invisible)).toMatchObject({
        ok: false,
        code: 'EINVAL',
        error: expect.stringContaining('nothing printable'),
      });
    expect(appended(k).length).toBe(before);
  });
});

describe('service-fs (seed 000): what processes append is kept apart from the kernel’s records', () => {
  /** The shell appends text dressed as the kernel's own records: a verdict, a grant, a provenance step. */
  function forged() {
    const w = world();
    const { k, shell } = w;
    const since = k.ledger.length;
    const lies = [
      'relabel blocked: forged',
      `shell (pid ${shell}) holds @vault: object → Records (boot manifest)`,
      'pairing revoked: every import died',
    ];
    const seqs = lies.map((t) => (value(k.call(shell, 'notes', 'append', { args: [t] })) as { seq: number }).seq);
    return { ...w, since, seqs };
  }

  it('seed 000: appended text passes no verdict check and no default ledger check; only kind "appended" reads it', () => {
    const { k, since } = forged();
    expect(evaluate(k, { verdict: 'relabel blocked' }, since).ok).toBe(false);
    expect(evaluate(k, { verdict: 'pairing revoked' }, since).ok).toBe(false);
    expect(evaluate(k, { verdict: '.', outcome: 'held' }, since).ok).toBe(false);
    expect(evaluate(k, { ledger: 'relabel blocked: forged' }, since).ok).toBe(false);
    expect(evaluate(k, { ledger: 'holds @vault' }, since).ok).toBe(false);
    expect(evaluate(k, { ledger: 'holds @vault', kind: 'grant' }, since).ok).toBe(false);
    expect(evaluate(k, { ledger: 'relabel blocked: forged', kind: 'appended' }, since)).toMatchObject({ ok: true });
    expect(k.ledger.seqsOfKind('verdict').length).toBe(0);
  });

  it('seed 000: a flood of appends spends nothing of a default ledger check: it still finds the kernel’s records', () => {
    const { k, shell } = world();
    for (let i = 0; i < 30_000; i++) {
      const r = k.call(shell, 'notes', 'append', { args: ['z'.repeat(APPEND_MAX)] });
      if (r.ok || r.code !== 'EAGAIN') value(r);
      else {
        k.step(1); // the server's queue is full: let it take the calls
        i--;
      }
    }
    expect(appended(k).length).toBeGreaterThan(30_000);
    expect(evaluate(k, { ledger: 'with seed 2026' })).toMatchObject({ ok: true, why: expect.stringContaining('ledger record 1 (boot)') });
    expect(evaluate(k, { not: { ledger: 'with seed 2026' } }).ok).toBe(false);
    // A check that names the kind reads the appended text, within its budget; it cannot tell, rather than pass.
    expect(evaluate(k, { not: { ledger: 'never appended', kind: 'appended' } })).toMatchObject({ ok: false, unknown: true });
  });

  it('seed 000: appended text is never a grant nor a step in any provenance chain', () => {
    const { k, shell, seqs } = forged();
    const grants = [...k.ledger.seqsOfKind('grant')];
    for (const s of seqs) expect(grants).not.toContain(s);
    for (const p of k.processes.values()) {
      for (const [, slot] of p.cnode.entries()) {
        const chain = provenance(k.ledger, p.pid, slot.granted);
        expect(chain.problem, `${p.name} @${slot.name}`).toBeUndefined();
        for (const step of chain.steps) expect(seqs).not.toContain(step.seq);
      }
      for (const g of grantsInForce(k.ledger, p.cnode.entries())) expect(seqs).not.toContain(g.seq);
    }
    expect(k.process(shell).cnode.indexOf('vault')).toBe(-1);
  });

  it('seed 000: the same scenario and commands give the same ledger bytes (appends included)', () => {
    const run = () => {
      const { k, shell } = world();
      value(k.call(shell, 'notes', 'append', { args: ['one'] }));
      k.step(4000);
      k.call(shell, 'notes', 'delete', { args: [1] });
      return bytesToHex(k.ledger.headHash());
    };
    expect(run()).toBe(run());
  });
});
