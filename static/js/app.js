// Behaviour for every page: CSRF on htmx requests, toasts, tables that stack on phones.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
  });

  function showToast(level, text) {
    var box = document.getElementById("toasts");
    if (!box) { return; }
    var item = document.createElement("div");
    item.className = "message message-" + (level === "error" || level === "success" ? level : "info");
    item.textContent = text;
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, level === "error" ? 8000 : 4000);
  }

  document.addEventListener("showMessage", function (event) {
    (event.detail.value || []).forEach(function (message) { showToast(message.level, message.text); });
  });

  // Content that asks for the focus (data-focus) gets it once htmx has wired it up: the
  // autofocus attribute would let the browser focus a form before htmx handles its submit.
  document.addEventListener("htmx:load", function (event) {
    var root = event.detail.elt;
    var target = root.matches && root.matches("[data-focus]") ? root : root.querySelector && root.querySelector("[data-focus]");
    if (target) { target.focus(); }
  });

  // On a phone a list table stacks each row into a card (app.css); every cell then shows its
  // column's heading, taken from the table's own header row.
  function labelCells(root) {
    if (!root.querySelectorAll) { return; }
    var tables = root.matches && root.matches("table.list") ? [root] : root.querySelectorAll("table.list");
    Array.prototype.forEach.call(tables, function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.cells, function (cell, i) {
          if (i > 0 && heads[i] && !cell.hasAttribute("colspan")) { cell.dataset.label = heads[i]; }
        });
      });
    });
  }
  document.addEventListener("htmx:load", function (event) { labelCells(event.detail.elt); });

  document.addEventListener("htmx:sendError", function () {
    showToast("error", document.body.dataset.offlineMessage);
  });
})();

// A file over the portal's limit is refused before it is sent (the server checks it too):
// on a phone, nobody should wait for 200 MB to upload only to be told no.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var limit = Number(form.dataset && form.dataset.maxBytes);
    if (!limit) { return; }
    var tooLarge = Array.prototype.some.call(form.querySelectorAll('input[type="file"]'), function (input) {
      return Array.prototype.some.call(input.files || [], function (file) { return file.size > limit; });
    });
    if (tooLarge) {
      event.preventDefault();
      event.stopImmediatePropagation();
      document.dispatchEvent(new CustomEvent("showMessage", {detail: {value: [{level: "error", text: form.dataset.tooLarge}]}}));
    }
  }, true);
})();

// The print view's button: the browser's own print dialog (CSP allows no inline handler).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
  });
})();
