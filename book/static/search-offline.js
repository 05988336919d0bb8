// Search results with snippets from file:// too. Sphinx's search shows a snippet of each page
// it finds by fetching that page, which a browser refuses for pages opened from disk; there,
// this answers those fetches with the pages' text, which build.py wrote into search-texts.js.
(function () {
  "use strict";
  if (location.protocol !== "file:") return;
  const script = document.createElement("script");
  script.src = new URL("search-texts.js", document.currentScript.src).href;
  const loaded = new Promise((resolve) => {
    script.onload = resolve;
    script.onerror = resolve;
  });
  document.head.append(script);
  const fetchFromDisk = window.fetch.bind(window);
  window.fetch = (resource, options) =>
    loaded.then(() => {
      const name = new URL(String(resource), location.href).pathname.split("/").pop();
      const texts = window.MNIST_CNN_PAGE_TEXTS || {};
      if (Object.prototype.hasOwnProperty.call(texts, name)) {
        return new Response(texts[name], { headers: { "Content-Type": "text/html" } });
      }
      return fetchFromDisk(resource, options);
    });
})();
