/// <reference lib="webworker" />
import { expose } from 'comlink';
import { ensureElk, layoutGraph } from './layoutGraph';

// The layout worker: graph models in, absolute geometry out, so elk never runs on the UI thread.

// elk.bundled, when first instantiated in a worker, installs itself as the worker's `onmessage` handler (it
// expects to *be* the elk worker). Our messages belong to comlink: instantiate elk now, then take the handler
// back, so elk never sees (or answers) comlink traffic.
ensureElk();
self.onmessage = null;

expose({ layout: layoutGraph });
