// Company lookup in the customer form (templates/lookups/_company_lookup.html and status.html).
// Vanilla, CSP-safe: no inline code, no eval; everything it needs comes in data-* attributes.
//
// 1. While a NIP or IČO is typed, the same checksums as panel/registers/identifiers.py decide
//    whether to offer "Fetch data from GUS / ARES" (a valid number) or to point out a typo.
// 2. When a found company arrives ([data-lookup-result]), empty form fields are filled at once;
//    a field the user already typed differently is never overwritten: its "Replace" checkbox
//    appears, and "Fill in" replaces only the ticked ones.
(function () {
  "use strict";
  if (window.regularsLookup) { return; }  // the partial may be rendered more than once
  window.regularsLookup = true;

  var NIP_WEIGHTS = [6, 5, 7, 2, 3, 4, 5, 6, 7];

  function digitsOf(raw, prefix) {
    var text = (raw || "").replace(/[\s-]+/g, "").toUpperCase();
    if (prefix && text.indexOf(prefix) === 0) { text = text.slice(prefix.length); }
    return /^[0-9]+$/.test(text) ? text : null;
  }

  // "empty" | "partial" (still typing) | "invalid" | "valid"
  function nipState(raw) {
    if (!(raw || "").trim()) { return "empty"; }
    var d = digitsOf(raw, "PL");
    if (d === null) { return "invalid"; }
    if (d.length < 10) { return "partial"; }
    if (d.length > 10) { return "invalid"; }
    var sum = 0;
    for (var i = 0; i < 9; i++) { sum += Number(d[i]) * NIP_WEIGHTS[i]; }
    var check = sum % 11;
    return check !== 10 && check === Number(d[9]) ? "valid" : "invalid";
  }

  function icoState(raw) {
    if (!(raw || "").trim()) { return "empty"; }
    var d = digitsOf(raw, "");
    if (d === null || d.length > 8) { return "invalid"; }
    var full = ("00000000" + d).slice(-8);
    var sum = 0;
    for (var i = 0; i < 7; i++) { sum += Number(full[i]) * (8 - i); }
    var ok = (11 - (sum % 11)) % 10 === Number(full[7]);
    if (ok) { return "valid"; }
    return d.length < 8 ? "partial" : "invalid";
  }

  function stateOf(source, raw) { return source === "ico" ? icoState(raw) : nipState(raw); }

  function field(form, name) {
    var el = form ? form.elements.namedItem(name) : null;
    return el && el.nodeType === 1 ? el : null;
  }

  // --- the offer -----------------------------------------------------------------------------

  function canonical(source, raw) {
    var d = digitsOf(raw, source === "nip" ? "PL" : "");
    return d && source === "ico" ? ("00000000" + d).slice(-8) : d;
  }

  // Is this number's lookup under way, answered or failed? Then the offer is not shown again:
  // a failure that asking again may mend carries its own "Try again" (one button, not two).
  function asked(region, source, raw) {
    var status = region.querySelector("#company-lookup-status");
    if (!status || status.getAttribute("data-lookup-source") !== source) { return false; }
    return status.getAttribute("data-lookup-state") !== "invalid" &&
      status.getAttribute("data-lookup-number") === canonical(source, raw);
  }

  function updateOffers(region) {
    var form = region.closest("form");
    region.querySelectorAll("[data-lookup-offer]").forEach(function (offer) {
      var source = offer.getAttribute("data-lookup-source");
      var input = field(form, source);
      var state = input ? stateOf(source, input.value) : "empty";
      var hide = state !== "valid" || asked(region, source, input.value);
      if (hide && !offer.hidden && offer.contains(document.activeElement)) {
        // The button just pressed goes away: keep keyboard focus on the answer instead.
        var status = region.querySelector("#company-lookup-status");
        if (status) { status.focus(); }
      }
      offer.hidden = hide;
      var hint = region.querySelector('[data-lookup-invalid="' + source + '"]');
      // A form sent back with errors already says so under the field, until it is changed.
      var told = input && input.getAttribute("aria-invalid") === "true" && input.value === input.defaultValue;
      if (hint) { hint.hidden = state !== "invalid" || told; }
    });
  }

  // A result for another number than the one now typed would fill in the wrong company.
  function dropStaleResult(region, source, value) {
    var result = region.querySelector("[data-lookup-result]");
    if (!result || result.getAttribute("data-lookup-source") !== source) { return; }
    if (canonical(source, value) !== result.getAttribute("data-lookup-number")) {
      var status = region.querySelector("#company-lookup-status");
      if (status) {
        status.replaceChildren();
        status.removeAttribute("data-lookup-number");
      }
    }
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.form || (input.name !== "nip" && input.name !== "ico")) { return; }
    var region = input.form.querySelector("[data-lookup-region]");
    if (!region) { return; }
    dropStaleResult(region, input.name, input.value);
    updateOffers(region);
  });

  // --- filling the form ----------------------------------------------------------------------

  function norm(text) { return (text || "").replace(/\s+/g, " ").trim().toLowerCase(); }

  function shownValue(input) {
    if (input.tagName === "SELECT") {
      var opt = input.options[input.selectedIndex];
      return opt ? opt.text : "";
    }
    return input.value;
  }

  function isEmpty(input) { return input.value.trim() === ""; }

  // The country select always shows something (the restaurant's own country at first). With no
  // address typed yet, that is no one's choice: the register's country goes with its address
  // (an ARES company in a Polish restaurant's form is in Czechia, not "Polska").
  var ADDRESS = ["street", "building", "flat", "postcode", "city"];

  function noAddressYet(form) {
    return ADDRESS.every(function (name) {
      var input = field(form, name);
      return !input || isEmpty(input);
    });
  }

  function same(input, value) {
    return input.tagName === "SELECT" ? input.value === value : norm(input.value) === norm(value);
  }

  function canTake(input, value) {
    if (input.tagName !== "SELECT") { return true; }
    return Array.prototype.some.call(input.options, function (o) { return o.value === value; });
  }

  function put(input, value) {
    input.value = value;
    // Other scripts (the duplicate check, htmx triggers) learn of the change like of typing.
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.classList.add("lookup-filled");
    window.setTimeout(function () { input.classList.remove("lookup-filled"); }, 2500);
  }

  function message(result, name, fields) {
    var text = result.getAttribute(name) || "";
    return fields ? text.replace("{fields}", fields.join(", ")) : text;
  }

  // Fill empty fields; with `replaceTicked`, also the conflicting ones whose box is ticked.
  function apply(result, replaceTicked) {
    var form = result.closest("form");
    var filled = [], replaced = [], conflicts = 0, untouched = 0;
    var countryIsDefault = noAddressYet(form);
    result.querySelectorAll("[data-lookup-field]").forEach(function (item) {
      var input = field(form, item.getAttribute("data-lookup-field"));
      var value = item.getAttribute("data-lookup-value");
      var label = item.getAttribute("data-lookup-label");
      var replace = item.querySelector(".lookup-replace");
      var box = item.querySelector("[data-lookup-replace]");
      if (!input || !canTake(input, value)) { return; }
      if (same(input, value)) {
        replace.hidden = true;
        untouched += 1;
      } else if (isEmpty(input) || (input.name === "country" && countryIsDefault)) {
        put(input, value);
        replace.hidden = true;
        filled.push(label);
      } else if (replaceTicked && box.checked) {
        put(input, value);
        box.checked = false;
        replace.hidden = true;
        replaced.push(label);
      } else {
        var current = item.querySelector("[data-lookup-current]");
        current.textContent = (current.getAttribute("data-template") || "{current}").replace("{current}", shownValue(input));
        replace.hidden = false;
        conflicts += 1;
      }
    });
    var parts = [];
    if (filled.length) { parts.push(message(result, "data-msg-filled", filled)); }
    if (replaced.length) { parts.push(message(result, "data-msg-replaced", replaced)); }
    if (conflicts) { parts.push(message(result, "data-msg-ask")); }
    if (!parts.length && untouched) { parts.push(message(result, "data-msg-same")); }
    var summary = result.querySelector("[data-lookup-summary]");
    if (summary) { summary.textContent = parts.join(" "); }
    result.classList.toggle("has-conflicts", conflicts > 0);
  }

  function arrived(root) {
    var results = [];
    if (root.matches && root.matches("[data-lookup-result]")) { results.push(root); }
    if (root.querySelectorAll) {
      root.querySelectorAll("[data-lookup-result]").forEach(function (r) { results.push(r); });
    }
    results.forEach(function (result) {
      if (result.getAttribute("data-lookup-applied")) { return; }
      result.setAttribute("data-lookup-applied", "1");
      var fill = result.querySelector("[data-lookup-fill]");
      if (!result.closest("form")) {  // the status page on its own: nothing to fill
        if (fill) { fill.hidden = true; }
        return;
      }
      apply(result, false);  // the user asked for the data: empty fields take it at once
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-lookup-fill]") : null;
    if (!button) { return; }
    var result = button.closest("[data-lookup-result]");
    if (result) { apply(result, true); }
  });

  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var regions = Array.prototype.slice.call(scope.querySelectorAll("[data-lookup-region]"));
    var around = scope.closest ? scope.closest("[data-lookup-region]") : null;
    if (around) { regions.push(around); }
    regions.forEach(updateOffers);
    arrived(scope);
  }

  // htmx:load fires for every piece of content htmx swaps in (the polled status, a re-rendered form).
  document.addEventListener("htmx:load", function (event) { init(event.detail && event.detail.elt); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
