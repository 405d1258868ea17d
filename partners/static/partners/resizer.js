/* Praxisatlas Kleinstadt: fits embedded cases and lists to their content.
 *
 * Include it once on a page that embeds our iframes:
 *   <script async src="https://<praxisatlas>/static/partners/resizer.js"></script>
 * It only listens for height messages from our own origin and only changes the height of
 * the iframe that sent them (never above its data-max-height). */
(function () {
  "use strict";
  if (window.praxisatlasResizer) return;
  var script = document.currentScript;
  var origin = script ? new URL(script.src, window.location.href).origin : "";
  window.praxisatlasResizer = { origin: origin };

  function frames() {
    return Array.prototype.slice.call(document.querySelectorAll("iframe"));
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin) return;
    var data = event.data;
    if (!data || data.type !== "praxisatlas:height" || typeof data.height !== "number") return;
    frames().forEach(function (frame) {
      if (frame.contentWindow !== event.source) return;
      var height = Math.max(50, Math.ceil(data.height));
      var limit = parseInt(frame.getAttribute("data-max-height"), 10);
      if (limit > 0) height = Math.min(height, limit);
      frame.style.height = height + "px";
      frame.setAttribute("height", String(height));
    });
  });

  // Frames that loaded before this script ran are asked for their height.
  frames().forEach(function (frame) {
    if (frame.src.indexOf(origin + "/") !== 0 || !frame.contentWindow) return;
    // No data in the question, so any origin may receive it (the frame may still be blank).
    frame.contentWindow.postMessage({ type: "praxisatlas:ask" }, "*");
  });
})();
