/* The "Einbetten" box: a copy button next to each code field. Without JavaScript the code
 * stays selectable in its read-only field. */
(function () {
  "use strict";
  document.querySelectorAll("[data-share-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-share-copy"));
    var status = button.parentNode.querySelector("[data-share-status]");
    if (!field) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      field.select();
      var done = function () {
        if (status) status.textContent = button.getAttribute("data-text-done");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          document.execCommand("copy");
          done();
        });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
  document.querySelectorAll("[data-share-code]").forEach(function (field) {
    field.addEventListener("focus", function () {
      field.select();
    });
  });
})();
