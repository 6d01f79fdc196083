import { describe, expect, it } from 'vitest';
import { CAP, CAP_FLAG, CAP_KINDS, Frame, MACHINE, OBJ, OBJECT_KINDS, PROC, PROC_STATES, TARGET_KINDS } from '../../kernel/sab/layout';
import type { LaidOutGraph as WorkerLaidOutGraph, LayoutModel } from '../../../workers/layoutGraph';
import {
  buildGraphModel,
  capLabel,
  latestOnly,
  textWidth,
  type GraphEdge,
  type GraphMachine,
  type GraphModel,
  type GraphNode,
  type LaidOutGraph,
} from './model';

const CAPACITY = { processes: 8, caps: 16, objects: 8, machines: 4, ledgerRing: 1, strings: 1, stringBytes: 1, consoleLines: 16 };

/** A fake string table: ids are handed out as strings are first seen. */
function fakeStrings() {
  const list = [''];
  return {
    id(s: string) {
      const at = list.indexOf(s);
      return at >= 0 ? at : list.push(s) - 1;
    },
    get(id: number) {
      return list[id] ?? `#${id}`;
    },
  };
}

type Proc = {
  pid: number;
  state: (typeof PROC_STATES)[number];
  machine: number;
  parent: number;
  name: string;
  program: string;
  runs?: number;
};
type Obj = { id: number; kind: (typeof OBJECT_KINDS)[number]; machine: number; owner: number; name: string; counter?: number };
type Cap = {
  holder: number;
  slot: number;
  kind: (typeof CAP_KINDS)[number];
  target: [(typeof TARGET_KINDS)[number], number];
  badge?: number;
  /** A relabeled facet: the badge of the cap it came from. */
  relabeledFrom?: number;
};

function makeFrame(machines: string[], procs: Proc[], objs: Obj[], caps: Cap[], topology = 1) {
  const strings = fakeStrings();
  const f = new Frame(CAPACITY);
  f.seq = 2;
  f.topology = topology;
  machines.forEach((name, row) => {
    f.machine[MACHINE.ID][row] = row;
    f.machine[MACHINE.NAME][row] = strings.id(name);
  });
  f.machineRows = machines.length;
  procs.forEach((p, row) => {
    f.proc[PROC.PID][row] = p.pid;
    f.proc[PROC.STATE][row] = PROC_STATES.indexOf(p.state);
    f.proc[PROC.MACHINE][row] = p.machine;
    f.proc[PROC.PARENT][row] = p.parent;
    f.proc[PROC.NAME][row] = strings.id(p.name);
    f.proc[PROC.PROGRAM][row] = strings.id(p.program);
    f.proc[PROC.RUNS][row] = p.runs ?? 0;
  });
  f.procRows = procs.length;
  objs.forEach((o, row) => {
    f.obj[OBJ.ID][row] = o.id;
    f.obj[OBJ.KIND][row] = OBJECT_KINDS.indexOf(o.kind);
    f.obj[OBJ.MACHINE][row] = o.machine;
    f.obj[OBJ.OWNER][row] = o.owner;
    f.obj[OBJ.NAME][row] = strings.id(o.name);
    f.obj[OBJ.COUNTER][row] = o.counter ?? 0;
  });
  f.objRows = objs.length;
  caps.forEach((c, row) => {
    f.cap[CAP.HOLDER][row] = c.holder;
    f.cap[CAP.SLOT][row] = c.slot;
    f.cap[CAP.KIND][row] = CAP_KINDS.indexOf(c.kind);
    f.cap[CAP.TARGET_KIND][row] = TARGET_KINDS.indexOf(c.target[0]);
    f.cap[CAP.TARGET][row] = c.target[1];
    f.cap[CAP.BADGE][row] = c.badge ?? 0;
    f.cap[CAP.SOURCE_BADGE][row] = c.relabeledFrom ?? c.badge ?? 0;
    f.cap[CAP.FLAGS][row] = c.relabeledFrom !== undefined ? CAP_FLAG.RELABELED : 0;
    f.cap[CAP.NAME][row] = strings.id(`${c.kind}-${c.slot}`);
  });
  f.capRows = caps.length;
  return { frame: f, strings };
}

const MACHINES = ['alpha', 'beta'];
const PROCS: Proc[] = [
  { pid: 1, state: 'sleeping', machine: 0, parent: 0, name: 'init', program: 'init' },
  { pid: 3, state: 'blocked', machine: 0, parent: 1, name: 'chat', program: 'chat-server' },
  { pid: 5, state: 'running', machine: 1, parent: 1, name: 'bob', program: 'chat-client', runs: 12 },
  { pid: 7, state: 'ready', machine: 9, parent: 1, name: 'lost', program: 'idle' }, // on a machine that is not published
];
const OBJS: Obj[] = [
  { id: 1, kind: 'spawner', machine: 0, owner: 0, name: 'spawn' },
  { id: 2, kind: 'endpoint', machine: 0, owner: 3, name: 'chat', counter: 4 },
  { id: 4, kind: 'none', machine: 0, owner: 0, name: 'ghost' }, // not a kind the graph draws
];
const CAPS: Cap[] = [
  { holder: 1, slot: 0, kind: 'spawner', target: ['object', 1] },
  { holder: 1, slot: 1, kind: 'process', target: ['process', 3] },
  { holder: 1, slot: 2, kind: 'process', target: ['process', 99] }, // dangling: pid 99 is gone
  { holder: 3, slot: 0, kind: 'endpoint', target: ['object', 2] },
  { holder: 5, slot: 0, kind: 'client', target: ['object', 2] },
  { holder: 5, slot: 1, kind: 'client', target: ['object', 2], badge: 7 },
  { holder: 5, slot: 2, kind: 'client', target: ['object', 404] }, // dangling: no such object
  { holder: 5, slot: 3, kind: 'none', target: ['object', 2] }, // an empty slot
  { holder: 5, slot: 4, kind: 'client', target: ['machine', 0] }, // machines are boxes, not edge targets
  { holder: 42, slot: 0, kind: 'client', target: ['object', 2] }, // holder not published
  { holder: 7, slot: 0, kind: 'client', target: ['object', 2], badge: 200, relabeledFrom: 42 }, // an impersonation
];

function shuffled<T>(xs: T[]): T[] {
  // A fixed permutation (reverse, then rotate) so the test is deterministic.
  const r = [...xs].reverse();
  return [...r.slice(1), r[0]];
}

describe('buildGraphModel', () => {
  const { frame, strings } = makeFrame(MACHINES, PROCS, OBJS, CAPS);
  const model = buildGraphModel(frame, strings);

  it('makes one compound box per machine', () => {
    expect(model.machines.map((m) => [m.id, m.label, m.ariaLabel])).toEqual([
      ['m:0', 'alpha', 'machine alpha'],
      ['m:1', 'beta', 'machine beta'],
    ]);
    for (const m of model.machines) expect(m.minWidth).toBeGreaterThanOrEqual(textWidth(m.label));
  });

  it('makes process nodes then object nodes, sorted by id, in their machines', () => {
    expect(model.nodes.map((n) => [n.id, n.kind, n.machine])).toEqual([
      ['p:1', 'process', 'm:0'],
      ['p:3', 'process', 'm:0'],
      ['p:5', 'process', 'm:1'],
      ['p:7', 'process', null],
      ['o:1', 'spawner', 'm:0'],
      ['o:2', 'endpoint', 'm:0'],
    ]);
    const chat = model.nodes.find((n) => n.id === 'p:3')!;
    expect(chat).toMatchObject({ num: 3, label: 'chat (3)', detail: 'chat-server', ariaLabel: 'process chat (pid 3)' });
    const endpoint = model.nodes.find((n) => n.id === 'o:2')!;
    expect(endpoint).toMatchObject({ num: 2, label: 'chat', detail: 'endpoint', ariaLabel: 'endpoint chat (object 2)' });
    for (const n of model.nodes) {
      expect(n.width).toBeGreaterThanOrEqual(textWidth(n.label));
      expect(n.height).toBeGreaterThan(0);
    }
  });

  it('makes one edge per cap, skipping empty slots and caps whose ends are not drawn', () => {
    expect(model.edges.map((e) => [e.id, e.source, e.target, e.kind, e.label])).toEqual([
      ['c:1:0', 'p:1', 'o:1', 'spawner', 'spawner'],
      ['c:1:1', 'p:1', 'p:3', 'process', 'process'],
      ['c:3:0', 'p:3', 'o:2', 'endpoint', 'endpoint'],
      ['c:5:0', 'p:5', 'o:2', 'client', 'client'],
      ['c:5:1', 'p:5', 'o:2', 'client', 'client · badge 7'],
      ['c:7:0', 'p:7', 'o:2', 'client', '⚠ client · badge 200 (was 42): impersonation'],
    ]);
    expect(model.edges.filter((e) => e.relabeled).map((e) => e.id)).toEqual(['c:7:0']);
    for (const e of model.edges) {
      expect(e.labelWidth).toBeGreaterThanOrEqual(textWidth(e.label));
      expect(e.labelHeight).toBeGreaterThan(0);
    }
    expect(new Set(model.edges.map((e) => e.id)).size).toBe(model.edges.length);
  });

  it('is stable: the same state in any row order gives the same model', () => {
    const again = makeFrame(MACHINES, shuffled(PROCS), shuffled(OBJS), shuffled(CAPS));
    expect(buildGraphModel(again.frame, again.strings)).toEqual(model);
    expect(buildGraphModel(frame, strings)).toEqual(model);
  });

  it('ignores per-frame data (state, run and message counters) so it only changes with topology', () => {
    const busy = makeFrame(
      MACHINES,
      PROCS.map((p) => ({ ...p, state: 'running' as const, runs: 999 })),
      OBJS.map((o) => ({ ...o, counter: 12345 })),
      CAPS,
    );
    expect(buildGraphModel(busy.frame, busy.strings)).toEqual(model);
  });

  it('keeps existing ids and order when a process appears', () => {
    const grown = makeFrame(
      MACHINES,
      [...PROCS, { pid: 6, state: 'ready', machine: 1, parent: 5, name: 'carol', program: 'chat-client' }],
      OBJS,
      [...CAPS, { holder: 6, slot: 0, kind: 'client', target: ['object', 2] }],
    );
    const next = buildGraphModel(grown.frame, grown.strings);
    expect(next.nodes.map((n) => n.id)).toEqual(['p:1', 'p:3', 'p:5', 'p:6', 'p:7', 'o:1', 'o:2']);
    expect(next.edges.map((e) => e.id)).toEqual(['c:1:0', 'c:1:1', 'c:3:0', 'c:5:0', 'c:5:1', 'c:6:0', 'c:7:0']);
  });

  it('builds an empty model from an empty frame', () => {
    const empty = makeFrame([], [], [], []);
    expect(buildGraphModel(empty.frame, empty.strings)).toEqual({ machines: [], nodes: [], edges: [] });
  });

  it('labels caps by kind, adding the badge when there is one', () => {
    expect(capLabel('client', 0)).toBe('client');
    expect(capLabel('endpoint', 3)).toBe('endpoint · badge 3');
  });

  it('fits the layout worker contract (checked by the compiler)', () => {
    // The worker's types are generic over what it copies through; these lines fail to compile if the model
    // and the worker drift apart.
    const input: LayoutModel<GraphMachine, GraphNode, GraphEdge> = model satisfies GraphModel;
    const fromWorker = (g: WorkerLaidOutGraph<GraphMachine, GraphNode, GraphEdge>): LaidOutGraph => g;
    const toWorker = (g: LaidOutGraph): WorkerLaidOutGraph<GraphMachine, GraphNode, GraphEdge> => g;
    expect(input).toBe(model);
    expect(typeof fromWorker).toBe('function');
    expect(typeof toWorker).toBe('function');
  });
});

describe('latestOnly', () => {
  function deferredTask() {
    const calls: { input: string; resolve: (v: string) => void; reject: (e: unknown) => void }[] = [];
    const task = (input: string) => new Promise<string>((resolve, reject) => calls.push({ input, resolve, reject }));
    return { calls, task };
  }
  const flush = () => new Promise((r) => setTimeout(r, 0));

  it('runs at once when idle, and only the newest of the requests made while busy', async () => {
    const { calls, task } = deferredTask();
    const results: string[] = [];
    const q = latestOnly(
      task,
      (out) => results.push(out),
      () => {},
    );
    q.request('a');
    q.request('b');
    q.request('c');
    q.request('d');
    expect(calls.map((c) => c.input)).toEqual(['a']);
    expect(q.busy).toBe(true);
    calls[0].resolve('A');
    await flush();
    expect(results).toEqual(['A']);
    expect(calls.map((c) => c.input)).toEqual(['a', 'd']);
    calls[1].resolve('D');
    await flush();
    expect(results).toEqual(['A', 'D']);
    expect(q.busy).toBe(false);
    q.request('e');
    expect(calls.map((c) => c.input)).toEqual(['a', 'd', 'e']);
  });

  it('runs only the newest when a result asks for another while an older request waits (one run at a time)', async () => {
    const { calls, task } = deferredTask();
    let asked = false;
    const q = latestOnly(
      task,
      () => {
        if (asked) return;
        asked = true;
        q.request('newest'); // as the layout's level of detail does when a picture is unreadable
      },
      () => {},
    );
    q.request('a');
    q.request('older');
    calls[0].resolve('A');
    await flush();
    // Not 'newest' and 'older' at once, the older finishing last and winning.
    expect(calls.map((c) => c.input)).toEqual(['a', 'newest']);
    calls[1].resolve('N');
    await flush();
    expect(calls.map((c) => c.input)).toEqual(['a', 'newest']);
    expect(q.busy).toBe(false);
  });

  it('reports failures and carries on with the newest request', async () => {
    const { calls, task } = deferredTask();
    const errors: unknown[] = [];
    const results: string[] = [];
    const q = latestOnly(
      task,
      (out) => results.push(out),
      (e) => errors.push(e),
    );
    q.request('a');
    q.request('b');
    calls[0].reject(new Error('elk fell over'));
    await flush();
    expect(errors).toHaveLength(1);
    expect(calls.map((c) => c.input)).toEqual(['a', 'b']);
    calls[1].resolve('B');
    await flush();
    expect(results).toEqual(['B']);
  });
});
