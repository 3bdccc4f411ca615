// mibwatch's service worker: the app works offline after the first visit.
//
// scripts/postbuild.mjs (a trunk post_build hook) fills in PRECACHE (every
// file of the build: page, bootstrap, JS, wasm with the embedded model, CSS,
// the training/scoring worker, manifest, icons) and VERSION (a hash of them
// all), so every build installs its own cache and deletes the older ones.
//
// Strategy, chosen so that a page never mixes two builds while online:
// - files whose names carry trunk's content hash never change: cache first;
// - everything else (the page itself, the worker's fixed-name files, the
//   manifest, icons): network first, falling back to this build's cache.
//   Fresh copies are not written into the cache, so the cache stays one
//   consistent build.
const VERSION = "__VERSION__";
const PRECACHE = "__PRECACHE__";
const CACHE = `mibwatch-${VERSION}`;
const HASHED = /-[0-9a-f]{16}(_bg)?\.(js|wasm|css)$/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // Hashed files may come from the HTTP cache (the page has just loaded
      // them); the others are revalidated so the cache holds this build's.
      .then((cache) => cache.addAll(PRECACHE.map((u) => new Request(u, { cache: HASHED.test(u) ? 'default' : 'no-cache' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('mibwatch-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request, fallbackUrl) {
  try {
    return await fetch(request);
  } catch (err) {
    const cache = await caches.open(CACHE);
    const hit = (await cache.match(request, { ignoreSearch: true })) ?? (fallbackUrl && (await cache.match(fallbackUrl)));
    if (hit) return hit;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (!url.pathname.startsWith(new URL(self.registration.scope).pathname)) return;
  if (request.mode === 'navigate') {
    // The app is one page; the address's #fragment never reaches the server.
    event.respondWith(networkFirst(request, new URL('./', self.registration.scope).href));
  } else if (HASHED.test(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else {
    event.respondWith(networkFirst(request));
  }
});
