import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// SharedArrayBuffer needs a cross-origin-isolated page: these two headers on every response, in dev and preview.
// Static hosts get the same from public/_headers, or from the service-worker fallback (public/coi-serviceworker.js).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export default defineConfig({
  base: './',
  plugins: [react()],
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  // elkjs (~1.4 MB) lives in the layout worker, never in the page's initial JavaScript.
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 1600 },
});
