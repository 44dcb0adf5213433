// Customer import, columns step: mark the rows whose column is imported, point out a field chosen
// for two columns before the server has to, and focus the error summary of a refused form.
// Vanilla, no inline code (CSP).
(function () {
  "use strict";

  function refresh(table) {
    var first = {};
    table.querySelectorAll("select").forEach(function (select) {
      var row = select.closest("tr");
      var value = select.value;
      row.classList.toggle("is-mapped", value !== "");
      var twice = value !== "" && Object.prototype.hasOwnProperty.call(first, value);
      if (value !== "" && !twice) { first[value] = row.querySelector("th .import-col-letter").textContent; }
      var note = row.querySelector("[data-duplicate-note]");
      if (twice) {
        if (!note) {
          note = document.createElement("p");
          note.className = "error";
          note.setAttribute("data-duplicate-note", "");
          select.insertAdjacentElement("afterend", note);
        }
        note.textContent = (table.getAttribute("data-msg-twice") || "").replace("{column}", first[value]);
        select.setAttribute("aria-invalid", "true");
      } else if (note) {
        note.remove();
        select.removeAttribute("aria-invalid");
      }
    });
  }

  function init() {
    // A form that came back with errors: the summary is read out first.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
    document.querySelectorAll("table.import-map").forEach(function (table) {
      table.addEventListener("change", function () { refresh(table); });
      refresh(table);
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
