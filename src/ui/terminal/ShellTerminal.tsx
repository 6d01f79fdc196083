import { useCallback } from 'react';
import type { ExecResult } from '../../kernel/host-api';
import { appStore, useApp } from '../../store/store';
import { downloadSignedLedger, downloadText } from '../download';
import { TerminalPanel } from './TerminalPanel';

function kernelOrThrow() {
  const k = appStore.getState().kernel;
  if (!k) throw new Error('the kernel is not running');
  return k;
}

/** The terminal wired to the running kernel's shell (the full app's and the embed's alike). */
export function ShellTerminal({ banner }: { banner: string }) {
  const status = useApp((s) => s.status);
  const consoleFeed = useApp((s) => s.console);
  const exec = useCallback(async (line: string): Promise<ExecResult> => {
    const k = kernelOrThrow();
    const r = await k.exec(line);
    if (r.download && 'text' in r.download) downloadText(r.download.name, r.download.text);
    // `ledger export`: the page co-signs the kernel's tree heads with this installation's key (the kernel has none).
    if (r.download && 'ledger' in r.download) {
      const said = await downloadSignedLedger(k).catch((e: unknown) => `✕ not exported: ${String(e)}`);
      return { ...r, lines: [...r.lines, { text: said, style: said.startsWith('✕') ? 'error' : 'dim' }] };
    }
    return r;
  }, []);
  const complete = useCallback((line: string, cursor: number) => kernelOrThrow().complete(line, cursor), []);
  // Fire-and-forget: a dead worker is reported by the page's banner, not as an unhandled rejection.
  const input = useCallback(
    (line: string) =>
      void kernelOrThrow()
        .input(line)
        .catch(() => {}),
    [],
  );
  const interrupt = useCallback(
    () =>
      void kernelOrThrow()
        .interrupt()
        .catch(() => {}),
    [],
  );
  return (
    <TerminalPanel
      exec={exec}
      complete={complete}
      input={input}
      interrupt={interrupt}
      console={consoleFeed}
      ready={status === 'ready'}
      banner={banner}
    />
  );
}
