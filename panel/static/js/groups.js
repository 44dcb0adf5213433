// Groups area: the colour swatches fill the colour input. No inline scripts (CSP script-src 'self').
(function () {
  "use strict";

  function wireSwatches() {
    document.querySelectorAll(".group-swatches").forEach(function (box) {
      var input = box.closest(".group-colour-row").querySelector("input[type=color]");
      function mark() {
        box.querySelectorAll("[data-swatch]").forEach(function (b) {
          b.setAttribute("aria-pressed", b.dataset.swatch === input.value.toLowerCase() ? "true" : "false");
        });
      }
      box.addEventListener("click", function (event) {
        var button = event.target.closest("[data-swatch]");
        if (!button) { return; }
        input.value = button.dataset.swatch;
        mark();
      });
      input.addEventListener("input", mark);
    });
  }

  // The add box: a scan (or Enter) adds the one customer it finds; the box is ready for the next.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "members") {
      var box = document.getElementById("group-add-q");
      var list = document.getElementById("group-candidates");
      if (list) { list.innerHTML = ""; }
      if (box) { box.focus(); box.select(); }
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wireSwatches);
  } else {
    wireSwatches();
  }
})();
