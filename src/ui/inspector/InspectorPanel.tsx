import { useRef, type ReactNode } from 'react';
import { CAP, CAP_KINDS, MACHINE, OBJ, OBJECT_KINDS, PROC, PROC_STATES, TARGET_KINDS, type Frame, type StringTable } from '../../kernel/sab/layout';
import { useApp } from '../../store/store';
import { useFrameValue, useLiveText } from '../../store/useFrame';
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
  return o >= 0 ? `${OBJECT_KINDS[f.obj[OBJ.KIND][o]]} "${s.get(f.obj[OBJ.NAME][o])}"` : `object ${target} (gone)`;
}

function CapTable({ f, s, rows, holder }: { f: Frame; s: StringTable; rows: number[]; holder: boolean }) {
  if (!rows.length) return <p className="muted">{holder ? 'holds no caps' : 'no process holds a cap to it'}</p>;
  return (
    <table className="cap-table" data-testid="inspector-caps">
      <thead>
        <tr>
          {holder ? <th>slot</th> : <th>holder</th>}
          <th>name</th>
          <th>kind</th>
          {holder && <th>target</th>}
          <th>badge</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${f.cap[CAP.HOLDER][r]}:${f.cap[CAP.SLOT][r]}`} data-cap-kind={CAP_KINDS[f.cap[CAP.KIND][r]]}>
            <td>{holder ? f.cap[CAP.SLOT][r] : `pid ${f.cap[CAP.HOLDER][r]}`}</td>
            <td>@{s.get(f.cap[CAP.NAME][r])}</td>
            <td>{CAP_KINDS[f.cap[CAP.KIND][r]]}</td>
            {holder && <td>{targetName(f, s, r)}</td>}
            <td>{f.cap[CAP.BADGE][r] || '–'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Live per-frame fields of the selected node, written to the DOM directly. */
function Live({ text }: { text: (f: Frame, s: StringTable) => string }) {
  const ref = useRef<HTMLSpanElement>(null);
  useLiveText(ref, text);
  return <span ref={ref} />;
}

/** Details of the node selected in the graph: a process's cap table, an object's holders, a machine's load. */
export function InspectorPanel() {
  const selected = useApp((s) => s.selected);
  const frames = useApp((s) => s.frames);
  useFrameValue((f) => f.topology, 0); // re-render when caps or processes change, not every frame
  const f = frames?.frame;
  const s = frames?.strings;
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
            </dl>
            <h4>cap table ({caps.length})</h4>
            <CapTable f={f} s={s} rows={caps} holder />
          </>
        );
      }
    } else if (kind === 'o') {
      const r = findRow(f.obj[OBJ.ID], f.objRows, id);
      if (r < 0) body = <p className="muted">Object {id} is gone.</p>;
      else {
        const holders = rowsOf(f.capRows).filter((c) => TARGET_KINDS[f.cap[CAP.TARGET_KIND][c]] === 'object' && f.cap[CAP.TARGET][c] === id);
        const owner = f.obj[OBJ.OWNER][r];
        body = (
          <>
            <h3>
              {s.get(f.obj[OBJ.NAME][r])} <span className="muted">{OBJECT_KINDS[f.obj[OBJ.KIND][r]]}</span>
            </h3>
            <dl>
              <dt>machine</dt>
              <dd>{s.get(f.machine[MACHINE.NAME][f.obj[OBJ.MACHINE][r]])}</dd>
              <dt>owner</dt>
              <dd>{owner ? `pid ${owner}` : 'kernel'}</dd>
              <dt>messages</dt>
              <dd>
                <Live text={(g) => String(g.obj[OBJ.COUNTER][findRow(g.obj[OBJ.ID], g.objRows, id)] ?? '–')} />
              </dd>
            </dl>
            <h4>held by ({holders.length})</h4>
            <CapTable f={f} s={s} rows={holders} holder={false} />
          </>
        );
      }
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
        </>
      );
    }
  }

  return (
    <section data-testid="inspector" className="panel inspector-panel" aria-label="Inspector">
      <header className="panel-head">
        <h2>Inspector</h2>
      </header>
      <div className="inspector-body">{body}</div>
    </section>
  );
}
