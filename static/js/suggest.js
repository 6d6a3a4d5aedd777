// Suggestions as you type for every search box (progressive enhancement: without
// JavaScript the box is a plain search form). ARIA 1.2 combobox with a listbox popup;
// arrow keys move, Enter opens, Escape closes; the count is announced politely.
(function () {
  "use strict";
  var KIND = { title: "Exempel", place: "Plats", category: "Ämne", tag: "Nyckelord" };
  document.querySelectorAll("form.search-form[data-suggest]").forEach(function (form, n) {
    var input = form.querySelector("input[type=search]");
    if (!input) { return; }
    var endpoint = form.getAttribute("data-suggest");
    var list = document.createElement("ul");
    var status = document.createElement("div");
    var items = [], active = -1, timer = null, seq = 0;
    list.id = "suggest-list-" + n;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Förslag");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    form.classList.add("has-suggest");
    input.parentNode.appendChild(list);
    form.appendChild(status);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function highlight(i) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (o, j) { o.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (i >= 0 && options[i]) {
        input.setAttribute("aria-activedescendant", options[i].id);
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function render(data) {
      items = data.suggestions || [];
      list.innerHTML = "";
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = list.id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var label = document.createElement("span");
        label.textContent = item.label;
        var kind = document.createElement("span");
        kind.className = "suggest-kind";
        kind.textContent = KIND[item.type] || "";
        li.appendChild(label);
        li.appendChild(kind);
        li.addEventListener("mousedown", function (event) { event.preventDefault(); window.location.href = item.url; });
        list.appendChild(li);
      });
      if (items.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        status.textContent = items.length + " förslag. Använd pil upp och ner för att välja.";
      } else {
        close();
        status.textContent = "";
      }
      active = -1;
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch(endpoint + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (data) { if (mine === seq) { render(data); } })
          .catch(function () { close(); });
      }, 120);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(Math.max(active - 1, -1)); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && active >= 0) { event.preventDefault(); window.location.href = items[active].url; }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  });
})();
