import { Frame, readFrame, SabViews, StringTable } from '../kernel/sab/layout';

export type FrameListener = (frame: Frame, strings: StringTable) => void;

/**
 * The one animation-frame loop: copies the SAB into a reusable Frame under the seqlock, then hands it to every
 * listener. Listeners that draw per-frame figures write to the DOM directly; React state changes only when
 * something structural moved (topology, ledger head), so panels do not re-render every frame.
 */
export class FrameLoop {
  readonly frame: Frame;
  readonly strings: StringTable;
  private listeners = new Set<FrameListener>();
  private raf = 0;

  constructor(readonly views: SabViews) {
    this.frame = new Frame(views.layout.capacity);
    this.strings = new StringTable(views);
  }

  /** Copy the SAB into the frame once; false if the writer held the lock throughout. */
  read(): boolean {
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
