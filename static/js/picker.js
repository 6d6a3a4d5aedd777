// Progressive enhancement for <select multiple> inside .picker fields: a filter box
// above the list, and a live summary of what is chosen. Without JavaScript the plain
// multi-select works as it is.
(function () {
  "use strict";
  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  document.querySelectorAll(".picker select[multiple]").forEach(function (select) {
    var field = select.closest(".picker");
    var label = field.querySelector("label");
    var input = document.createElement("input");
    input.type = "search";
    input.className = "picker-filter";
    input.id = select.id + "-filter";
    input.setAttribute("aria-controls", select.id);
    input.setAttribute("aria-label", "Filtrera " + (label ? label.textContent.toLowerCase() : "listan"));
    input.placeholder = "Skriv för att filtrera, t.ex. borlange";
    var status = document.createElement("p");
    status.className = "picker-chosen";
    status.id = select.id + "-chosen";
    status.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(input, select);
    select.parentNode.insertBefore(status, select.nextSibling);

    function summarise() {
      var chosen = Array.prototype.filter.call(select.options, function (o) { return o.selected; })
        .map(function (o) { return o.textContent; });
      status.textContent = chosen.length ? "Valda: " + chosen.join(", ") : "Inget valt.";
    }
    input.addEventListener("input", function () {
      var needle = fold(input.value.trim());
      var shown = 0;
      Array.prototype.forEach.call(select.options, function (o) {
        var match = !needle || fold(o.textContent).indexOf(needle) !== -1 || o.selected;
        o.hidden = !match;
        if (match) { shown += 1; }
      });
      select.setAttribute("aria-label", shown + " träffar");
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); select.focus(); }
    });
    select.addEventListener("change", summarise);
    summarise();
  });
})();
