/* Praxisatlas Kleinstadt: zoom into a group of nearby towns on the case map (/karte/).
 *
 * Without this file a group marker links to the group's first town in the list beside the
 * map. With it, a click on a group marker zooms the drawing (its viewBox, an attribute, so
 * the Content-Security-Policy's ban on inline styles is kept) to the group's towns, which are
 * then drawn one by one; a button returns to the whole map. The list stays the way for
 * keyboard and screen reader users: the drawing is hidden from them.
 */
(function () {
  "use strict";

  var PADDING = 12;
  var MIN_SIZE = 90;

  var svg = document.querySelector("svg[data-case-map]");
  var holder = document.querySelector(".case-map__zoom-out");
  if (!svg || !holder) {
    return;
  }
  var whole = svg.getAttribute("viewBox");
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button button--secondary";
  button.textContent = holder.getAttribute("data-zoom-out-text");
  button.hidden = true;
  holder.appendChild(button);

  function zoomTo(points) {
    var xs = points.map(function (p) { return p[0]; });
    var ys = points.map(function (p) { return p[1]; });
    var minX = Math.min.apply(null, xs) - PADDING;
    var minY = Math.min.apply(null, ys) - PADDING;
    var width = Math.max(Math.max.apply(null, xs) + PADDING - minX, MIN_SIZE);
    var height = Math.max(Math.max.apply(null, ys) + PADDING - minY, MIN_SIZE);
    var cx = (Math.min.apply(null, xs) + Math.max.apply(null, xs)) / 2;
    var cy = (Math.min.apply(null, ys) + Math.max.apply(null, ys)) / 2;
    var size = Math.max(width, height);
    svg.setAttribute("viewBox", [cx - size / 2, cy - size / 2, size, size].join(" "));
    svg.classList.add("is-zoomed");
    button.hidden = false;
  }

  svg.querySelectorAll("a[data-zoom]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var points = link.getAttribute("data-zoom").split(" ").map(function (pair) {
        return pair.split(",").map(Number);
      });
      zoomTo(points);
    });
  });

  button.addEventListener("click", function () {
    svg.setAttribute("viewBox", whole);
    svg.classList.remove("is-zoomed");
    button.hidden = true;
  });
})();
