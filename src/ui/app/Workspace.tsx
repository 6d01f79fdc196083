import { useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { Group, Panel, Separator, usePanelRef, type GroupImperativeHandle, type Layout } from 'react-resizable-panels';
import { appStore, useApp, type PaneLayouts } from '../../store/store';
import { EnergyPanel } from '../energy/EnergyPanel';
import { GraphPanel } from '../graph/GraphPanel';
import { InspectorPanel } from '../inspector/InspectorPanel';
import { LearnTabs } from '../learn/LearnTabs';
import { LedgerPanel } from '../ledger/LedgerPanel';

/** Below this width the panes become tabs, one at a time. */
const NARROW = '(max-width: 899px)';

const narrowQuery = () => matchMedia(NARROW);
const subscribeNarrow = (cb: () => void) => {
  const q = narrowQuery();
  q.addEventListener('change', cb);
  return () => q.removeEventListener('change', cb);
};
export const useNarrow = () => useSyncExternalStore(subscribeNarrow, () => narrowQuery().matches);

/** Default sizes (percent). The left column is wide enough for an 80-column terminal at 1440 px. */
const DEFAULTS: PaneLayouts = {
  main: { 'pane-left': 45, 'pane-right': 55 },
  left: { 'pane-terminal': 55, 'pane-learn': 45 },
  right: { 'pane-top': 72, 'pane-bottom': 28 },
  top: { 'pane-graph': 100, 'pane-inspector': 0 },
  bottom: { 'pane-ledger': 72, 'pane-energy': 28 },
};

/** Presenter mode gives the graph more of the width: a room reads the picture, the terminal's lines are short. */
const PRESENTER_MAIN: Layout = { 'pane-left': 36, 'pane-right': 64 };

/**
 * One resizable group. Its sizes are the session's (saved with presenter mode and the open tab): the user's
 * drags are written to the store, and a restored session's sizes are applied to the mounted group.
 */
function Split({
  id,
  vertical,
  override,
  children,
}: {
  id: keyof PaneLayouts;
  vertical?: boolean;
  /** Sizes that win while set (presenter mode's wider graph); the session's come back after. */
  override?: Layout;
  children: ReactNode;
}) {
  const saved = useApp((s) => s.panes[id]);
  const ref = useRef<GroupImperativeHandle | null>(null);
  const mine = useRef<Layout | undefined>(saved);
  const overridden = useRef(false);
  useEffect(() => {
    if (!ref.current) return;
    if (override) {
      overridden.current = true;
      ref.current.setLayout(override);
    } else if (overridden.current) {
      overridden.current = false;
      ref.current.setLayout(mine.current ?? DEFAULTS[id] ?? {});
    }
  }, [override, id]);
  useEffect(() => {
    // A layout that came from elsewhere (a restored session): apply it — unless an override holds the group
    // (presenter mode): then it is kept for when the override ends. Our own drags are already shown.
    if (saved && saved !== mine.current && ref.current) {
      mine.current = saved;
      if (!overridden.current) ref.current.setLayout(saved);
    }
  }, [saved]);
  return (
    <Group
      groupRef={ref}
      id={`split-${id}`}
      className={`split split-${id}`}
      orientation={vertical ? 'vertical' : 'horizontal'}
      defaultLayout={saved ?? DEFAULTS[id]}
      onLayoutChanged={(layout, meta) => {
        if (!meta.isUserInteraction || overridden.current) return;
        mine.current = layout;
        appStore.setState((s) => ({ panes: { ...s.panes, [id]: layout } }));
      }}
    >
      {children}
    </Group>
  );
}

const handle = (label: string) => <Separator className="splitter" aria-label={`Resize: ${label}`} />;

/**
 * A pane that is shown only when `open` (the inspector while a node is picked; the ledger and energy outside
 * presenter mode): collapsed, not unmounted, so the panes beside it keep their state (a graph's expanded racks).
 */
function Folding({ id, open, minSize, children }: { id: string; open: boolean; minSize: number; children: ReactNode }) {
  const ref = usePanelRef();
  // Sizes applied to the group (a restored session's, presenter mode's) can open a folded pane: fold it again.
  const panes = useApp((s) => s.panes);
  const presenter = useApp((s) => s.presenter);
  useEffect(() => {
    const apply = () => {
      const p = ref.current;
      if (!p) return;
      if (open && p.isCollapsed()) p.expand();
      if (!open && !p.isCollapsed()) p.collapse();
    };
    apply();
    // Once more after the groups' own effects (a parent's effects run after its children's).
    const frame = requestAnimationFrame(apply);
    return () => cancelAnimationFrame(frame);
  }, [open, ref, panes, presenter]);
  return (
    <Panel id={id} panelRef={ref} collapsible collapsedSize={0} minSize={minSize} className={open ? undefined : 'is-folded'}>
      {children}
    </Panel>
  );
}

/** The panes: terminal and the gallery/lessons on the left, the graph (and the inspector, when a node is picked) over the ledger and energy on the right. */
export function Workspace({ terminal }: { terminal: ReactNode }) {
  // The terminal is mounted once, into an element of its own that each arrangement (panes, tabs) takes in: going
  // across 900 px wide must not lose its scrollback or the line being typed.
  const [host] = useState(() => {
    const div = document.createElement('div');
    div.className = 'terminal-host-slot';
    return div;
  });
  const narrow = useNarrow();
  const slot = <TerminalSlot host={host} />;
  return (
    <>
      {createPortal(terminal, host)}
      {narrow ? <NarrowTabs terminal={slot} /> : <Panes terminal={slot} />}
    </>
  );
}

/** Where the terminal's element is put in the arrangement on screen. */
function TerminalSlot({ host }: { host: HTMLElement }) {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    ref.current?.appendChild(host);
    return () => host.remove();
  }, [host]);
  return <div ref={ref} className="terminal-slot" />;
}

function Panes({ terminal }: { terminal: ReactNode }) {
  const presenter = useApp((s) => s.presenter);
  const selected = useApp((s) => s.selected);
  // Presenter mode shows only what a room needs (terminal, graph, gallery and lessons): the rest folds away.
  return (
    <main className="panels">
      <Split id="main" override={presenter ? PRESENTER_MAIN : undefined}>
        <Panel id="pane-left" minSize={320}>
          <Split id="left" vertical>
            <Panel id="pane-terminal" minSize={120}>
              {terminal}
            </Panel>
            {handle('terminal and lessons')}
            <Panel id="pane-learn" minSize={120}>
              <LearnTabs />
            </Panel>
          </Split>
        </Panel>
        {handle('left and right columns')}
        <Panel id="pane-right" minSize={320}>
          <Split id="right" vertical>
            <Panel id="pane-top" minSize={200}>
              <Split id="top">
                <Panel id="pane-graph" minSize={240}>
                  <GraphPanel />
                </Panel>
                {handle('graph and inspector')}
                <Folding id="pane-inspector" open={selected !== null && !presenter} minSize={240}>
                  <InspectorPanel />
                </Folding>
              </Split>
            </Panel>
            {handle('graph and ledger')}
            <Folding id="pane-bottom" open={!presenter} minSize={100}>
              <Split id="bottom">
                <Panel id="pane-ledger" minSize={240}>
                  <LedgerPanel />
                </Panel>
                {handle('ledger and energy')}
                <Panel id="pane-energy" minSize={180}>
                  <EnergyPanel />
                </Panel>
              </Split>
            </Folding>
          </Split>
        </Panel>
      </Split>
    </main>
  );
}

const TABS = [
  { id: 'terminal', label: 'Terminal' },
  { id: 'graph', label: 'Graph' },
  { id: 'learn', label: 'Gallery, lessons & programs' },
  { id: 'inspector', label: 'Inspector' },
  { id: 'ledger', label: 'Ledger' },
  { id: 'energy', label: 'Energy' },
] as const;

/** Under ~900 px: every pane stays mounted, one shown at a time. */
function NarrowTabs({ terminal }: { terminal: ReactNode }) {
  const [tab, setTab] = useState<(typeof TABS)[number]['id']>('terminal');
  const selected = useApp((s) => s.selected);
  // Picking a node in the graph shows what was picked.
  useEffect(() => {
    if (selected) setTab('inspector');
  }, [selected]);
  const panes: Record<(typeof TABS)[number]['id'], ReactNode> = {
    terminal,
    graph: <GraphPanel />,
    learn: <LearnTabs />,
    inspector: <InspectorPanel />,
    ledger: <LedgerPanel />,
    energy: <EnergyPanel />,
  };
  return (
    <main className="panels narrow">
      <div className="narrow-tabs" role="tablist" aria-label="Panes">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`narrow-tab-${t.id}`}
            aria-controls={`narrow-${t.id}`}
            aria-selected={tab === t.id}
            data-testid={`narrow-tab-${t.id}`}
            className={tab === t.id ? 'is-active' : ''}
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      {TABS.map((t) => (
        <div
          key={t.id}
          className="narrow-pane"
          id={`narrow-${t.id}`}
          role="tabpanel"
          aria-labelledby={`narrow-tab-${t.id}`}
          hidden={tab !== t.id}
        >
          {panes[t.id]}
        </div>
      ))}
    </main>
  );
}
