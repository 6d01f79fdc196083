import { useEffect, useRef } from 'react';
import { TIERS } from '../../kernel/energy/kinetic';
import { PROC, PROC_STATES, type Frame, type StringTable } from '../../kernel/sab/layout';
import { useApp } from '../../store/store';
import { useFrameValue } from '../../store/useFrame';
import { useTheme, type Theme } from '../theme/theme';
import './energy.css';

const MAX_ROWS = 200;
const TIMELINE_ROWS = 48;
const ROW_PX = 18; // .energy-row line height
const FROZEN = PROC_STATES.indexOf('frozen');

interface Row {
  pid: number;
  name: string;
}

/** pid → row index in the frame, rebuilt once per frame (rows are dense and ordered by pid). */
function rowsByPid(f: Frame): Map<number, number> {
  const m = new Map<number, number>();
  for (let r = 0; r < f.procRows; r++) m.set(f.proc[PROC.PID][r], r);
  return m;
}

/**
 * Energy per fiber: a bar of balance over budget in its tier's colour, frozen fibers marked; and a scheduler
 * timeline of the last seconds (who ran, who was frozen, who refilled). React renders the rows when the process
 * set changes; every frame the figures are written straight to the DOM and the timeline canvas.
 */
export function EnergyPanel() {
  const frames = useApp((s) => s.frames);
  const topology = useFrameValue((f) => `${f.scenarioGen}:${f.topology}`, '');
  const listRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const summaryRef = useRef<HTMLSpanElement>(null);
  const theme = useTheme();
  const palette = useRef(PALETTES[theme]);
  useEffect(() => {
    recolour(canvasRef.current, palette.current, PALETTES[theme]);
    palette.current = PALETTES[theme];
  }, [theme]);

  const f = frames?.frame;
  const s = frames?.strings;
  const rows: Row[] = [];
  if (f && s)
    for (let r = 0; r < Math.min(f.procRows, MAX_ROWS); r++) rows.push({ pid: f.proc[PROC.PID][r], name: s.get(f.proc[PROC.NAME][r]) });

  useEffect(() => {
    if (!frames) return;
    const prev = new Map<number, { runs: number; energy: number; tier: number; state: number }>();
    // What each bar shows, and when it was written: balances redraw at most ~8 times a second, states at once.
    const shown = new Map<number, { energy: number; tier: number; state: number; at: number }>();
    let tick = 0;
    const onFrame = (frame: Frame, _strings: StringTable) => {
      const index = rowsByPid(frame);
      const list = listRef.current;
      let frozen = 0;
      for (let r = 0; r < frame.procRows; r++) if (frame.proc[PROC.STATE][r] === FROZEN) frozen++;
      const summary = `${frame.procRows} fibers · ${frozen} frozen`;
      if (summaryRef.current && summaryRef.current.textContent !== summary) summaryRef.current.textContent = summary;
      if (list) {
        // Only the rows in view are written: off-screen bars cost style work and show nothing.
        const rowsEls = list.children as HTMLCollectionOf<HTMLElement>;
        const first = Math.max(0, Math.floor(list.scrollTop / ROW_PX) - 2);
        const last = Math.min(rowsEls.length, first + Math.ceil(list.clientHeight / ROW_PX) + 4);
        const now = performance.now();
        for (let i = first; i < last; i++) {
          const el = rowsEls[i];
          const pid = Number(el.dataset.pid);
          const r = index.get(pid);
          if (r === undefined) continue;
          const energy = frame.proc[PROC.ENERGY][r] >>> 0;
          const budget = frame.proc[PROC.BUDGET][r] >>> 0 || 1;
          const tier = frame.proc[PROC.TIER][r];
          const state = frame.proc[PROC.STATE][r];
          const was = shown.get(pid);
          if (was && was.tier === tier && was.state === state && (was.energy === energy || now - was.at < 120)) continue;
          shown.set(pid, { energy, tier, state, at: now });
          const [, tierEl, bar, joules] = el.children as HTMLCollectionOf<HTMLElement>;
          (bar.firstElementChild as HTMLElement).style.width = `${Math.min(100, (energy / budget) * 100)}%`;
          joules.textContent = `${energy} J`;
          if (!was || was.tier !== tier) {
            el.dataset.tier = TIERS[tier]?.id ?? '';
            tierEl.textContent = TIERS[tier]?.label ?? '?';
          }
          if (!was || was.state !== state) el.dataset.frozen = String(state === FROZEN);
        }
      }
      // The timeline draws every other frame (30 columns a second, ~10 s of history), comparing with the frame
      // it last drew: who ran since, who is frozen, who refilled.
      if ((tick++ & 1) === 0) {
        drawTimeline(canvasRef.current, frame, prev, palette.current);
        for (let r = 0; r < frame.procRows; r++) {
          prev.set(frame.proc[PROC.PID][r], {
            runs: frame.proc[PROC.RUNS][r],
            energy: frame.proc[PROC.ENERGY][r] >>> 0,
            tier: frame.proc[PROC.TIER][r],
            state: frame.proc[PROC.STATE][r],
          });
        }
      }
    };
    return frames.subscribe(onFrame);
  }, [frames, topology]); // new rows: start over so each gets its first figures

  return (
    <section data-testid="energy" className="panel energy-panel" aria-label="Energy">
      <header className="panel-head">
        <h2>Energy</h2>
        <span className="muted summary" ref={summaryRef} />
      </header>
      <canvas
        className="scheduler-timeline"
        ref={canvasRef}
        width={600}
        height={TIMELINE_ROWS * 3}
        aria-label={`Scheduler timeline: ran (in the tier's colour), frozen (red), refilled (${theme === 'light' ? 'black' : 'white'})`}
        data-testid="scheduler-timeline"
      />
      <div className="energy-rows" ref={listRef} tabIndex={0} aria-label="Energy per fiber">
        {rows.map((r) => (
          <div key={r.pid} className="energy-row" data-pid={r.pid} data-frozen="false">
            <span className="who" title={`${r.name} (pid ${r.pid})`}>
              {r.name} <span className="muted">{r.pid}</span>
            </span>
            <span className="tier" />
            <span className="bar">
              <span className="fill" />
            </span>
            <span className="joules" />
          </div>
        ))}
        {f && f.procRows > MAX_ROWS && <div className="muted more">…and {f.procRows - MAX_ROWS} more (see top in the terminal)</div>}
      </div>
    </section>
  );
}

/** The timeline's colours per theme: the background (as --term-bg), frozen, a run in each tier's colour, a refill. */
interface Palette {
  bg: string;
  frozen: string;
  tiers: readonly string[];
  refill: string;
}
const PALETTES: Record<Theme, Palette> = {
  dark: { bg: '#0d1117', frozen: '#ff4d4f', tiers: ['#56d4dd', '#7ee787', '#e3b341', '#8b949e'], refill: '#ffffff' },
  light: { bg: '#ffffff', frozen: '#cf222e', tiers: ['#1b7c83', '#1a7f37', '#9a6700', '#6e7781'], refill: '#1f2328' },
};
const paletteColours = (p: Palette) => [p.bg, p.frozen, ...p.tiers, p.refill];
const rgb = (hex: string) => parseInt(hex.slice(1), 16);

/**
 * The history already drawn, in another theme's colours: every pixel is one of the palette's (solid rects on whole
 * pixels), so each is swapped for its counterpart and the last seconds stay on screen.
 */
function recolour(canvas: HTMLCanvasElement | null, from: Palette, to: Palette) {
  const ctx = canvas?.getContext('2d');
  if (!canvas || !ctx || from === to) return;
  const [a, b] = [paletteColours(from).map(rgb), paletteColours(to).map(rgb)];
  const swap = new Map(a.map((c, i) => [c, b[i]]));
  const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const px = image.data;
  for (let i = 0; i < px.length; i += 4) {
    if (px[i + 3] === 0) continue; // not drawn yet: the element's own background shows through
    const c = swap.get((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]) ?? b[0];
    px[i] = c >> 16;
    px[i + 1] = (c >> 8) & 255;
    px[i + 2] = c & 255;
  }
  ctx.putImageData(image, 0, 0);
}

/** Scroll the timeline one column left and draw this frame: per fiber, ran / frozen / refilled. */
function drawTimeline(
  canvas: HTMLCanvasElement | null,
  frame: Frame,
  prev: Map<number, { runs: number; energy: number; state: number }>,
  palette: Palette,
) {
  const ctx = canvas?.getContext('2d');
  if (!canvas || !ctx) return;
  const w = canvas.width;
  const rowH = canvas.height / TIMELINE_ROWS;
  ctx.drawImage(canvas, -2, 0);
  ctx.fillStyle = palette.bg;
  ctx.fillRect(w - 2, 0, 2, canvas.height);
  for (let r = 0; r < Math.min(frame.procRows, TIMELINE_ROWS); r++) {
    const pid = frame.proc[PROC.PID][r];
    const last = prev.get(pid);
    const y = r * rowH;
    if (frame.proc[PROC.STATE][r] === FROZEN) ctx.fillStyle = palette.frozen;
    else if (last && frame.proc[PROC.RUNS][r] !== last.runs) ctx.fillStyle = palette.tiers[frame.proc[PROC.TIER][r]] ?? palette.tiers[1];
    else continue;
    ctx.fillRect(w - 2, y, 2, Math.max(1, rowH - 1));
    if (last && frame.proc[PROC.ENERGY][r] >>> 0 > last.energy) {
      ctx.fillStyle = palette.refill;
      ctx.fillRect(w - 2, y, 2, 1);
    }
  }
}
