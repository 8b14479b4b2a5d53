// Photos: what was picked shows as thumbnails before it is sent, and a photo opens over the page;
// Back (the phone's gesture or button), Escape or a tap closes it, leaving the reader where they were.
(function () {
  "use strict";
  var box = null;

  function lightbox() {
    if (box) { return box; }
    box = document.createElement("dialog");
    box.className = "lightbox";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "lightbox-close";
    close.setAttribute("aria-label", document.body.dataset.closeLabel || "×");
    close.textContent = "×";
    var picture = document.createElement("img");
    box.append(close, picture);
    // The photo was opened as a step in the history: closing it is that step back.
    close.addEventListener("click", function () { history.back(); });
    box.addEventListener("click", function (event) { if (event.target !== close) { history.back(); } });
    box.addEventListener("cancel", function (event) { event.preventDefault(); history.back(); });
    document.body.appendChild(box);
    return box;
  }

  function open(link) {
    var dialog = lightbox(), picture = dialog.querySelector("img"), thumb = link.querySelector("img");
    picture.src = link.href;
    picture.alt = thumb ? thumb.alt : "";
    history.pushState({ lightbox: true }, "");
    dialog.showModal();
    dialog.querySelector(".lightbox-close").focus();
  }

  // Captured, so it runs before htmx's own handler: going back from a photo closes it and must not
  // make htmx reload the page it was opened on.
  window.addEventListener("popstate", function (event) {
    if (box && box.open) {
      event.stopImmediatePropagation();
      box.close();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".photos a[href]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    open(link);
  });

  // Thumbnails of the chosen pictures under their picker, replaced at each new choice.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches('input[type="file"][accept^="image"]')) { return; }
    var list = input.nextElementSibling;
    if (!list || !list.classList.contains("previews")) {
      list = document.createElement("ul");
      list.className = "previews";
      input.after(list);
    }
    list.querySelectorAll("img").forEach(function (img) { URL.revokeObjectURL(img.src); });
    list.replaceChildren();
    Array.prototype.forEach.call(input.files || [], function (file) {
      if (!file.type.startsWith("image/")) { return; }
      var item = document.createElement("li"), img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = file.name;
      item.appendChild(img);
      list.appendChild(item);
    });
  });
})();
