/* Praxisatlas Kleinstadt: suggestions of German municipalities while typing.
 *
 * Progressive enhancement of <input data-municipality-autocomplete="URL">: the field gets a
 * native <datalist> with the municipalities the site's own endpoint suggests (every German
 * municipality, spelling tolerant). Choosing one puts its AGS into the form's hidden "ags"
 * field, so the server takes exactly that municipality; typing again clears it. Without this
 * file the field is a plain text field and the server resolves the name itself.
 */
(function () {
  "use strict";

  var DELAY_MS = 200;

  function enhance(input) {
    var url = input.getAttribute("data-municipality-autocomplete");
    var hidden = input.form && input.form.querySelector("input[name=ags]");
    var list = document.createElement("datalist");
    list.id = input.id + "-gemeinden";
    input.parentNode.appendChild(list);
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    var byLabel = {};
    var timer = null;
    var lastQuery = null;

    function fill(results) {
      byLabel = {};
      list.textContent = "";
      results.forEach(function (item) {
        byLabel[item.label] = item;
        var option = document.createElement("option");
        option.value = item.label;
        list.appendChild(option);
      });
    }

    function lookUp() {
      var query = input.value.trim();
      if (query.length < 2 || query === lastQuery || byLabel[query]) {
        return;
      }
      lastQuery = query;
      fetch(url + "?q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          if (input.value.trim() === query) {
            fill(data.results || []);
          }
        })
        .catch(function () {});
    }

    input.addEventListener("input", function () {
      var chosen = byLabel[input.value];
      if (hidden) {
        hidden.value = chosen ? chosen.ags : "";
      }
      window.clearTimeout(timer);
      if (!chosen) {
        timer = window.setTimeout(lookUp, DELAY_MS);
      }
    });
  }

  document.querySelectorAll("input[data-municipality-autocomplete]").forEach(enhance);
})();
