/* Praxisatlas Kleinstadt: search suggestions while typing.
 *
 * Progressive enhancement of every <input data-autocomplete> inside a form: without this file
 * the field is a plain search field. With it, the field becomes an ARIA 1.2 combobox with a
 * listbox popup (pattern "list autocomplete, no automatic selection"):
 *   - typing (at least two characters, debounced) asks the site's own /api/autocomplete/,
 *   - ArrowDown/ArrowUp move the highlighted suggestion (aria-activedescendant), focus stays
 *     in the field,
 *   - Enter follows the highlighted suggestion, or submits the form as usual if none is,
 *   - Escape closes the list, Tab and leaving the field too; a click follows a suggestion,
 *   - a polite live region announces how many suggestions there are.
 * The endpoint and the (translated) texts come from data attributes on the script element.
 */
(function () {
  "use strict";

  var MIN_CHARS = 2;
  var DELAY_MS = 150;

  var script =
    document.currentScript || document.querySelector("script[data-autocomplete-script]");
  if (!script || !script.dataset.url || !window.fetch) {
    return;
  }
  var config = script.dataset;
  var counter = 0;

  function text(name, fallback) {
    return config[name] || fallback;
  }

  function kindLabel(kind) {
    var key = "kind" + kind.charAt(0).toUpperCase() + kind.slice(1);
    return config[key] || "";
  }

  // Only follow links within this site (the API returns paths).
  function isLocalPath(url) {
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/";
  }

  function Autocomplete(input) {
    counter += 1;
    this.input = input;
    this.form = input.form;
    this.id = (input.id || "autocomplete-" + counter) + "-listbox";
    this.suggestions = [];
    this.active = -1;
    this.timer = null;
    this.request = null;
    this.lastQuery = null;
    this.build();
    this.bind();
  }

  Autocomplete.prototype.build = function () {
    var input = this.input;
    var wrapper = document.createElement("div");
    wrapper.className = "autocomplete";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);

    var listbox = document.createElement("ul");
    listbox.id = this.id;
    listbox.className = "autocomplete__listbox";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-label", text("textListbox", "Suchvorschläge"));
    listbox.hidden = true;
    wrapper.appendChild(listbox);

    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    status.setAttribute("aria-atomic", "true");
    wrapper.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.id);
    input.setAttribute("autocomplete", "off");

    this.wrapper = wrapper;
    this.listbox = listbox;
    this.status = status;
  };

  Autocomplete.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("input", function () {
      self.schedule();
    });
    this.input.addEventListener("keydown", function (event) {
      self.onKeydown(event);
    });
    this.input.addEventListener("blur", function () {
      self.close();
    });
    // Keep the focus in the field while the pointer is pressed on a suggestion.
    this.listbox.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    this.listbox.addEventListener("click", function (event) {
      var option = event.target.closest("[role='option']");
      if (option) {
        self.follow(Number(option.dataset.index));
      }
    });
    // Coming back with the browser's back button must not show a stale list.
    window.addEventListener("pageshow", function () {
      self.close();
    });
  };

  Autocomplete.prototype.schedule = function () {
    var self = this;
    window.clearTimeout(this.timer);
    var query = this.input.value.trim();
    if (query.length < MIN_CHARS) {
      this.abort();
      this.lastQuery = null;
      this.suggestions = [];
      this.close();
      this.announce("");
      return;
    }
    this.timer = window.setTimeout(function () {
      self.fetch(query);
    }, DELAY_MS);
  };

  Autocomplete.prototype.abort = function () {
    if (this.request) {
      this.request.abort();
      this.request = null;
    }
  };

  Autocomplete.prototype.fetch = function (query) {
    var self = this;
    if (query === this.lastQuery) {
      this.open();
      return;
    }
    this.abort();
    var controller = window.AbortController ? new AbortController() : null;
    this.request = controller;
    var url = config.url + "?q=" + encodeURIComponent(query);
    window
      .fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller ? controller.signal : undefined,
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("autocomplete: HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (self.input.value.trim() !== query) {
          return; // the visitor typed on; a newer request follows
        }
        self.lastQuery = query;
        self.render(Array.isArray(data && data.suggestions) ? data.suggestions : []);
      })
      .catch(function () {
        // Aborted or failed: suggestions are optional, the form still works.
        if (self.request === controller) {
          self.close();
        }
      })
      .then(function () {
        if (self.request === controller) {
          self.request = null;
        }
      });
  };

  Autocomplete.prototype.render = function (suggestions) {
    var self = this;
    this.suggestions = suggestions.filter(function (item) {
      return item && typeof item.label === "string" && isLocalPath(item.url);
    });
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    this.listbox.textContent = "";
    this.suggestions.forEach(function (item, index) {
      var option = document.createElement("li");
      option.id = self.id + "-" + index;
      option.className = "autocomplete__option";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.index = String(index);

      var label = document.createElement("span");
      label.className = "autocomplete__label";
      label.textContent = item.label;
      option.appendChild(label);

      var kind = kindLabel(String(item.kind || ""));
      if (kind) {
        var badge = document.createElement("span");
        badge.className = "autocomplete__kind";
        // Read as "Bürgerrat, Schlagwort".
        badge.textContent = kind;
        var separator = document.createElement("span");
        separator.className = "visually-hidden";
        separator.textContent = ", ";
        option.appendChild(separator);
        option.appendChild(badge);
      }
      self.listbox.appendChild(option);
    });

    var count = this.suggestions.length;
    if (count) {
      this.open();
      this.announce(
        count === 1
          ? text("textOne", "1")
          : text("textMany", "%(count)s").replace("%(count)s", String(count))
      );
    } else {
      this.close();
      this.announce(text("textNone", ""));
    }
  };

  Autocomplete.prototype.announce = function (message) {
    if (this.status.textContent !== message) {
      this.status.textContent = message;
    }
  };

  Autocomplete.prototype.isOpen = function () {
    return !this.listbox.hidden;
  };

  Autocomplete.prototype.open = function () {
    if (!this.suggestions.length || document.activeElement !== this.input) {
      return;
    }
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  };

  Autocomplete.prototype.close = function () {
    window.clearTimeout(this.timer);
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.highlight(-1);
  };

  Autocomplete.prototype.highlight = function (index) {
    var options = this.listbox.querySelectorAll("[role='option']");
    if (this.active >= 0 && options[this.active]) {
      options[this.active].setAttribute("aria-selected", "false");
    }
    this.active = index;
    if (index >= 0 && options[index]) {
      options[index].setAttribute("aria-selected", "true");
      this.input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      this.active = -1;
      this.input.removeAttribute("aria-activedescendant");
    }
  };

  Autocomplete.prototype.move = function (step) {
    var count = this.suggestions.length;
    if (!count) {
      return;
    }
    if (!this.isOpen()) {
      this.open();
      this.highlight(step > 0 ? 0 : count - 1);
      return;
    }
    var next = this.active + step;
    if (next >= count) {
      next = 0;
    } else if (next < 0) {
      next = count - 1;
    }
    this.highlight(next);
  };

  Autocomplete.prototype.follow = function (index) {
    var item = this.suggestions[index];
    if (!item || !isLocalPath(item.url)) {
      return;
    }
    this.input.value = item.label;
    this.close();
    window.location.assign(item.url);
  };

  Autocomplete.prototype.onKeydown = function (event) {
    if (event.altKey && event.key === "ArrowDown") {
      event.preventDefault();
      this.open();
      return;
    }
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        this.move(1);
        break;
      case "ArrowUp":
        event.preventDefault();
        this.move(-1);
        break;
      case "Enter":
        if (this.isOpen() && this.active >= 0) {
          event.preventDefault();
          this.follow(this.active);
        } else {
          this.close(); // the form is submitted as usual
        }
        break;
      case "Escape":
        if (this.isOpen()) {
          // Also keeps a type=search field from clearing itself.
          event.preventDefault();
          this.close();
        }
        break;
      case "Tab":
        this.close();
        break;
      default:
        break;
    }
  };

  function init() {
    document.querySelectorAll("input[data-autocomplete]").forEach(function (input) {
      if (input.form && !input.dataset.autocompleteReady) {
        input.dataset.autocompleteReady = "true";
        new Autocomplete(input); // eslint-disable-line no-new
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
