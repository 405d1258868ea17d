/* Facets that apply at once and "Link kopieren" on case pages. Every page works without
   this file: the filter forms keep their button, the copy button stays hidden. */
(function () {
  "use strict";

  // Ticking a facet (or choosing a sort) submits its form; the apply button is then hidden
  // by the stylesheet ([data-auto-apply]).
  function autoApplyFilters() {
    document.querySelectorAll("[data-filters] form").forEach(function (form) {
      form.setAttribute("data-auto-apply", "");
      form.addEventListener("change", function (event) {
        var target = event.target;
        if (!target || !target.name || target.type === "search" || target.type === "text") {
          return;
        }
        if (form.requestSubmit) {
          form.requestSubmit();
        } else {
          form.submit();
        }
      });
    });
  }

  function copyLinks() {
    document.querySelectorAll("[data-copy-link]").forEach(function (button) {
      if (!navigator.clipboard || !window.isSecureContext) {
        return; // no clipboard API: the address bar does the job
      }
      var status = button.parentNode.querySelector("[data-copy-status]");
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.getAttribute("data-copy-link")).then(
          function () {
            if (status) status.textContent = button.getAttribute("data-text-done");
          },
          function () {
            if (status) status.textContent = button.getAttribute("data-text-failed");
          }
        );
      });
    });
  }

  function init() {
    autoApplyFilters();
    copyLinks();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
