// Progressive enhancement for <select multiple> inside .picker fields: a type-ahead
// combobox (ARIA 1.2 pattern) with the chosen places as removable chips.
// Keyboard: type to filter (å, ä and ö may be typed as a and o), ArrowDown/ArrowUp to
// move, Enter to choose, Escape to close, Backspace in the empty box removes the last
// chip; each chip is a button (Enter or Space removes it). Options are sorted in
// Swedish order (Å, Ä, Ö after Z). Without JavaScript the plain multi-select works
// as it is, and the select stays the form's value holder either way.
(function () {
  "use strict";
  var collator = new Intl.Collator("sv", { sensitivity: "base" });
  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  document.querySelectorAll(".picker select[multiple]").forEach(function (select) {
    var field = select.closest(".picker");
    var label = field.querySelector("label[for='" + select.id + "']");
    var hint = field.querySelector(".hint");
    var options = Array.prototype.slice.call(select.options).sort(function (a, b) {
      return collator.compare(a.textContent, b.textContent);
    });

    var chips = document.createElement("ul");
    chips.className = "chips";
    chips.setAttribute("aria-label", "Valda");
    var wrap = document.createElement("div");
    wrap.className = "combo";
    var input = document.createElement("input");
    input.type = "text";
    input.id = select.id + "-filter";
    input.className = "picker-filter";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", select.id + "-listbox");
    input.setAttribute("autocomplete", "off");
    if (hint && hint.id) { input.setAttribute("aria-describedby", hint.id); }
    input.placeholder = "Skriv för att söka, t.ex. Borlänge";
    var list = document.createElement("ul");
    list.id = select.id + "-listbox";
    list.className = "combo-list";
    list.setAttribute("role", "listbox");
    if (label) { list.setAttribute("aria-label", label.textContent.trim()); }
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");

    wrap.appendChild(input);
    wrap.appendChild(list);
    select.parentNode.insertBefore(chips, select);
    select.parentNode.insertBefore(wrap, select);
    select.parentNode.insertBefore(status, select);
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    if (label) { label.setAttribute("for", input.id); }

    var shown = [];
    var active = -1;

    function renderChips() {
      chips.textContent = "";
      options.forEach(function (o) {
        if (!o.selected) { return; }
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = o.textContent + " ✕";
        button.setAttribute("aria-label", "Ta bort " + o.textContent);
        button.addEventListener("click", function () {
          o.selected = false;
          status.textContent = o.textContent + " borttagen.";
          renderChips();
          renderList();
          input.focus();
        });
        li.appendChild(button);
        chips.appendChild(li);
      });
      chips.hidden = !chips.children.length;
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = list.children;
      if (!items.length) { return; }
      active = (index + items.length) % items.length;
      Array.prototype.forEach.call(items, function (li, i) {
        li.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function renderList() {
      var needle = fold(input.value.trim());
      list.textContent = "";
      if (!needle) { close(); return; }
      // Names starting with what was typed first, then a later word, then the county in brackets.
      function rank(o) {
        var name = fold(o.textContent);
        if (name.indexOf(needle) === 0) { return 0; }
        var own = name.split(" (")[0];
        if (own.indexOf(" " + needle) !== -1 || own.indexOf("-" + needle) !== -1) { return 1; }
        if (name.indexOf("(" + needle) !== -1) { return 2; }
        return -1;
      }
      var ranked = [[], [], []];
      options.forEach(function (o) { var r = rank(o); if (r >= 0) { ranked[r].push(o); } });
      shown = ranked[0].concat(ranked[1], ranked[2]).slice(0, 50);
      shown.forEach(function (o, i) {
        var li = document.createElement("li");
        li.id = select.id + "-opt-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = o.textContent;
        if (o.selected) { li.className = "chosen"; }
        li.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      list.hidden = !shown.length;
      input.setAttribute("aria-expanded", shown.length ? "true" : "false");
      status.textContent = shown.length ? shown.length + " träffar. Välj med pil ned och Enter." : "Inga träffar.";
      active = -1;
    }

    function choose(index) {
      var o = shown[index];
      if (!o) { return; }
      o.selected = !o.selected;
      status.textContent = o.textContent + (o.selected ? " vald." : " borttagen.");
      input.value = "";
      renderChips();
      close();
      input.focus();
    }

    input.addEventListener("input", renderList);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) { renderList(); } else { highlight(active + 1); }
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (!list.hidden) { highlight(active - 1); }
      } else if (event.key === "Enter") {
        if (!list.hidden && shown.length) { event.preventDefault(); choose(active >= 0 ? active : 0); }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); close(); }
      } else if (event.key === "Backspace" && !input.value) {
        var chosen = options.filter(function (o) { return o.selected; });
        if (chosen.length) {
          var last = chosen[chosen.length - 1];
          last.selected = false;
          status.textContent = last.textContent + " borttagen.";
          renderChips();
        }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    renderChips();
  });
})();
