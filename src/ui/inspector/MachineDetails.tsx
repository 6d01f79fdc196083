import { useState } from 'react';
import type { MachineView } from '../../kernel/host-api';
import { useWorkerRead } from './useWorkerRead';

const hex = (h: string) => `${h.slice(0, 16)}…${h.slice(-8)}`;

/**
 * A machine's identity (X25519 static and Ed25519 signing public keys, the CellID), where it sits for the
 * Diode, its live pairings and TOFU+ bindings, and a stepper through the handshakes it took part in.
 * `version` changes when the topology does (pairings bump it), which re-reads the view.
 */
export function MachineDetails({ id, version }: { id: number; version: string }) {
  const view = useWorkerRead((k) => k.machineView(id) as Promise<MachineView | null>, `${id}@${version}`);
  if (!view) return null;
  return (
    <div data-testid="inspector-machine">
      <h4>identity</h4>
      <dl>
        <dt>CellID</dt>
        <dd data-testid="machine-cellid" title="SipHash-128 of the X25519 static public key">
          {view.cellId}
        </dd>
        <dt>X25519</dt>
        <dd title={view.staticPublicKey}>{hex(view.staticPublicKey)}</dd>
        <dt>Ed25519</dt>
        <dd title={view.signingPublicKey}>{hex(view.signingPublicKey)}</dd>
        <dt>keys</dt>
        <dd>{view.keyGeneration ? `generation ${view.keyGeneration} (rotated by announcement)` : 'from the scenario seed'}</dd>
        <dt>Diode</dt>
        <dd>
          {view.role}, level {view.diodeLevel}{' '}
          {view.diodeLevel === 0 ? '(authority: commands flow down from here)' : '(downstream: commands up are impossible)'}
        </dd>
      </dl>
      <h4>pairings</h4>
      {view.pairings.length ? (
        <ul className="plain-list" data-testid="machine-pairings">
          {view.pairings.map((p) => (
            <li key={p.peer}>
              ⇄ <b>{p.peer}</b> {p.type} <span className="muted">{p.means}</span>
              {p.mitm && <span className="alarm"> ⚠ through mallory (MITM)</span>}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">none: no other machine can see this one, nor it them</p>
      )}
      <h4>TOFU+ bindings</h4>
      {view.bindings.length ? (
        <ul className="plain-list">
          {view.bindings.map((b) => (
            <li key={b.peer}>
              {b.peer} <code>{b.cellId}</code> <span className="muted">{b.how}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">none yet: first contact binds a peer's CellID</p>
      )}
      {view.handshakes.length > 0 && <HandshakeStepper handshakes={view.handshakes} />}
    </div>
  );
}

/** Step through one handshake's messages: who sends what, which DH each side computes, what the receiver learns. */
function HandshakeStepper({ handshakes }: { handshakes: MachineView['handshakes'] }) {
  const [pick, setPick] = useState(handshakes.length - 1);
  const [step, setStep] = useState(0);
  const h = handshakes[Math.min(pick, handshakes.length - 1)];
  const s = h.steps[Math.min(step, h.steps.length - 1)];
  return (
    <div className="handshake" data-testid="handshake">
      <h4>handshake</h4>
      <select
        aria-label="Handshake"
        value={Math.min(pick, handshakes.length - 1)}
        onChange={(e) => {
          setPick(Number(e.target.value));
          setStep(0);
        }}
      >
        {handshakes.map((x, i) => (
          <option key={x.id} value={i}>
            #{x.id} {x.label} ({x.type}) {x.ok ? '✓' : '✕'}
          </option>
        ))}
      </select>
      <div className="muted">{h.protocol}</div>
      {s && (
        <div className="handshake-step" data-testid="handshake-step" data-ok={s.ok}>
          <div>
            <b>
              message {s.index} of {h.steps.length}
            </b>
            : {s.from} → {s.to} <code>[{s.tokens.join(', ')}]</code> {s.length} bytes{s.altered ? ' — altered on the wire' : ''}
          </div>
          {s.dh.length > 0 && <div className="muted">DH: {s.dh.join('; ')}</div>}
          <div>{s.learns}</div>
        </div>
      )}
      <div className="handshake-nav">
        <button type="button" className="button" disabled={step === 0} onClick={() => setStep(step - 1)}>
          ◀ prev
        </button>
        <button type="button" className="button" disabled={step >= h.steps.length - 1} onClick={() => setStep(step + 1)}>
          next ▶
        </button>
      </div>
      <div className={h.ok ? 'ok' : 'alarm'} data-testid="handshake-outcome">
        {h.ok ? '✓ ' : '✕ '}
        {h.outcome}
      </div>
    </div>
  );
}
