/**
 * The phone app's service worker (emitted by vite.config.ts with this build's file list): the app
 * itself opens without a network; its data comes from what the page saved when it was last online.
 * API calls are never cached here (they carry the person's token); the page keeps its own copy.
 */
const VERSION = /*VERSION*/"dev";
const PRECACHE = /*PRECACHE*/[];
const CACHE = `pose-coach-app-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('pose-coach-app-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin || !url.pathname.startsWith('/app/')) return;
  if (url.pathname.startsWith('/app/assets/')) {
    // Hashed names never change: the cache is enough.
    event.respondWith(caches.match(req).then((hit) => hit ?? fetch(req)));
    return;
  }
  // The page and its settings: the network when it answers (a new build shows at once), else the copy.
  event.respondWith(
    fetch(req)
      .then((res) => {
        if (res.ok) {
          const copy = res.clone();
          void caches.open(CACHE).then((c) => c.put(req.mode === 'navigate' ? '/app/' : req, copy));
        }
        return res;
      })
      .catch(() => caches.match(req.mode === 'navigate' ? '/app/' : req).then((hit) => hit ?? Response.error())),
  );
});
