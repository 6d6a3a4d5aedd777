// LIX readability while typing, for elements marked data-lix-for="<textarea id>".
// Same rules as kb/readability.py: words are runs of letters, a long word has more
// than six letters, a sentence ends at . ! ? or : before a space, at a blank line,
// or where a list item starts. LIX = words/sentences + 100 * long words/words.
(function () {
  "use strict";
  var BANDS = [
    [25, "mycket lättläst, som barnböcker"],
    [30, "lättläst, som skönlitteratur och populärtidningar"],
    [40, "medelsvår, som normal tidningstext"],
    [50, "svår, som normal facklitteratur och myndighetstext"],
    [60, "mycket svår, som byråkratsvenska"],
    [10000, "extremt svår, som forskningsrapporter och lagtext"]
  ];
  var LETTERS = /\p{L}+(?:[-']\p{L}+)*/gu;
  function words(text) { return text.match(LETTERS) || []; }
  function lix(text) {
    var plain = text.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/[#>*_`~|]+/g, " ");
    var w = words(plain);
    if (!w.length) { return null; }
    var parts = plain.split(/[.!?:]+(?=\s|$)|\n\s*\n|\n\s*[-+]\s/);
    var sentences = parts.filter(function (p) { return words(p).length > 0; }).length || 1;
    var long = w.filter(function (x) { return x.length > 6; }).length;
    var value = Math.round(w.length / sentences + 100 * long / w.length);
    for (var i = 0; i < BANDS.length; i += 1) {
      if (value < BANDS[i][0]) { return value + " – " + BANDS[i][1]; }
    }
    return String(value);
  }
  document.querySelectorAll("[data-lix-for]").forEach(function (out) {
    var field = document.getElementById(out.getAttribute("data-lix-for"));
    var value = out.querySelector(".lix-value");
    if (!field || !value) { return; }
    // The page gives the bands and the empty text in its own language (Swedish when it does not).
    var bands = out.getAttribute("data-lix-bands");
    var empty = out.getAttribute("data-lix-empty") || "skriv för att se värdet";
    if (bands) { BANDS = JSON.parse(bands); }
    var timer = null;
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { value.textContent = lix(field.value) || empty; }, 400);
    });
  });
})();
