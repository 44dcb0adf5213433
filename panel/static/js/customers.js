// Customers area: keyboard and card-reader comfort. No inline scripts (CSP script-src 'self').
(function () {
  "use strict";

  // A form that came back with errors: move focus to the summary so it is read out first.
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }

  // Search boxes: a reader types the code fast and presses Enter. The search already runs on
  // input (after a short pause), so Enter must not send a second request; it selects the text
  // instead, and the next scan (or typed search) replaces the code rather than being appended.
  function wireSearch() {
    document.querySelectorAll("[data-scan-search]").forEach(function (q) {
      q.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") { return; }
        event.preventDefault();
        window.setTimeout(function () { q.select(); }, 0);
      });
    });
  }

  // After a sort, page or tab link swapped its region, put focus back on the same control in
  // the new content (or on the region's heading) instead of losing it to <body>.
  var lastKey = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    lastKey = elt && elt.getAttribute ? elt.getAttribute("data-focus-key") : null;
  });
  // htmx:load fires on the new content itself (the old region is already detached by then).
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail && event.detail.elt;
    if (!lastKey || !root || !root.querySelector) { return; }
    var again = root.querySelector('[data-focus-key="' + lastKey + '"]');
    var fallback = root.querySelector("[data-focus-after-swap]");
    if (!again && !fallback) { return; }   // e.g. the out-of-band flash area
    lastKey = null;
    (again || fallback).focus();
  });

  // The list remembers its search, filters and page for this tab, so "← Customers" on a
  // customer's page goes back to the list as it was, as the browser's Back button does.
  var LIST_STATE = "regulars.customers.list";

  function rememberList() {
    if (!document.getElementById("customer-filters")) { return; }
    try { window.sessionStorage.setItem(LIST_STATE, window.location.search); } catch (e) { /* private mode */ }
  }

  function linkBackToList() {
    var link = document.querySelector("a[data-back-to-list]");
    var search = null;
    try { search = window.sessionStorage.getItem(LIST_STATE); } catch (e) { /* private mode */ }
    if (link && search) { link.search = search; }
  }

  // The export links follow the list's filters as they change without a page load.
  document.addEventListener("htmx:pushedIntoHistory", function () {
    document.querySelectorAll("a[data-follows-filters]").forEach(function (link) {
      link.search = window.location.search;
    });
    rememberList();
  });

  // The bulk bar: rows ticked in the table belong to its form; it says how many, ticks a whole
  // page at once, refuses to send nothing, and returns to the list as it is filtered now.
  function bulkRows() { return document.querySelectorAll("input[data-bulk-row]"); }
  function countBulk() {
    var bar = document.querySelector("[data-bulk-bar]");
    if (!bar) { return; }
    var rows = bulkRows(), n = 0;
    rows.forEach(function (box) { if (box.checked) { n += 1; } });
    var status = bar.querySelector("[data-bulk-count]");
    if (status) { status.textContent = n ? status.dataset.some.replace("{n}", n) : status.dataset.none; }
    var all = bar.querySelector("[data-bulk-all]");
    if (all) { all.checked = n > 0 && n === rows.length; all.indeterminate = n > 0 && n < rows.length; }
    if (n) { bar.removeAttribute("data-empty"); } else { bar.setAttribute("data-empty", ""); }
  }
  function wireBulk() {
    var bar = document.querySelector("[data-bulk-bar]");
    if (!bar) { return; }
    document.addEventListener("change", function (event) {
      var t = event.target;
      if (t.matches && t.matches("[data-bulk-all]")) {
        bulkRows().forEach(function (box) { box.checked = t.checked; });
      }
      if (t.matches && t.matches("[data-bulk-all], [data-bulk-row]")) { countBulk(); }
    });
    document.addEventListener("htmx:load", countBulk);
    bar.addEventListener("submit", function (event) {
      var chosen = Array.prototype.some.call(bulkRows(), function (box) { return box.checked; });
      if (!chosen) { event.preventDefault(); countBulk(); return; }
      var next = bar.querySelector("[data-bulk-next]");
      if (next) { next.value = window.location.pathname + window.location.search; }
    });
    countBulk();
  }

  function ready() {
    wireBulk();
    focusErrorSummary();
    wireSearch();
    rememberList();
    linkBackToList();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
