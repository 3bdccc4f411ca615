// Registers the service worker (sw.js, beside this file) that keeps the app
// usable offline. Relative URL and scope: works at / and under a sub-path.
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('./sw.js', { scope: './' }).catch((err) => {
      console.warn('mibwatch: offline use unavailable:', err);
    });
  });
}
