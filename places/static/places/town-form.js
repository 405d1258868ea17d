/* Praxisatlas Kleinstadt admin: the town form offers entries of the municipality directory.
 *
 * On <input data-town-directory="URL"> (the town's name) a native <datalist> lists the
 * directory entries for what is typed. Choosing one fills the fields of the same form that
 * share the name field's prefix: state always, district, population, AGS and coordinates
 * where they are empty (what an editor typed stays). Works wherever the form is rendered,
 * also when it is inserted later (a chooser's create form in a modal).
 */
(function () {
  "use strict";

  // Loaded on every admin page (wagtail_hooks.py) and as the widget's media: once is enough.
  if (window.praxisTownForm) {
    return;
  }
  window.praxisTownForm = true;

  var DELAY_MS = 200;
  var FIELDS = {
    county: "district",
    population: "population",
    ags: "ags",
    latitude: "latitude",
    longitude: "longitude",
  };

  function enhance(input) {
    if (input.dataset.townDirectoryReady) {
      return;
    }
    input.dataset.townDirectoryReady = "1";
    var prefix = input.name.slice(0, input.name.length - "name".length);
    var list = document.createElement("datalist");
    list.id = (input.id || "town-name") + "-directory";
    input.parentNode.appendChild(list);
    input.setAttribute("list", list.id);
    var byLabel = {};
    var timer = null;

    function field(name) {
      return input.form ? input.form.querySelector('[name="' + prefix + name + '"]') : null;
    }

    function apply(item) {
      input.value = item.name;
      var state = field("state");
      if (state) {
        state.value = item.state;
        state.dispatchEvent(new Event("change", { bubbles: true }));
      }
      Object.keys(FIELDS).forEach(function (name) {
        var target = field(name);
        var value = item[FIELDS[name]];
        if (target && !target.value && value !== null && value !== undefined) {
          target.value = value;
          target.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
    }

    function lookUp(query) {
      fetch(input.dataset.townDirectory + "?q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          if (input.value !== query) {
            return;
          }
          byLabel = {};
          list.textContent = "";
          (data.results || []).forEach(function (item) {
            byLabel[item.label] = item;
            var option = document.createElement("option");
            option.value = item.label;
            list.appendChild(option);
          });
        })
        .catch(function () {});
    }

    input.addEventListener("input", function () {
      var chosen = byLabel[input.value];
      if (chosen) {
        apply(chosen);
        return;
      }
      window.clearTimeout(timer);
      var query = input.value.trim();
      if (query.length >= 2) {
        timer = window.setTimeout(function () {
          lookUp(input.value);
        }, DELAY_MS);
      }
    });
  }

  function scan(root) {
    root.querySelectorAll("input[data-town-directory]").forEach(enhance);
  }

  scan(document);
  new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) {
      mutation.addedNodes.forEach(function (node) {
        if (node.nodeType === 1) {
          scan(node);
        }
      });
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
