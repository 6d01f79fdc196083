import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { kernelClient } from './client/instance';
import { appStore } from './store/store';
import { App } from './ui/app/App';
import { layoutClient } from './ui/graph/layoutClient';
import { isEmbed } from './ui/embed/embedParams';
import { mountEmbed } from './ui/embed/EmbedApp';
import { startTheme } from './ui/theme/theme';

startTheme(); // the full app and the embed alike
const root = createRoot(document.getElementById('root')!);
// `?embed=1`: one scenario for an iframe, with a kernel client that keeps no session (src/ui/embed); the full
// app's client is never started, so the embed neither reads nor writes the visitor's saved session.
if (isEmbed(location.search)) mountEmbed(root);
else {
  // Both workers start loading before React renders: the kernel boots and elk warms up in parallel with the UI.
  void kernelClient.start();
  if (globalThis.crossOriginIsolated) layoutClient();

  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );

  // A read-only handle for benchmarks and the curious (e.g. `capplay.store.getState().frames.frame` in devtools).
  // `capplay.crashKernel()` crashes the kernel worker for real, to watch (and test) recovery by replay.
  Object.assign(globalThis, { capplay: { store: appStore, crashKernel: () => kernelClient.crash() } });
}
