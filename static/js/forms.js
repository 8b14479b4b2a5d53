// Forms that lose nothing: drafts kept in the browser until the server took them, a sign-in over
// the page when the session ended (then the request goes again), one request per click, and
// length limits said before they bite.
(function () {
  "use strict";
  var DRAFT = "duiqi-draft:";
  var SUBMITTED = "duiqi-submitted";
  var TEXT_TYPES = ["text", "number", "date", "datetime-local", "time", "email", "url", "tel", ""];
  var ERRORS = ".error, .has-error, .conflict, [aria-invalid='true']";

  function text(name) { return document.body.dataset[name] || ""; }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  // -- drafts ----------------------------------------------------------------------------------

  function textLike(el) {
    return el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && TEXT_TYPES.indexOf(el.type) >= 0);
  }

  function drafted(form) {
    if (!form || form.tagName !== "FORM" || form.dataset.draft === "off") { return false; }
    var method = (form.getAttribute("method") || "").toLowerCase();
    if (method !== "post" && !form.hasAttribute("hx-post")) { return false; }
    if (form.querySelector("input[type=password]")) { return false; }
    return Array.prototype.some.call(form.elements, textLike);
  }

  function draftKey(form) {
    var user = document.body.dataset.user;
    if (!user) { return null; }
    var where = form.getAttribute("hx-post") || form.getAttribute("action") || location.pathname;
    return DRAFT + user + ":" + where + (form.id ? "#" + form.id : "");
  }

  // A field's saved state: what the page first showed (its default) and what is in it now.
  function fields(form) {
    var out = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || /csrf_token$/.test(el.name)) { return; }
      var type = el.type;
      if (type === "hidden" || type === "password" || type === "file" || type === "submit" || type === "button") { return; }
      var id = el.name;
      if (type === "checkbox" || type === "radio") {
        out.push({el: el, id: id + "=" + el.value, shown: el.defaultChecked, now: el.checked});
      } else if (el.tagName === "SELECT") {
        var chosen = Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
        var shown = Array.prototype.filter.call(el.options, function (o) { return o.defaultSelected; }).map(function (o) { return o.value; });
        out.push({el: el, id: id, shown: shown.join("\n"), now: chosen.join("\n")});
      } else {
        out.push({el: el, id: id, shown: el.defaultValue, now: el.value});
      }
    });
    return out;
  }

  function saveDraft(form) {
    var key = draftKey(form);
    if (!key) { return; }
    var changed = {};
    var any = false;
    fields(form).forEach(function (f) {
      if (f.now !== f.shown) { changed[f.id] = [f.shown, f.now]; any = true; }
    });
    try {
      if (any) { localStorage.setItem(key, JSON.stringify(changed)); } else { localStorage.removeItem(key); }
    } catch (e) { /* storage full or refused: the page itself still holds the text */ }
  }

  function clearDraft(key) {
    try { localStorage.removeItem(key); } catch (e) { /* nothing kept, nothing to clear */ }
  }

  function readDraft(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  // A draft goes back only into fields still showing what they showed when it was written: what
  // the server changed since (someone else's edit) is not overwritten.
  function restoreDraft(form) {
    var key = draftKey(form);
    var draft = key && !answered[key] && readDraft(key);
    if (!draft || form.dataset.draftRestored) { return; }
    var restored = false;
    fields(form).forEach(function (f) {
      var saved = draft[f.id];
      if (!saved || f.now !== f.shown || saved[0] !== f.shown) { return; }
      var el = f.el;
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = saved[1];
      } else if (el.tagName === "SELECT") {
        var values = saved[1].split("\n");
        Array.prototype.forEach.call(el.options, function (o) { o.selected = values.indexOf(o.value) >= 0; });
      } else {
        el.value = saved[1];
      }
      el.dispatchEvent(new Event("input", {bubbles: true}));
      restored = true;
    });
    form.dataset.draftRestored = "1";
    if (restored) { showRestored(form, key); }
  }

  function showRestored(form, key) {
    var note = document.createElement("p");
    note.className = "draft-note";
    note.setAttribute("role", "status");
    note.textContent = text("draftRestored") + " ";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "link";
    discard.textContent = text("draftDiscard");
    discard.addEventListener("click", function () {
      clearDraft(key);
      form.reset();
      form.querySelectorAll("[data-maxlength]").forEach(updateCounter);
      note.remove();
    });
    note.appendChild(discard);
    form.insertBefore(note, form.firstChild);
  }

  function hasErrors(form) { return !!form.querySelector(ERRORS); }

  function formWithKey(key) {
    return Array.prototype.find.call(document.forms, function (form) { return drafted(form) && draftKey(form) === key; });
  }

  // A form sent without htmx: whether the server took it shows on the next page. Back on the
  // same form with its errors, or on the sign-in page, the draft stays; anywhere else it was saved.
  function settlePlainSubmit() {
    var key = sessionStorage.getItem(SUBMITTED);
    if (!key || !document.body.dataset.user) { return; }
    sessionStorage.removeItem(SUBMITTED);
    var form = formWithKey(key);
    if (!form || !hasErrors(form)) { clearDraft(key); }
  }

  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (event.isTrusted && drafted(form)) { saveDraft(form); }
  });
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (event.isTrusted && drafted(form)) { saveDraft(form); }
  });

  // -- one request per click ------------------------------------------------------------------------

  function buttonsOf(elt) {
    if (elt.tagName === "FORM") {
      return Array.prototype.filter.call(elt.elements, function (el) {
        return (el.tagName === "BUTTON" && el.type === "submit") || (el.tagName === "INPUT" && el.type === "submit");
      });
    }
    return elt.tagName === "BUTTON" ? [elt] : [];
  }

  function busy(elt, on) {
    buttonsOf(elt).forEach(function (button) {
      button.disabled = on;
      if (on) { button.setAttribute("aria-busy", "true"); } else { button.removeAttribute("aria-busy"); }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("hx-post") || form.hasAttribute("hx-get") || form.closest("[hx-boost=true]")) { return; }
    if (form.dataset.sending) { event.preventDefault(); return; }
    if (event.defaultPrevented) { return; }
    form.dataset.sending = "1";
    if (drafted(form)) { sessionStorage.setItem(SUBMITTED, draftKey(form)); }
    // After this turn: a button disabled now would not send its own name and value.
    setTimeout(function () { busy(form, true); }, 0);
  });

  // Back to a page the browser kept: its buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    Array.prototype.forEach.call(document.forms, function (form) { delete form.dataset.sending; busy(form, false); });
  });

  // Drafts of forms whose answer is being swapped in: the fresh form must not take them back
  // before the answer is judged (htmx:load runs before htmx:afterRequest).
  var answered = {};

  function draftedFormOf(elt) {
    var form = elt.tagName === "FORM" ? elt : elt.form;
    return form && drafted(form) ? form : null;
  }

  // The element that sent a request rides on its XHR: when the answer replaced that element, htmx
  // reports the end of the request on an ancestor instead.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    event.detail.xhr.sender = elt;
    // Only what the person pressed waits for its answer: a form saving its draft as they type
    // (a report) keeps its buttons, or "Hand in" would be dead while a save is under way.
    var cause = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    if (cause && cause.type !== "submit" && cause.type !== "click") { return; }
    busy(elt, true);
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = draftedFormOf(event.detail.xhr.sender || event.detail.elt);
    if (form && event.detail.xhr.status < 400) { answered[draftKey(form)] = true; }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var elt = xhr.sender;
    if (!elt || xhr.ended) { return; }
    xhr.ended = true;
    busy(elt, false);
    var form = draftedFormOf(elt);
    if (!form) { return; }
    var key = draftKey(form);
    delete answered[key];
    if (!event.detail.successful) { return; }
    var shown = formWithKey(key);
    if (!(shown && hasErrors(shown))) { clearDraft(key); }
  });

  // -- signing in again without leaving the page ------------------------------------------------------

  var pending = null;

  function dialog() {
    var box = document.getElementById("sign-in-dialog");
    if (!box) {
      box = document.createElement("dialog");
      box.id = "sign-in-dialog";
      box.className = "sheet";
      box.setAttribute("aria-labelledby", "sign-in-again-title");
      document.body.appendChild(box);
    }
    return box;
  }

  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status !== 401 || !xhr.responseText) { return; }
    // The page stays as it is (no redirect to the sign-in page): this form asks for the password.
    event.preventDefault();
    var triggering = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
    pending = {elt: event.detail.elt, submitter: triggering && triggering.submitter};
    busy(event.detail.elt, false);
    var box = dialog();
    box.innerHTML = xhr.responseText;
    htmx.process(box);
    var email = box.querySelector("input[type=email], input[name$=email]");
    if (email && !email.value) { email.value = document.body.dataset.email || ""; }
    if (!box.open) { box.showModal(); }
    var password = box.querySelector("input[type=password]");
    (email && !email.value ? email : password).focus();
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest(".sign-in-cancel")) { return; }
    dialog().close();
  });

  document.addEventListener("signedIn", function (event) {
    var token = event.detail.csrfToken;
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { meta.content = token; }
    document.querySelectorAll("input[name$=csrf_token]").forEach(function (input) { input.value = token; });
    dialog().close();
    var again = pending;
    pending = null;
    if (!again || !again.elt.isConnected) { return; }
    if (again.elt.tagName === "FORM") {
      again.elt.requestSubmit(again.submitter && again.submitter.isConnected ? again.submitter : undefined);
    } else {
      again.elt.click();
    }
  });

  // -- limits said before they bite -----------------------------------------------------------------

  function counterFor(field) {
    var id = field.id + "-count";
    var counter = document.getElementById(id);
    if (!counter) {
      counter = document.createElement("p");
      counter.id = id;
      counter.className = "counter";
      counter.setAttribute("aria-live", "polite");
      field.insertAdjacentElement("afterend", counter);
      var described = field.getAttribute("aria-describedby");
      field.setAttribute("aria-describedby", (described ? described + " " : "") + id);
    }
    return counter;
  }

  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

  function updateCounter(field) {
    var limit = parseInt(field.dataset.maxlength, 10);
    var used = field.value.length;
    var counter = counterFor(field);
    var over = used > limit;
    // Short fields say their limit only when it comes near; long texts always show the count.
    counter.hidden = field.tagName !== "TEXTAREA" && used < limit * 0.8;
    counter.classList.toggle("over", over);
    counter.textContent = over
      ? format(text("counterOver"), {n: numbers.format(used - limit), max: numbers.format(limit)})
      : format(text("counter"), {n: numbers.format(used), max: numbers.format(limit)});
  }

  // The browser would cut a pasted text at maxlength without a word; the server refuses what is too
  // long and keeps it, so the person sees the count, then trims it themselves.
  function prepareCounters(root) {
    root.querySelectorAll("textarea[maxlength], input[maxlength]").forEach(function (field) {
      var limit = parseInt(field.getAttribute("maxlength"), 10);
      if (!field.id || !(limit >= 100) || !textLike(field) || field.type === "email") { return; }
      field.dataset.maxlength = limit;
      field.removeAttribute("maxlength");
      updateCounter(field);
    });
  }

  document.addEventListener("input", function (event) {
    if (event.target.dataset && event.target.dataset.maxlength) { updateCounter(event.target); }
  });

  // -- people chosen by typing a name (the `people` macro) ------------------------------------------
  // The field's select stays in the form, hidden, and holds the choice: the chips above the box are
  // its chosen options, the list below what the server found for what was typed.

  function pickerSelect(picker) { return picker.querySelector("select"); }

  function isNone(option) { return option.value === "" || option.value === "0"; }

  function showChosen(picker) {
    var select = pickerSelect(picker);
    var chosen = picker.querySelector(".chosen");
    var removable = picker.dataset.people === "many" || Array.prototype.some.call(select.options, isNone);
    chosen.textContent = "";
    Array.prototype.forEach.call(select.selectedOptions, function (option) {
      if (isNone(option)) { return; }
      var item = document.createElement("li");
      var name = document.createElement("span");
      name.textContent = option.textContent;
      item.appendChild(name);
      if (removable) {
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "unchoose";
        remove.value = option.value;
        remove.setAttribute("aria-label", format(chosen.dataset.remove, {name: option.textContent}));
        remove.textContent = "×";
        item.appendChild(remove);
      }
      chosen.appendChild(item);
    });
    chosen.hidden = !chosen.children.length;
    markFound(picker);
  }

  function optionOf(select, value) {
    return Array.prototype.find.call(select.options, function (o) { return o.value === value; });
  }

  // Someone the field does not offer (no longer active, outside its list) is not shown as a choice,
  // unless the field offers whoever is found (data-searched).
  function markFound(picker) {
    var select = pickerSelect(picker);
    picker.querySelectorAll(".found button.person").forEach(function (button) {
      var option = optionOf(select, button.value);
      button.parentNode.hidden = !option && !picker.dataset.searched;
      button.setAttribute("aria-pressed", option && option.selected ? "true" : "false");
    });
  }

  function choosePerson(picker, value, on, name) {
    var select = pickerSelect(picker);
    if (on && picker.dataset.searched && !optionOf(select, value)) {
      select.add(new Option(name, value));
    }
    Array.prototype.forEach.call(select.options, function (option) {
      if (option.value === value) {
        option.selected = on;
      } else if (on && picker.dataset.people === "one") {
        option.selected = false;
      } else if (!on && picker.dataset.people === "one" && isNone(option)) {
        option.selected = true;
      }
    });
    if (drafted(select.form)) { saveDraft(select.form); }
    showChosen(picker);
    // A filter form applies what changed (hx-trigger="change").
    if (picker.dataset.searched) { select.dispatchEvent(new Event("change", {bubbles: true})); }
  }

  function preparePickers(root) {
    var pickers = root.matches && root.matches(".people-picker") ? [root] : root.querySelectorAll(".people-picker");
    Array.prototype.forEach.call(pickers, function (picker) {
      if (picker.dataset.ready) { return; }
      picker.dataset.ready = "1";
      var select = pickerSelect(picker);
      var search = picker.querySelector("input[type=search]");
      select.hidden = true;
      select.required = false;  // a hidden control the browser would refuse without saying where
      picker.querySelector("label").htmlFor = search.id;
      picker.querySelector(".people-ui").hidden = false;
      // A restored draft or a reset form changes the select: the chips follow.
      select.addEventListener("input", function () { showChosen(picker); });
      // What is typed to search is no choice: a form that applies its changes must not hear of it.
      search.addEventListener("change", function (event) { event.stopPropagation(); });
      showChosen(picker);
    });
  }

  function foundButtons(picker) {
    return Array.prototype.filter.call(picker.querySelectorAll(".found button.person"), function (b) {
      return !b.parentNode.hidden;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".people-picker .found button.person, .people-picker .chosen .unchoose");
    if (!button) { return; }
    var picker = button.closest(".people-picker");
    var search = picker.querySelector("input[type=search]");
    if (button.classList.contains("unchoose")) {
      choosePerson(picker, button.value, false);
      search.focus();
    } else if (picker.dataset.people === "one") {
      choosePerson(picker, button.value, true, button.dataset.name);
      search.value = "";
      picker.querySelector(".found").textContent = "";
      search.focus();
    } else {
      choosePerson(picker, button.value, button.getAttribute("aria-pressed") !== "true", button.dataset.name);
    }
  });

  // From the box, Down goes into the list and Enter takes the first found; in the list, Up and Down
  // move and Escape goes back to the box.
  document.addEventListener("keydown", function (event) {
    var picker = event.target.closest && event.target.closest(".people-picker");
    if (!picker || !picker.dataset.ready) { return; }
    var buttons = foundButtons(picker);
    var search = picker.querySelector("input[type=search]");
    var at = buttons.indexOf(event.target);
    if (event.target === search && event.key === "Enter") {
      event.preventDefault();
      if (buttons.length) { buttons[0].click(); }
    } else if (event.key === "ArrowDown" && buttons.length && (event.target === search || at >= 0)) {
      event.preventDefault();
      buttons[Math.min(at + 1, buttons.length - 1)].focus();
    } else if (event.key === "ArrowUp" && at >= 0) {
      event.preventDefault();
      (at === 0 ? search : buttons[at - 1]).focus();
    } else if (event.key === "Escape" && at >= 0) {
      event.preventDefault();
      search.focus();
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var picker = event.detail.target.closest && event.detail.target.closest(".people-picker");
    if (picker) { markFound(picker); }
  });

  document.addEventListener("reset", function (event) {
    setTimeout(function () { event.target.querySelectorAll(".people-picker").forEach(showChosen); }, 0);
  });

  // -- on every page and every swapped-in part ------------------------------------------------------

  function prepare(root) {
    if (!root.querySelectorAll) { return; }
    prepareCounters(root);
    preparePickers(root);
    var forms = root.tagName === "FORM" ? [root] : Array.prototype.slice.call(root.querySelectorAll("form"));
    forms.filter(drafted).forEach(restoreDraft);
  }

  // Deferred, so this runs once the page is parsed and before htmx:load restores any draft.
  settlePlainSubmit();
  document.addEventListener("htmx:load", function (event) { prepare(event.detail.elt); });
})();
