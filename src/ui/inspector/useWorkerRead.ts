import { useEffect, useState } from 'react';
import type { Remote } from 'comlink';
import type { KernelWorkerApi } from '../../kernel/host-api';
import { useApp } from '../../store/store';

/**
 * A rare bulk read from the kernel worker (a fiber's sandbox, a machine's keys), redone whenever `key` changes;
 * an answer that arrives after the component moved on is dropped.
 */
export function useWorkerRead<T>(read: (kernel: Remote<KernelWorkerApi>) => Promise<T>, key: string): T | null {
  const kernel = useApp((s) => s.kernel);
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    if (!kernel) return;
    let live = true;
    read(kernel).then(
      (v) => live && setValue(v),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [kernel, key]); // eslint-disable-line react-hooks/exhaustive-deps -- `key` names what `read` reads
  return value;
}
