/*
 * Cross-origin isolation for static hosts that cannot send headers (GitHub Pages and the like).
 *
 * Loaded as a plain script by index.html: if the page is not isolated, it registers itself as a service worker
 * and reloads once. As the service worker, it re-serves every response with the headers vite.config.ts sends
 * (COOP/COEP, CORP cross-origin, Document-Isolation-Policy), which makes the reloaded page cross-origin isolated,
 * so SharedArrayBuffer works (in a frame, Document-Isolation-Policy can, where Chromium supports it). If that still
 * fails (private mode, service workers disabled), the app says so instead of failing silently.
 */
if (typeof window === 'undefined') {
  self.addEventListener('install', () => self.skipWaiting());
  self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
  self.addEventListener('fetch', (event) => {
    const request = event.request;
    if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return;
    event.respondWith(
      fetch(request).then((response) => {
        if (response.status === 0) return response; // opaque: headers cannot be changed
        const headers = new Headers(response.headers);
        headers.set('Cross-Origin-Opener-Policy', 'same-origin');
        headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
        if (!headers.has('Cross-Origin-Resource-Policy')) headers.set('Cross-Origin-Resource-Policy', 'cross-origin');
        headers.set('Document-Isolation-Policy', 'isolate-and-require-corp');
        return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
      }),
    );
  });
} else {
  (() => {
    const KEY = 'capplay:coi-reload';
    if (window.crossOriginIsolated) {
      sessionStorage.removeItem(KEY);
      return;
    }
    if (!window.isSecureContext || !('serviceWorker' in navigator)) return;
    // Reload at most once per tab session, so a browser that refuses isolation cannot loop.
    const reloadOnce = () => {
      if (sessionStorage.getItem(KEY)) return;
      sessionStorage.setItem(KEY, '1');
      window.location.reload();
    };
    navigator.serviceWorker.register(document.currentScript.src).then(
      (registration) => {
        if (registration.active && !navigator.serviceWorker.controller) reloadOnce();
        else navigator.serviceWorker.addEventListener('controllerchange', reloadOnce);
      },
      () => {}, // registration refused: the app's banner explains what to do
    );
  })();
}
