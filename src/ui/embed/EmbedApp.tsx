import { StrictMode } from 'react';
import type { Root } from 'react-dom/client';
import { EmbedClient } from '../../client/embedClient';
import { appStore, useApp } from '../../store/store';
import { plainText } from '../../text/sanitize';
import { VerdictBanner } from '../app/VerdictBanner';
import { GraphPanel } from '../graph/GraphPanel';
import { layoutClient } from '../graph/layoutClient';
import { GalleryPlayer } from '../learn/GalleryPlayer';
import { ShellTerminal } from '../terminal/ShellTerminal';
import { readEmbed, type EmbedRequest } from './embedParams';
import '../app/app.css';
import '../learn/learn.css';
import './embed.css';

const BANNER = 'capplay, embedded: type "help" to begin, "ps" to see who runs. Nothing here is saved.\n';

/** The full playground, beside this page: the visitor's own session, never this embed's. */
const fullApp = () => location.origin + location.pathname;

/**
 * The embedded playground (`?embed=1&scenario=<id>&gallery=<id>`, for an iframe in docs or slides): one scenario's
 * terminal and graph, the verdict banner, and the gallery player for one entry if asked for. No top bar and no
 * session: nothing is read from or written to the visitor's saved session (see EmbedClient).
 */
export function EmbedApp({ request, error }: { request: EmbedRequest | null; error: string }) {
  const status = useApp((s) => s.status);
  const problem = useApp((s) => s.problem);

  const title = request ? (request.entry ? `${request.entry.title} · ${request.scenario.name}` : request.scenario.name) : 'capplay';
  return (
    <div className="embed" data-testid="embed">
      <header className="embed-bar">
        <span className="embed-title" data-testid="embed-title">
          {title}
        </span>
        <a className="embed-full" href={fullApp()} target="_blank" rel="noopener" data-testid="embed-full-app">
          open in capplay ↗
        </a>
      </header>
      {error ? (
        <div className="embed-message" role="alert" data-testid="embed-error">
          <p>{error}</p>
        </div>
      ) : status === 'not-isolated' ? (
        <div className="embed-message" role="alert" data-testid="embed-not-isolated">
          {window.top !== window ? (
            <>
              <p>
                This demo runs its kernel with SharedArrayBuffer, which needs cross-origin isolation, and the page it is embedded in does
                not give this frame that isolation. (For that page’s author: see “Embedding capplay” in capplay’s README.)
              </p>
              {/* The frame's own URL as a tab of its own: isolated there by the app's headers, showing this same demo. */}
              <a className="button" href={location.href} target="_blank" rel="noopener" data-testid="embed-open-tab">
                Open in a new tab ↗
              </a>
            </>
          ) : (
            <p>
              This demo runs its kernel with SharedArrayBuffer, which needs cross-origin isolation, and this browser did not isolate the
              page, so the kernel cannot run here.
            </p>
          )}
        </div>
      ) : (
        <>
          {problem && (
            <div className="banner" role="alert" data-testid="error-banner">
              {plainText(problem)}
            </div>
          )}
          <VerdictBanner />
          <main className={request?.entry ? 'embed-panels with-gallery' : 'embed-panels'}>
            <ShellTerminal banner={BANNER} />
            <GraphPanel />
            {request?.entry && (
              <section className="panel learn-panel embed-gallery" aria-label="Attack gallery">
                <GalleryPlayer entry={request.entry.id} />
              </section>
            )}
          </main>
        </>
      )}
    </div>
  );
}

/** Start the embed chosen by `?embed=1`: read the URL, boot the scenario in a session-free client, render. */
export function mountEmbed(root: Root): void {
  const read = readEmbed(location.search);
  const request = read.ok ? read.request : null;
  if (request) {
    const client = new EmbedClient(
      appStore,
      () => new Worker(new URL('../../../workers/kernel.worker.ts', import.meta.url), { type: 'module', name: 'kernel' }),
    );
    void client.start(request.scenario.text);
    if (globalThis.crossOriginIsolated) layoutClient();
  }
  root.render(
    <StrictMode>
      <EmbedApp request={request} error={read.ok ? '' : read.error} />
    </StrictMode>,
  );
}
