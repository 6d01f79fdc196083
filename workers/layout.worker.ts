/// <reference lib="webworker" />
import { expose } from 'comlink';
import { ensureElk, layoutGraph } from './layoutGraph';

// The layout worker: graph models in, absolute geometry out, so elk never runs on the UI thread.

// elk.bundled, when first instantiated in a worker, installs itself as the worker's `onmessage` handler (it
// expects to *be* the elk worker). Our messages belong to comlink: instantiate elk now, then take the handler
// back, so elk never sees (or answers) comlink traffic.
ensureElk();
self.onmessage = null;

// Warm elk up while the kernel boots: its first run is several times slower than later ones (the JIT has not
// seen its code yet), and the first real layout is the one a new user waits for.
const box = (id: string) => ({ id, minWidth: 80, minHeight: 40 });
const node = (id: string, machine: string) => ({ id, machine, width: 120, height: 40 });
const edge = (id: string, source: string, target: string) => ({ id, source, target, label: 'client', labelWidth: 40, labelHeight: 12 });
void layoutGraph({
  machines: [box('m:a'), box('m:b')],
  nodes: [node('p:1', 'm:a'), node('p:2', 'm:a'), node('p:3', 'm:a'), node('o:1', 'm:a'), node('p:4', 'm:b'), node('o:2', 'm:b')],
  edges: [
    edge('c:1', 'p:1', 'p:2'),
    edge('c:2', 'p:2', 'o:1'),
    edge('c:3', 'p:3', 'o:1'),
    edge('c:4', 'p:4', 'o:2'),
    edge('c:5', 'p:1', 'p:3'),
  ],
}).catch(() => {}); // a failed warm-up costs nothing; the real layout reports its own errors

expose({ layout: layoutGraph });
