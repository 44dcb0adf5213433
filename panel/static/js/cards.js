// Card readers type a code fast and end it with Enter (sometimes Tab). This script makes that
// Enter confirm the code instead of submitting a form, checks the code at once, and moves on.
// Vanilla, no eval (CSP script-src 'self'; htmx runs with allowEval=false). Loaded by the card
// pages and the customer form's "Cards" section; safe to load twice.
(function () {
  "use strict";
  if (window.regularsCards) { return; }
  window.regularsCards = true;

  function rowOf(el) { return el.closest("[data-card-row]"); }

  function focusAndSelect(el) {
    if (!el) { return; }
    el.focus();
    if (typeof el.select === "function") { el.select(); }
  }

  // Ask the server about the code once per distinct value (Enter, Tab and blur all land here).
  function checkCode(input) {
    var value = input.value.trim();
    if (input.dataset.checked === value) { return; }
    input.dataset.checked = value;
    if (window.htmx) { window.htmx.trigger(input, "scanned"); }
  }

  // A fresh empty row after the last one, with the next free index in every name and id.
  function addRow(section) {
    var list = section.querySelector("[data-card-rows-list]");
    var template = section.querySelector("template[data-card-row-template]");
    if (!list || !template) { return; }
    var next = 0;
    list.querySelectorAll("[data-card-row]").forEach(function (r) {
      var n = parseInt(r.getAttribute("data-index"), 10);
      if (!isNaN(n) && n >= next) { next = n + 1; }
    });
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__N__/g, String(next)).trim();
    var row = holder.firstElementChild;
    list.appendChild(row);
    if (window.htmx) { window.htmx.process(row); }
  }

  function isLastRow(row) {
    var list = row.parentElement;
    var rows = list ? list.querySelectorAll("[data-card-row]") : [];
    return rows.length > 0 && rows[rows.length - 1] === row;
  }

  function nextRowCode(row) {
    var next = row.nextElementSibling;
    while (next && !next.matches("[data-card-row]")) { next = next.nextElementSibling; }
    return next ? next.querySelector("[data-scan]") : null;
  }

  var TERMINATORS = { Enter: true, Tab: true };

  // --- Cards scanned back to back ----------------------------------------------------------
  // After a scan, focus moves on to the row's printed number by itself. A reader that scans the
  // next card at once then types into that number field. Told apart from a printed number that
  // staff type (or scan after clicking into the field): focus arrived there by itself, nothing
  // else was typed there since, and the keys came reader-fast (card-readers.md: readers type
  // 15-60 ms a key, people 100-200 ms). Such a burst is moved to the next row's code field.
  var READER_MS_PER_KEY = 50;
  var READER_MIN_KEYS = 4;
  var arrived = null;   // {input, before, keys: [timestamps]} while focus sits where a scan put it

  function focusAfterScan(number) {
    focusAndSelect(number);
    arrived = number ? { input: number, before: number.value, keys: [] } : null;
  }

  function isReaderBurst(state, endedAt) {
    var n = state.keys.length;
    if (n < READER_MIN_KEYS) { return false; }
    return (endedAt - state.keys[0]) / n <= READER_MS_PER_KEY;
  }

  function emptyCodeAfter(row) {
    var next = row.nextElementSibling;
    while (next) {
      var code = next.matches("[data-card-row]") ? next.querySelector("[data-scan]") : null;
      if (code && !code.value.trim()) { return code; }
      next = next.nextElementSibling;
    }
    return null;
  }

  // The burst was the next card: give the number field back what it had, and scan into the next row.
  function moveBurstToNextRow(number, state) {
    var row = rowOf(number);
    var section = row.closest("[data-card-rows]");
    var value = number.value.trim();   // focus selected what was there: the burst replaced it
    number.value = state.before;
    var code = emptyCodeAfter(row);
    if (!code) {
      addRow(section);
      code = emptyCodeAfter(row);
    }
    if (!code) { return; }
    code.value = value;
    code.dispatchEvent(new Event("input", { bubbles: true }));   // a new row for the card after it
    checkCode(code);
    focusAfterScan(rowOf(code).querySelector("[data-card-number]"));
  }

  document.addEventListener("keydown", function (event) {
    if (!arrived) { return; }
    if (event.target !== arrived.input || event.ctrlKey || event.metaKey || event.altKey) {
      arrived = null;
    } else if (event.key.length === 1) {
      arrived.keys.push(event.timeStamp);
    } else if (!TERMINATORS[event.key] && event.key !== "Shift") {
      arrived = null;   // Backspace, arrows...: someone is editing by hand
    }
  }, true);
  // A click into the field (or anywhere) means staff chose where to type.
  document.addEventListener("mousedown", function () { arrived = null; }, true);
  document.addEventListener("focusout", function (event) {
    if (arrived && event.target === arrived.input) { arrived = null; }
  });

  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!el.matches) { return; }
    var terminator = TERMINATORS[event.key] && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey;

    if (el.matches("[data-scan]") && terminator) {
      // The reader's Enter confirms the code; it must never submit the surrounding form.
      event.preventDefault();
      checkCode(el);
      var row = rowOf(el);
      if (el.value.trim() && row && isLastRow(row)) { addRow(row.closest("[data-card-rows]")); }
      focusAfterScan(row ? row.querySelector("[data-card-number]") : null);
      return;
    }
    if (terminator && arrived && el === arrived.input && el.matches("[data-card-number]")) {
      var state = arrived;
      arrived = null;
      if (isReaderBurst(state, event.timeStamp)) {
        event.preventDefault();
        moveBurstToNextRow(el, state);
        return;
      }
    }
    if (el.matches("[data-scan-next]") && terminator) {
      event.preventDefault();
      focusAndSelect(document.querySelector(el.getAttribute("data-scan-next")));
      return;
    }
    // Enter inside a card row moves along the row instead of saving a half-filled form.
    if (event.key === "Enter" && el.matches("[data-card-number]")) {
      event.preventDefault();
      focusAndSelect(rowOf(el).querySelector("[data-card-expiry]"));
      return;
    }
    if (event.key === "Enter" && el.matches("[data-card-expiry]")) {
      event.preventDefault();
      focusAndSelect(nextRowCode(rowOf(el)));
    }
  });

  // Typing by hand and leaving the field checks the code the same way.
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-scan]")) { checkCode(event.target); }
  });

  // As soon as the last row's code gets a value, a new empty row waits for the next card.
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("[data-scan]") || !el.value.trim()) { return; }
    var row = rowOf(el);
    if (row && isLastRow(row)) { addRow(row.closest("[data-card-rows]")); }
  });

  // --- The terminal: a scan field that keeps focus -------------------------------------------
  var REPEAT_MS = 1000;
  var last = { value: null, at: 0 };

  function terminalInput() { return document.querySelector("[data-terminal-input]"); }
  function resultPanel() { return document.getElementById("terminal-result"); }

  function workingInResult() {
    var panel = resultPanel();
    var active = document.activeElement;
    return !!(panel && active && active !== panel && panel.contains(active));
  }

  // Capture phase: runs before htmx's own submit listener, so an ignored scan sends nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-terminal-form]")) { return; }
    var input = terminalInput();
    var value = input ? input.value.trim() : "";
    var now = Date.now();
    if (!value || (value === last.value && now - last.at < REPEAT_MS)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      focusAndSelect(input);
      return;
    }
    last = { value: value, at: now };
    // Selected at once, so the next card scanned while this one is looked up replaces it.
    input.select();
  }, true);

  document.addEventListener("htmx:afterSettle", function () {
    var input = terminalInput();
    if (input && !workingInResult()) { focusAndSelect(input); }
  });

  // Clicking on empty space would leave the reader typing into nothing: take focus back.
  document.addEventListener("focusout", function (event) {
    var input = terminalInput();
    if (!input || event.target !== input || event.relatedTarget) { return; }
    window.setTimeout(function () {
      var active = document.activeElement;
      if (!active || active === document.body) { input.focus(); }
    }, 0);
  });

  document.addEventListener("keydown", function (event) {
    var input = terminalInput();
    if (!input) { return; }
    if (event.key === "Escape") {
      focusAndSelect(input);
      return;
    }
    // A scan while nothing has focus: send the keystrokes to the scan field.
    var active = document.activeElement;
    if ((!active || active === document.body) && event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
      input.focus();
      input.value = "";
    }
  });
})();
