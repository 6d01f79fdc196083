import type { FrameListener, FrameLoop } from '../../client/frames';
import { appStore } from '../../store/store';

/**
 * Hear every frame of the app's frame loop, outside React. The loop appears once the kernel is up and is replaced
 * if the kernel restarts; `onLoop` runs before a new loop's first frame (which comes at once if it has one).
 * Returns the unsubscribe.
 */
export function followFrames(listener: FrameListener, onLoop?: () => void): () => void {
  let loop: FrameLoop | null = null;
  let unsubscribeFrames: (() => void) | null = null;
  const attach = (next: FrameLoop | null) => {
    if (next === loop) return;
    unsubscribeFrames?.();
    loop = next;
    onLoop?.();
    unsubscribeFrames = next ? next.subscribe(listener) : null;
  };
  attach(appStore.getState().frames);
  const unsubscribeStore = appStore.subscribe((s) => attach(s.frames));
  return () => {
    unsubscribeStore();
    unsubscribeFrames?.();
  };
}
