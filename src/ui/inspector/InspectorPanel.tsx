import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { GrantInForce, SandboxView } from '../../kernel/host-api';
import {
  CAP,
  CAP_FLAG,
  CAP_KINDS,
  CAP_RIGHTS,
  MACHINE,
  OBJ,
  OBJECT_KINDS,
  OBJECT_STATES,
  ORIGINS,
  PROC,
  PROC_STATES,
  TARGET_KINDS,
  type Frame,
  type StringTable,
} from '../../kernel/sab/layout';
import { rightsText } from '../../kernel/caps/algebra';
import { useApp } from '../../store/store';
import { useFrameValue, useLiveText } from '../../store/useFrame';
import { travelTo } from '../timeline/travel';
import { CustodyView, type Custody } from './Custody';
import { MachineDetails } from './MachineDetails';
import { useWorkerRead } from './useWorkerRead';
import './inspector.css';

const rowsOf = (n: number) => Array.from({ length: n }, (_, r) => r);
const findRow = (col: Int32Array, n: number, value: number) => rowsOf(n).find((r) => col[r] === value) ?? -1;

function targetName(f: Frame, s: StringTable, row: number): string {
  const target = f.cap[CAP.TARGET][row];
  if (TARGET_KINDS[f.cap[CAP.TARGET_KIND][row]] === 'process') {
    const p = findRow(f.proc[PROC.PID], f.procRows, target);
    return p >= 0 ? `${s.get(f.proc[PROC.NAME][p])} (pid ${target})` : `pid ${target} (gone)`;
  }
  const o = findRow(f.obj[OBJ.ID], f.objRows, target);
  if (o < 0) return `object ${target} (gone)`;
  const kind = OBJECT_KINDS[f.obj[OBJ.KIND][o]];
  return kind === 'service' ? s.get(f.obj[OBJ.NAME][o]) : `${kind} "${s.get(f.obj[OBJ.NAME][o])}"`;
}

function procName(f: Frame, s: StringTable, pid: number): string {
  const p = findRow(f.proc[PROC.PID], f.procRows, pid);
  return p >= 0 ? `${s.get(f.proc[PROC.NAME][p])} (pid ${pid})` : `pid ${pid}`;
}

/** How the holder obtained the cap: boot manifest, minted by whom, copied or moved from where. */
function originText(f: Frame, s: StringTable, row: number): string {
  const how = ORIGINS[f.cap[CAP.ORIGIN][row]];
  const pid = f.cap[CAP.ORIGIN_PID][row];
  switch (how) {
    case 'boot':
      return 'boot manifest';
    case 'minted':
      return `minted by ${procName(f, s, pid)}`;
    case 'copied':
    case 'moved':
      return `${how} from ${procName(f, s, pid)} slot ${f.cap[CAP.ORIGIN_SLOT][row]}`;
    case 'spawned':
      return 'handle to a child it spawned';
  }
  return '?';
}

/** Interface, generation and an opaque tag for service objects: the selector itself is never shown. */
function objectText(f: Frame, s: StringTable, row: number): string | null {
  const iface = f.cap[CAP.IFACE][row];
  if (!iface) return null;
  const tag = f.cap[CAP.TAG][row].toString(16).padStart(4, '0');
  return `${s.get(iface)} · generation ${f.cap[CAP.GENERATION][row]} · #${tag}`;
}

/** A process's own table: each row also says which ledger record granted it and opens its chain of custody. */
interface Holding {
  grants: ReadonlyMap<number, GrantInForce> | null;
  why(slot: number, name: string): void;
}

function CapTable({ f, s, rows, holder, holding }: { f: Frame; s: StringTable; rows: number[]; holder: boolean; holding?: Holding }) {
  if (!rows.length) return <p className="muted">{holder ? 'holds no caps' : 'no process holds a cap to it'}</p>;
  return (
    <table className="cap-table" data-testid="inspector-caps">
      <thead>
        <tr>
          <th>{holder ? 'slot' : 'holder'}</th>
          <th>cap</th>
          <th>what and whence</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const kind = CAP_KINDS[f.cap[CAP.KIND][r]];
          const badge = f.cap[CAP.BADGE][r];
          const flags = f.cap[CAP.FLAGS][r];
          const relabeled = (flags & CAP_FLAG.RELABELED) !== 0;
          const object = objectText(f, s, r);
          const slot = f.cap[CAP.SLOT][r];
          const name = s.get(f.cap[CAP.NAME][r]);
          const grant = holding?.grants?.get(slot);
          return (
            <tr
              key={`${f.cap[CAP.HOLDER][r]}:${f.cap[CAP.SLOT][r]}`}
              data-cap-kind={kind}
              data-relabeled={relabeled || undefined}
              className={flags & CAP_FLAG.DEAD ? 'dead' : undefined}
            >
              <td>{holder ? f.cap[CAP.SLOT][r] : procName(f, s, f.cap[CAP.HOLDER][r])}</td>
              <td>
                <div>@{s.get(f.cap[CAP.NAME][r])}</div>
                <div className="kind">{kind}</div>
              </td>
              <td>
                <div>→ {targetName(f, s, r)}</div>
                {object && <div className="muted">{object}</div>}
                {badge !== 0 && (
                  <div className={relabeled ? 'relabeled' : 'muted'}>
                    badge {badge}
                    {relabeled ? ` — relabeled from ${f.cap[CAP.SOURCE_BADGE][r]}` : ''}
                  </div>
                )}
                {kind === 'channel' || kind === 'memory' ? (
                  <div data-testid="cap-algebra">
                    rights {rightsText(f.cap[CAP.EFFECTIVE][r])}
                    {f.cap[CAP.EFFECTIVE][r] !== f.cap[CAP.RIGHTS][r] && (
                      // The stored rights (as minted or masked) less the effective ones: what the Law of Decay took.
                      <span className="muted">
                        {' '}
                        (decay took {rightsText(f.cap[CAP.RIGHTS][r] & ~f.cap[CAP.EFFECTIVE][r]).replace(/-/g, '')})
                      </span>
                    )}{' '}
                    · depth {f.cap[CAP.DEPTH][r]}
                    {kind === 'memory' && ` · [${f.cap[CAP.BOUNDS_BASE][r]}, ${f.cap[CAP.BOUNDS_BASE][r] + f.cap[CAP.BOUNDS_LEN][r]})`}
                    <div className="muted">
                      {f.cap[CAP.NEXT_DECAY][r] >= 0
                        ? `next decay at ${(f.cap[CAP.NEXT_DECAY][r] / 1000).toFixed(3)} s`
                        : 'nothing left to decay'}
                    </div>
                  </div>
                ) : (
                  <div className="muted">rights: {CAP_RIGHTS[kind]}</div>
                )}
                <div className="muted">
                  {originText(f, s, r)}
                  {flags & CAP_FLAG.DEAD ? ' · no longer works' : ''}
                </div>
                {holding && (
                  <div className="cap-custody">
                    {grant && grant.cap === name && (
                      <>
                        {grant.how}, ledger{' '}
                        <button
                          type="button"
                          className="cap-record"
                          data-testid="cap-record"
                          aria-label={`show the session at record ${grant.seq}, where @${name} was granted`}
                          onClick={() => travelTo(grant.seq, 'forward')}
                        >
                          #{grant.seq}
                        </button>{' '}
                      </>
                    )}
                    <button type="button" className="cap-why" data-testid="cap-why" onClick={() => holding.why(slot, name)}>
                      chain of custody
                    </button>
                  </div>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Pledge, execpromises and the unveiled tree of a process: fetched from the worker when it (or its sandbox) changes. */
function Sandbox({ pid, version }: { pid: number; version: string }) {
  const view = useWorkerRead((k) => k.sandbox(pid) as Promise<SandboxView | null>, `${pid}@${version}`);
  if (!view) return null;
  return (
    <div data-testid="inspector-sandbox">
      <h4>pledge</h4>
      <dl>
        <dt>promises</dt>
        <dd data-testid="inspector-pledge">{view.pledge}</dd>
        <dt>execpromises</dt>
        <dd>{view.execpromises}</dd>
      </dl>
      <h4>unveil{view.locked ? ' (locked)' : ''}</h4>
      {view.unveil === null ? (
        <p className="muted">nothing unveiled: every path is visible</p>
      ) : (
        <ul className="unveil-list" data-testid="inspector-unveil">
          {view.unveil.map((u) => (
            <li key={u.path}>
              <code>{u.path}</code> <span className="letters">{u.perms}</span>
            </li>
          ))}
          <li className="muted">everything else: invisible (ENOENT)</li>
        </ul>
      )}
    </div>
  );
}

/** The call a process waits on: its place in an endpoint's queue, or in flight at the server. */
function waitingText(f: Frame, s: StringTable, pid: number): string {
  const r = findRow(f.proc[PROC.PID], f.procRows, pid);
  if (r < 0) return 'exited';
  const ep = f.proc[PROC.WAITING][r];
  if (!ep) return 'no call';
  const o = findRow(f.obj[OBJ.ID], f.objRows, ep);
  const name = o >= 0 ? `"${s.get(f.obj[OBJ.NAME][o])}"` : `object ${ep}`;
  const place = f.proc[PROC.WAIT_PLACE][r];
  return place ? `a call, place ${place} in endpoint ${name}'s queue` : `a call in flight at endpoint ${name} (taken, not answered yet)`;
}

/** An endpoint's queue: how many calls wait, how many the server holds in flight, and who waits, in order. */
function queueText(f: Frame, s: StringTable, id: number): string {
  const o = findRow(f.obj[OBJ.ID], f.objRows, id);
  if (o < 0) return '–';
  const queued = f.obj[OBJ.QUEUED][o];
  const flying = f.obj[OBJ.IN_FLIGHT][o];
  if (!queued && !flying) return 'empty: the server takes each call as it comes';
  const callers = rowsOf(f.procRows)
    .filter((r) => f.proc[PROC.WAITING][r] === id)
    .sort((a, b) => (f.proc[PROC.WAIT_PLACE][a] || Infinity) - (f.proc[PROC.WAIT_PLACE][b] || Infinity))
    .map((r) => `${procName(f, s, f.proc[PROC.PID][r])}${f.proc[PROC.WAIT_PLACE][r] ? '' : ' (in flight)'}`);
  return `${queued} waiting, ${flying} in flight: ${callers.join(', ')}`;
}

/** Live per-frame fields of the selected node, written to the DOM directly. */
function Live({ text }: { text: (f: Frame, s: StringTable) => string }) {
  const ref = useRef<HTMLSpanElement>(null);
  useLiveText(ref, text);
  return <span ref={ref} />;
}

/** Processes the graph draws as one node (graph/groups.ts): the ones it stands for, as they are now. */
function GroupDetails({ f, s, pids }: { f: Frame; s: StringTable; pids: readonly number[] }) {
  const rows = pids.map((pid) => findRow(f.proc[PROC.PID], f.procRows, pid)).filter((r) => r >= 0);
  if (!rows.length) return <p className="muted">Those processes have exited.</p>;
  const first = rows[0];
  const states = new Map<string, number>();
  for (const r of rows) {
    const state = PROC_STATES[f.proc[PROC.STATE][r]] ?? 'free';
    states.set(state, (states.get(state) ?? 0) + 1);
  }
  const parent = f.proc[PROC.PARENT][first];
  const live = rows.map((r) => f.proc[PROC.PID][r]);
  return (
    <>
      <h3>
        {s.get(f.proc[PROC.NAME][first])} ×{rows.length} <span className="muted">processes</span>
      </h3>
      <dl>
        <dt>spawned by</dt>
        <dd>{parent ? procName(f, s, parent) : 'the kernel (boot)'}</dd>
        <dt>pids</dt>
        <dd>
          {Math.min(...live)} to {Math.max(...live)}
          {rows.length < pids.length && ` (${pids.length - rows.length} more drawn have exited since)`}
        </dd>
        <dt>states</dt>
        <dd>{[...states].map(([state, n]) => `${n} ${state}`).join(', ')}</dd>
      </dl>
      <p className="muted">
        Drawn as one node because they hold, and are held by, the same caps: one node each would be too small to read. The graph draws them
        apart again when there is room.
      </p>
    </>
  );
}

/** The grants in force in a process's table (seed 000): its cap table, each row with the record that granted it. */
function ProcessCaps({
  f,
  s,
  pid,
  rows,
  version,
  why,
}: {
  f: Frame;
  s: StringTable;
  pid: number;
  rows: number[];
  version: string;
  why: Holding['why'];
}) {
  const grants = useWorkerRead(
    (k) => (k.grantsInForce(pid) as Promise<GrantInForce[] | null>).then((g) => (g ? new Map(g.map((x) => [x.slot, x])) : null)),
    `${pid}@${version}`,
  );
  return <CapTable f={f} s={s} rows={rows} holder holding={{ grants, why }} />;
}

/** Details of the node selected in the graph: a process's cap table, an object's holders, a machine's load. */
export function InspectorPanel() {
  const selected = useApp((s) => s.selected);
  const groups = useApp((s) => s.groups);
  const frames = useApp((s) => s.frames);
  const yields = useApp((s) => s.yields);
  useFrameValue((f) => f.topology, 0); // re-render when caps or processes change, not every frame
  const kernel = useApp((st) => st.kernel);
  const [custody, setCustody] = useState<Custody | null>(null);
  // A chain belongs to a cap of the selected process: another selection, or a new world (boot clears the
  // selection), closes it — or it would describe a cap that is not there.
  useEffect(() => setCustody(null), [selected]);
  const f = frames?.frame;
  const s = frames?.strings;
  const why = (pid: number, holder: string) => (slot: number, name: string) => {
    kernel?.provenance(pid, slot).then(
      (chain) => setCustody(chain ? { pid, slot, name, holder, chain } : null),
      () => {},
    );
  };
  let body: ReactNode = <p className="muted">Click a node in the graph to inspect it.</p>;

  if (f && s && selected) {
    const [kind, idText] = selected.split(':');
    const id = Number(idText);
    if (kind === 'p') {
      const r = findRow(f.proc[PROC.PID], f.procRows, id);
      if (r < 0) body = <p className="muted">Process {id} has exited.</p>;
      else {
        const caps = rowsOf(f.capRows).filter((c) => f.cap[CAP.HOLDER][c] === id);
        const liveRow = (g: Frame) => findRow(g.proc[PROC.PID], g.procRows, id);
        body = (
          <>
            <h3>
              {s.get(f.proc[PROC.NAME][r])} <span className="muted">pid {id}</span>
            </h3>
            <dl>
              <dt>program</dt>
              <dd>{s.get(f.proc[PROC.PROGRAM][r])}</dd>
              <dt>machine</dt>
              <dd>{s.get(f.machine[MACHINE.NAME][f.proc[PROC.MACHINE][r]])}</dd>
              <dt>parent</dt>
              <dd>{f.proc[PROC.PARENT][r] ? `pid ${f.proc[PROC.PARENT][r]}` : 'kernel (boot)'}</dd>
              <dt>state</dt>
              <dd data-testid="inspector-state">
                <Live text={(g) => (liveRow(g) >= 0 ? PROC_STATES[g.proc[PROC.STATE][liveRow(g)]] : 'exited')} />
              </dd>
              <dt>quanta run</dt>
              <dd>
                <Live text={(g) => (liveRow(g) >= 0 ? String(g.proc[PROC.RUNS][liveRow(g)]) : '–')} />
              </dd>
              <dt>waiting on</dt>
              <dd data-testid="inspector-waiting">
                <Live text={(g, t) => waitingText(g, t, id)} />
              </dd>
            </dl>
            <Sandbox pid={id} version={`${f.scenarioGen}:${f.topology}`} />
            <h4>cap table: the grants in force ({caps.length})</h4>
            <ProcessCaps
              f={f}
              s={s}
              pid={id}
              rows={caps}
              version={`${f.scenarioGen}:${f.topology}`}
              why={why(id, `${s.get(f.proc[PROC.NAME][r])} (pid ${id})`)}
            />
          </>
        );
      }
    } else if (kind === 'o') {
      const r = findRow(f.obj[OBJ.ID], f.objRows, id);
      if (r < 0) body = <p className="muted">Object {id} is gone.</p>;
      else {
        const holders = rowsOf(f.capRows).filter(
          (c) => TARGET_KINDS[f.cap[CAP.TARGET_KIND][c]] === 'object' && f.cap[CAP.TARGET][c] === id,
        );
        const owner = f.obj[OBJ.OWNER][r];
        body = (
          <>
            <h3>
              {s.get(f.obj[OBJ.NAME][r])}{' '}
              <span className="muted">
                {OBJECT_KINDS[f.obj[OBJ.KIND][r]] === 'service' ? 'service object' : OBJECT_KINDS[f.obj[OBJ.KIND][r]]}
              </span>
            </h3>
            <dl>
              {f.obj[OBJ.IFACE][r] !== 0 && (
                <>
                  <dt>interface</dt>
                  <dd>{s.get(f.obj[OBJ.IFACE][r])}</dd>
                  <dt>generation</dt>
                  <dd>{f.obj[OBJ.GENERATION][r]}</dd>
                  <dt>state</dt>
                  <dd>{OBJECT_STATES[f.obj[OBJ.STATE][r]]}</dd>
                </>
              )}
              <dt>machine</dt>
              <dd>{s.get(f.machine[MACHINE.NAME][f.obj[OBJ.MACHINE][r]])}</dd>
              <dt>owner</dt>
              <dd>{owner ? `pid ${owner}` : 'kernel'}</dd>
              {(OBJECT_KINDS[f.obj[OBJ.KIND][r]] === 'channel' || OBJECT_KINDS[f.obj[OBJ.KIND][r]] === 'region') && (
                <>
                  <dt>epoch</dt>
                  <dd>{f.obj[OBJ.EPOCH][r]}</dd>
                </>
              )}
              <dt>calls served</dt>
              <dd>
                <Live text={(g) => String(g.obj[OBJ.COUNTER][findRow(g.obj[OBJ.ID], g.objRows, id)] ?? '–')} />
              </dd>
              {OBJECT_KINDS[f.obj[OBJ.KIND][r]] === 'endpoint' && (
                <>
                  <dt>queue</dt>
                  <dd data-testid="inspector-queue">
                    <Live text={(g, t) => queueText(g, t, id)} />
                  </dd>
                </>
              )}
            </dl>
            <h4>held by ({holders.length})</h4>
            <CapTable f={f} s={s} rows={holders} holder={false} />
          </>
        );
      }
    } else if (kind === 'y') {
      const inst = yields?.world?.find((i) => i.id === selected);
      if (selected === 'y:kernel')
        body = (
          <p>
            The kernel: the implicit root receiver. It catches <code>kernel:*</code> keys no instance above the emitter registered
            (mint_yield, attest, oog).
          </p>
        );
      else if (!inst) body = <p className="muted">That instance is no longer drawn.</p>;
      else
        body = (
          <>
            <h3>
              {inst.name} <span className="muted">instance</span>
            </h3>
            <dl>
              <dt>image</dt>
              <dd>{inst.image}</dd>
              <dt>cnode</dt>
              <dd>{inst.opaque ? 'opaque: holders can invoke it, never open it' : 'readable by its holders'}</dd>
              <dt>registered keys</dt>
              <dd>{inst.keys.length ? inst.keys.join(', ') : '(none: it catches nothing)'}</dd>
              <dt>holds</dt>
              <dd>
                {inst.holds.length ? inst.holds.map((h) => yields!.world!.find((i) => i.id === h)?.name ?? h).join(', ') : '(no instances)'}
              </dd>
            </dl>
          </>
        );
    } else if (kind === 'grp') {
      const pids = groups.get(selected);
      body = pids ? <GroupDetails f={f} s={s} pids={pids} /> : <p className="muted">Those processes are drawn apart now.</p>;
    } else if (kind === 'm') {
      const procs = rowsOf(f.procRows).filter((r) => f.proc[PROC.MACHINE][r] === id);
      body = (
        <>
          <h3>
            {s.get(f.machine[MACHINE.NAME][id])} <span className="muted">machine</span>
          </h3>
          <dl>
            <dt>processes</dt>
            <dd>{procs.length}</dd>
            <dt>objects</dt>
            <dd>{rowsOf(f.objRows).filter((r) => f.obj[OBJ.MACHINE][r] === id).length}</dd>
          </dl>
          <MachineDetails id={id} version={`${f.scenarioGen}:${f.topology}`} />
        </>
      );
    }
  }

  return (
    <section data-testid="inspector" className="panel inspector-panel" aria-label="Inspector">
      <header className="panel-head">
        <h2>Inspector</h2>
      </header>
      <div className="inspector-body" tabIndex={0} aria-label="Inspector details">
        {custody && <CustodyView custody={custody} onClose={() => setCustody(null)} />}
        {body}
      </div>
    </section>
  );
}
