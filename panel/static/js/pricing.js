// "Try a bill": typing in a line, ticking a staff pick or changing the moment re-prices the quote
// (after a short pause while typing); choosing a group re-renders the form. htmx runs with
// allowEval off, so the event filtering lives here rather than in hx-trigger expressions.
(function () {
  "use strict";
  var timer = null;

  function requote(delay) {
    clearTimeout(timer);
    timer = setTimeout(function () {
      document.body.dispatchEvent(new CustomEvent("try-requote"));
    }, delay);
  }

  document.addEventListener("input", function (e) {
    if (e.target.closest && e.target.closest("[data-try-requote]")) requote(300);
  });
  document.addEventListener("change", function (e) {
    if (!e.target.closest) return;
    if (e.target.matches("[data-try-resubmit]") && e.target.form) {
      e.target.form.requestSubmit();
    } else if (e.target.closest("[data-try-requote]")) {
      requote(0);
    }
  });
})();
