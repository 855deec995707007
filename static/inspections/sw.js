// 创城督办 · the capture page's service worker (served as /inspections/sw.js, scope /inspections/).
// Network first; when there is no network, the last good copy of the capture pages and the
// static files they use — so an inspector can reopen the page on a bad signal and save records
// to the outbox (static/inspections/offline.js). Nothing else is cached.
var CACHE = "cc-capture-v1";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var wanted = url.pathname.indexOf("/inspections/capture/") === 0 || url.pathname.indexOf("/static/") === 0;
  if (!wanted) return;
  event.respondWith(
    fetch(request)
      .then(function (response) {
        if (response.ok && response.type === "basic" && !response.redirected) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
        }
        return response;
      })
      .catch(function () {
        return caches.match(request, { ignoreVary: true }).then(function (hit) {
          return hit || Response.error();
        });
      })
  );
});
