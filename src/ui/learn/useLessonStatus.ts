import { useEffect, useState } from 'react';
import type { LessonStatus } from '../../kernel/host-api';
import { useApp } from '../../store/store';

/** How often the lesson's checks are re-read while time runs (a step can finish by itself, e.g. a program exits). */
const POLL_MS = 1000;

/** The running scenario's lesson as the kernel checks it: re-read on every ledger change and once a second. */
export function useLessonStatus(): LessonStatus | null {
  const kernel = useApp((s) => s.kernel);
  const feed = useApp((s) => s.ledger);
  const [status, setStatus] = useState<LessonStatus | null>(null);
  useEffect(() => {
    if (!kernel || !feed) return;
    let live = true;
    const read = () =>
      kernel.lessonStatus().then(
        (s) => live && setStatus(s),
        () => {},
      );
    read();
    const off = feed.subscribe(read);
    const timer = setInterval(read, POLL_MS);
    return () => {
      live = false;
      off();
      clearInterval(timer);
    };
  }, [kernel, feed]);
  return status;
}
