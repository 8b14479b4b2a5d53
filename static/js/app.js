// Behaviour for every page: CSRF on htmx requests, the phone menu, toasts.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
  });

  // Delegated, so the menu keeps working after a boosted navigation replaces the body.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".menu-toggle");
    if (!toggle) { return; }
    var nav = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
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

  document.addEventListener("htmx:sendError", function () {
    showToast("error", document.body.dataset.offlineMessage);
  });
})();
