// Boards: drag a card to another column on desktop. The drop submits the card's own
// "Move to…" form, so dragging and the phone/keyboard control make the same htmx request.
(function () {
  "use strict";
  var desktop = window.matchMedia("(hover: hover) and (pointer: fine)");

  function dropped(event) {
    if (event.from === event.to) { return; }
    var form = event.item.querySelector("form.move");
    form.querySelector("select[name=status]").value = event.to.dataset.column;
    form.requestSubmit();
  }

  function enable(root) {
    if (!desktop.matches || typeof Sortable === "undefined") { return; }
    root.querySelectorAll(".layout-status .column-cards").forEach(function (list) {
      if (Sortable.get(list)) { return; }
      Sortable.create(list, {
        group: "board",
        sort: false,
        draggable: ".task-card.movable",
        filter: "select, button, a, input, label",
        preventOnFilter: false,
        // Pointer events instead of the browser's native drag: the same on every desktop browser.
        forceFallback: true,
        fallbackOnBody: true,
        ghostClass: "dragging",
        onEnd: dropped
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enable(document); });
  document.addEventListener("htmx:load", function (event) { enable(event.target); });
})();

// The "move to" sheet (tasks/_move_sheet.html): a card's Move button opens it over the page, a
// choice submits that card's own move form, as a drop does. Focus goes back to the card's button,
// in the column the card moved to, so the keyboard carries on from where it was.
(function () {
  "use strict";
  var card = null;
  var refocus = null;

  function sheet() { return document.getElementById("move-sheet"); }

  function open(trigger) {
    var box = sheet();
    card = trigger.closest(".task-card");
    var current = card.querySelector("form.move select[name=status]").value;
    box.querySelector("h2").textContent = box.dataset.title.replace("%(task)s", "#" + card.id.replace("task-", ""));
    var here = null;
    box.querySelectorAll(".choices button").forEach(function (choice) {
      var isCurrent = choice.value === current;
      choice.setAttribute("aria-current", isCurrent ? "true" : "false");
      if (isCurrent) { here = choice; }
    });
    box.showModal();
    (here || box.querySelector(".choices button")).focus();
  }

  function choose(value) {
    var form = card && card.isConnected ? card.querySelector("form.move") : null;
    sheet().close();
    if (!form) { return; }
    var select = form.querySelector("select[name=status]");
    if (select.value === value) { return; }
    select.value = value;
    form.querySelector(".move-open").disabled = true;
    refocus = card.id;
    form.requestSubmit();
  }

  function outside(box, event) {
    var r = box.getBoundingClientRect();
    return event.clientX < r.left || event.clientX > r.right || event.clientY < r.top || event.clientY > r.bottom;
  }

  document.addEventListener("click", function (event) {
    var box = sheet();
    if (!box) { return; }
    var trigger = event.target.closest(".move-open");
    if (trigger) { open(trigger); return; }
    if (!box.open) { return; }
    var choice = event.target.closest("#move-sheet .choices button");
    if (choice) {
      choose(choice.value);
    } else if (event.target.closest(".sheet-cancel") || (event.target === box && outside(box, event))) {
      box.close();
    }
  });

  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail.elt;
    if (!refocus || elt.id !== refocus) { return; }
    refocus = null;
    elt.querySelector(".move-open").focus();
  });

  // A move that never reached the server (offline): the card stays, and its button works again.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    var trigger = form.isConnected && form.matches("form.move") && form.querySelector(".move-open");
    if (trigger) { trigger.disabled = false; }
  });
})();
