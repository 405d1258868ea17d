/* Facets that apply at once when ticked with the mouse, and "Link kopieren" on case pages.
   Every page works without this file: the filter forms keep their button, the copy button
   stays hidden. */
(function () {
  "use strict";

  // Ticking a facet with the mouse (or a finger) applies it at once. From the keyboard a
  // change only ticks the box: submitting then would move the focus away in the middle of a
  // selection (WCAG 3.2.2, on input), so keyboard users tick and then use the apply button,
  // which stays visible next to the facets.
  function autoApplyFilters() {
    document.querySelectorAll("[data-filters] form").forEach(function (form) {
      var byPointer = false;
      form.addEventListener("pointerdown", function () {
        byPointer = true;
      });
      form.addEventListener("keydown", function () {
        byPointer = false;
      });
      form.addEventListener("change", function (event) {
        var target = event.target;
        if (!byPointer || !target || target.type !== "checkbox") {
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
