import { useApp } from '../../store/store';
import './yields.css';

const STEP_S = 0.35;

/**
 * Yield routing, seed 004: the newest route animated hop by hop (emitter, each owner edge walked, the snapshot
 * that caught it or the fault, then the resume back to the emitter), the call stack with each frame's
 * snapshotted keys, and the V1–V9 properties as the kernel computed them from this session's ledger (each row
 * demonstrated, violated, lost, caveat or not shown yet, citing its record; the store re-reads them when the
 * ledger records a yield, a verdict or a defense toggle).
 */
export function YieldsPanel() {
  const view = useApp((s) => s.yields);
  const latest = view?.routes.at(-1);
  return (
    <section data-testid="yields" className="panel yields-panel" aria-label="Yield routing">
      <header className="panel-head">
        <h2>Yield routes</h2>
      </header>
      <div className="yields-body">
        {!latest ? (
          <p className="muted">No yields yet. Type attest, invoke or mint in the terminal.</p>
        ) : (
          // key: a new route restarts the animation
          <div className="route" key={view!.count} data-testid="yield-route">
            <div className="route-key">
              <code>{latest.key}</code>
            </div>
            <div className="hops">
              {latest.hops.map((h, i) => (
                <span key={i} className="hop-wrap">
                  {i > 0 && (
                    <span className="edge" style={{ animationDelay: `${(i - 0.5) * STEP_S}s` }}>
                      →
                    </span>
                  )}
                  <span className={`hop role-${h.role}`} data-role={h.role} style={{ animationDelay: `${i * STEP_S}s` }}>
                    {h.name}
                  </span>
                </span>
              ))}
            </div>
            <div className="resume" style={{ animationDelay: `${latest.hops.length * STEP_S}s` }}>
              {latest.hops.at(-1)!.role === 'fault'
                ? `✕ ${latest.fault ?? 'fault'}: the emitter faults`
                : `↩ resumed: ${latest.hops.at(-1)!.name} answers ${latest.hops[0].name} (single resumer)`}
            </div>
            {latest.stack.length > 0 && (
              <>
                <h4>call stack at the yield</h4>
                <ol className="stack">
                  {latest.stack.map((f, i) => (
                    <li key={i}>
                      {f.caller} → {f.callee} <span className="muted">snapshot: {f.keys.length ? f.keys.join(', ') : '(none)'}</span>
                    </li>
                  ))}
                </ol>
              </>
            )}
          </div>
        )}
        {view && (
          <table className="props" data-testid="v-properties">
            <tbody>
              {view.properties.map((p) => (
                <tr key={p.id} data-status={p.status}>
                  <td>{p.id}</td>
                  <td>{p.name}</td>
                  <td className="status">{p.status}</td>
                  <td className="muted">{p.note}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
