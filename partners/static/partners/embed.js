/* Runs inside an embedded case or list: tells the partner page how tall the content is,
 * so the resizer (resizer.js) can fit the iframe to it. Sends nothing but the height. */
(function () {
  "use strict";
  var root = document.querySelector("[data-embed-root]");
  if (!root || window.parent === window) return;
  var last = 0;

  function post(force) {
    var style = window.getComputedStyle(document.body);
    var height = Math.ceil(
      root.getBoundingClientRect().height +
        parseFloat(style.marginTop) +
        parseFloat(style.marginBottom)
    );
    if (!force && height === last) return;
    last = height;
    window.parent.postMessage({ type: "praxisatlas:height", height: height }, "*");
  }

  if ("ResizeObserver" in window) {
    new ResizeObserver(function () {
      post(false);
    }).observe(root);
  }
  window.addEventListener("load", function () {
    post(true);
  });
  // The resizer asks when it starts after this frame has loaded.
  window.addEventListener("message", function (event) {
    if (event.source === window.parent && event.data && event.data.type === "praxisatlas:ask") {
      post(true);
    }
  });
  post(true);
})();
