/* Praxisatlas Kleinstadt: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Videos: the provider's embed code sits in a <template> and is only inserted after the
  // visitor asks for it, so nothing is requested from the provider before that click.
  function enhanceVideos() {
    document.querySelectorAll("[data-video]").forEach(function (figure) {
      var button = figure.querySelector("[data-video-load]");
      var template = figure.querySelector("template[data-video-embed]");
      var placeholder = figure.querySelector("[data-video-placeholder]");
      if (!button || !template || !placeholder || !template.content) {
        return;
      }
      if (!template.content.textContent.trim() && !template.content.querySelector("*")) {
        return; // no embed code available: keep the plain link
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        var embed = document.createElement("div");
        embed.className = "video__embed";
        embed.appendChild(template.content.cloneNode(true));
        placeholder.replaceWith(embed);
        // The aspect ratio of a responsive embed (templates/wagtailembeds/), set through the
        // CSSOM because the Content-Security-Policy forbids style="" attributes.
        embed.querySelectorAll("[data-aspect-padding]").forEach(function (wrapper) {
          wrapper.style.paddingBottom = wrapper.getAttribute("data-aspect-padding");
        });
        var frame = embed.querySelector("iframe");
        if (frame) {
          frame.focus();
        }
      });
    });
  }

  // Filters: on narrow screens the filter panel starts collapsed so the results come first
  // (the active filters are summarised above them). Without JavaScript it stays open.
  function collapseFiltersOnSmallScreens() {
    var details = document.querySelector("details[data-filters]");
    if (!details || !window.matchMedia) {
      return;
    }
    var narrow = window.matchMedia("(max-width: 59.99em)");
    if (narrow.matches) {
      details.open = false;
    }
    // The summary is hidden on wide screens, so make sure the form is never stuck closed.
    narrow.addEventListener("change", function (event) {
      if (!event.matches) {
        details.open = true;
      }
    });
  }

  function init() {
    enhanceVideos();
    collapseFiltersOnSmallScreens();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
