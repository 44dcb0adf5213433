// The discount form: pickers that add chips, weekly rows added and removed, a group's colour dot.
// Every change announces "discount-changed" on the form, which redraws the sentence (htmx).
(function () {
  "use strict";

  function changed(el) {
    var form = el.closest("form");
    if (form) { form.dispatchEvent(new Event("discount-changed", { bubbles: true })); }
  }

  function options(picker) { return picker.querySelector(".picker-options"); }

  function closeOptions(picker) {
    options(picker).innerHTML = "";
    picker.querySelector(".picker-q").setAttribute("aria-expanded", "false");
  }

  function addChip(picker, id, label, blocked) {
    var name = picker.dataset.name, chips = picker.querySelector(".chips");
    var exists = Array.prototype.some.call(chips.querySelectorAll("input"), function (i) { return i.value === id; });
    if (exists) { return; }
    var li = document.createElement("li"), input = document.createElement("input"),
        span = document.createElement("span"), remove = document.createElement("button");
    li.className = blocked ? "chip chip-blocked" : "chip";
    if (blocked) { li.title = blocked; }
    input.type = "hidden"; input.name = name; input.value = id;
    span.textContent = label;
    remove.type = "button"; remove.className = "chip-remove"; remove.textContent = "×";
    remove.setAttribute("aria-label", picker.dataset.removeLabel + " " + label);
    li.append(input, span, remove);
    chips.appendChild(li);
    changed(picker);
  }

  function pick(button) {
    var picker = button.closest("[data-picker]"), search = picker.querySelector(".picker-q");
    addChip(picker, button.dataset.pick, button.dataset.label, button.dataset.blocked);
    var item = button.closest("li"), next = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    // Keep going with the keyboard: the next option, else back to the search.
    var nextButton = next && next.querySelector(".picker-option");
    if (nextButton) { nextButton.focus(); } else { closeOptions(picker); search.focus(); }
  }

  document.addEventListener("click", function (event) {
    var el = event.target;
    var option = el.closest && el.closest(".picker-option");
    if (option) { pick(option); return; }
    if (el.matches && el.matches(".chip-remove")) {
      var picker = el.closest("[data-picker]");
      el.closest("li").remove();
      picker.querySelector(".picker-q").focus();
      changed(picker);
      return;
    }
    if (el.matches && el.matches("[data-add-window]")) { addWindow(); return; }
    if (el.matches && el.matches("[data-remove-window]")) {
      var form = el.closest("form");
      el.closest("[data-window-row]").remove();
      form.querySelector("[data-add-window]").focus();
      form.dispatchEvent(new Event("discount-changed", { bubbles: true }));
      return;
    }
    // A click outside a picker closes its options.
    document.querySelectorAll("[data-picker]").forEach(function (p) { if (!p.contains(el)) { closeOptions(p); } });
  });

  document.addEventListener("keydown", function (event) {
    var el = event.target, picker = el.closest && el.closest("[data-picker]");
    if (!picker) { return; }
    var buttons = Array.prototype.slice.call(picker.querySelectorAll(".picker-option"));
    var search = picker.querySelector(".picker-q"), at = buttons.indexOf(el);
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (buttons.length) { buttons[Math.min(at + 1, buttons.length - 1)].focus(); }
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (at <= 0) { search.focus(); } else { buttons[at - 1].focus(); }
    } else if (event.key === "Escape") {
      closeOptions(picker); search.focus();
    } else if (event.key === "Enter" && el === search) {
      // Enter in the search picks the first option and never submits the half-filled form. Options
      // still answering an earlier query (typed faster than the search's delay) would pick a row
      // that is not what was typed: then the first option of the answer to what is typed is taken.
      event.preventDefault();
      if (picker.dataset.answered !== search.value) { picker.dataset.pickOnAnswer = "1"; return; }
      if (buttons.length) { pickFirst(picker, buttons[0]); }
    } else if (event.key === "Backspace" && el === search && !search.value) {
      var last = picker.querySelector(".chips li:last-child");
      if (last) { last.remove(); changed(picker); }
    }
  });

  function pickFirst(picker, button) {
    var search = picker.querySelector(".picker-q");
    pick(button); search.value = ""; search.focus();
    picker.dataset.answered = "";  // the options left stay pickable with Enter, as before
  }

  // Which query the shown options answer: the search's value when their request left.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var el = event.detail.elt;
    if (el.classList && el.classList.contains("picker-q")) { el.closest("[data-picker]").dataset.asking = el.value; }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target.classList && target.classList.contains("picker-options")) {
      var picker = target.closest("[data-picker]"), search = picker.querySelector(".picker-q");
      picker.dataset.answered = picker.dataset.asking;
      search.setAttribute("aria-expanded", target.children.length ? "true" : "false");
      var first = target.querySelector(".picker-option");
      if (picker.dataset.pickOnAnswer && picker.dataset.answered === search.value) {
        delete picker.dataset.pickOnAnswer;
        if (first) { pickFirst(picker, first); }
      }
    }
  });

  function addWindow() {
    var rows = document.getElementById("window-rows"), template = document.getElementById("window-row-template");
    var index = parseInt(rows.dataset.nextIndex || "0", 10);
    while (rows.querySelector("[name='weekly-" + index + "-from']")) { index += 1; }
    rows.dataset.nextIndex = String(index + 1);
    var row = template.content.firstElementChild.cloneNode(true);
    row.querySelectorAll("[name]").forEach(function (input) { input.name = input.name.replace("__i__", index); });
    rows.appendChild(row);
    var first = row.querySelector("input");
    if (first) { first.focus(); }
  }

  // A form that came back with errors: the summary is read out first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }

  document.querySelectorAll(".group-dot[data-colour]").forEach(function (dot) {
    if (/^#[0-9a-fA-F]{6}$/.test(dot.dataset.colour)) { dot.style.background = dot.dataset.colour; }
  });
})();
