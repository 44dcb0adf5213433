// Small behaviours the whole panel shares. No inline scripts (CSP script-src 'self').
(function () {
  "use strict";

  // A <select data-autosubmit> submits its form on change (tenant switch, role change).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      if (typeof el.form.requestSubmit === "function") { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });

  // A country select with data-currency-of (sign-up) sets its form's currency to the country's
  // own, until the user picks a currency by hand.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.form) { return; }
    if (el.name === "currency") { el.dataset.chosen = "1"; return; }
    if (!(el.matches && el.matches("select[data-currency-of]"))) { return; }
    var currency = el.form.elements.currency, own = JSON.parse(el.dataset.currencyOf)[el.value];
    if (currency && own && !currency.dataset.chosen) { currency.value = own; }
  });

  // A form that returns to "this page" (the language switch) returns to the page as it is now:
  // live searches and filters change the address after the page was drawn.
  document.addEventListener("submit", function (event) {
    var here = event.target.querySelector && event.target.querySelector("input[data-here]");
    if (here) { here.value = window.location.pathname + window.location.search; }
  });

  // Read-only secrets (a new token, an invitation link) are selected whole for copying.
  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-select-on-focus]")) { el.select(); }
  });

  // The user menu closes on Escape and when focus leaves it.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details.user-menu[open]").forEach(function (d) {
      d.removeAttribute("open");
      var summary = d.querySelector("summary");
      if (summary) { summary.focus(); }
    });
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.user-menu[open]").forEach(function (d) {
      if (!d.contains(event.target)) { d.removeAttribute("open"); }
    });
  });
})();
