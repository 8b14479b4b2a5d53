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
