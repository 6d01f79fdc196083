import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// SharedArrayBuffer needs a cross-origin-isolated page: COOP + COEP on every response, in dev and preview. Static
// hosts get the same from public/_headers, or from the service-worker fallback (public/coi-serviceworker.js).
// Embedding (README, "Embedding capplay"): CORP cross-origin lets an isolated page on another origin frame the app
// (its COEP blocks a cross-origin frame without it; the frame's own scripts and workers are same-origin to it either
// way, and these are public files); Document-Isolation-Policy isolates the framed document by itself where Chromium
// supports it (desktop 137+), whatever the embedder sends.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'cross-origin',
  'Document-Isolation-Policy': 'isolate-and-require-corp',
};

export default defineConfig({
  base: './',
  plugins: [react()],
  server: { headers: isolation },
  preview: { headers: isolation },
  // Chunks only a worker loads (the sandbox engine's glue, which the kernel worker imports when it starts) are
  // named for it, so the bench's count of the page's initial JavaScript leaves them out, as the page does.
  worker: { format: 'es', rolldownOptions: { output: { chunkFileNames: 'assets/worker-[name]-[hash].js' } } },
  // elkjs (~1.4 MB) lives in the layout worker, never in the page's initial JavaScript.
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 1600 },
});
