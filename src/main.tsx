import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { startKernel } from './store/kernelClient';
import { appStore } from './store/store';
import { App } from './ui/app/App';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
void startKernel();

// A read-only handle for benchmarks and the curious (e.g. `capplay.store.getState().frames.frame` in devtools).
Object.assign(globalThis, { capplay: { store: appStore } });
