import { Frame, H, readFrame, SabViews, StringTable } from '../kernel/sab/layout';
import { plainText } from '../text/sanitize';

export type FrameListener = (frame: Frame, strings: StringTable) => void;

/**
 * The one animation-frame loop: copies the SAB into a reusable Frame under the seqlock, then hands it to every
 * listener. Listeners that draw per-frame figures write to the DOM directly; React state changes only when
 * something structural moved (topology, ledger head), so panels do not re-render every frame.
 */
export class FrameLoop {
  frame: Frame;
  strings: StringTable;
  /** Called once when the worker moved to a new state buffer (a scenario needed other table sizes). */
  onMoved: (() => void) | null = null;
  private moved = false;
  private listeners = new Set<FrameListener>();
  private raf = 0;

  constructor(public views: SabViews) {
    this.frame = new Frame(views.layout.capacity);
    this.strings = new StringTable(views, plainText);
  }

  /** Read the worker's new state buffer from now on. */
  attach(views: SabViews): void {
    this.views = views;
    this.frame = new Frame(views.layout.capacity);
    this.strings = new StringTable(views, plainText);
    this.moved = false;
  }

  /** Copy the SAB into the frame once; false if the writer held the lock throughout or has moved elsewhere. */
  read(): boolean {
    if (Atomics.load(this.views.header, H.MOVED)) {
      if (!this.moved) {
        this.moved = true;
        this.onMoved?.();
      }
      return false;
    }
    if (!readFrame(this.views, this.frame)) return false;
    this.strings.sync(this.frame);
    return true;
  }

  start(): void {
    const loop = () => {
      if (this.read()) for (const l of this.listeners) l(this.frame, this.strings);
      this.raf = requestAnimationFrame(loop);
    };
    this.raf = requestAnimationFrame(loop);
  }

  stop(): void {
    cancelAnimationFrame(this.raf);
  }

  /** Subscribe; the listener is called at once with the latest frame if there is one. Returns an unsubscribe. */
  subscribe(listener: FrameListener): () => void {
    this.listeners.add(listener);
    if (this.frame.seq) listener(this.frame, this.strings);
    return () => this.listeners.delete(listener);
  }
}
