// Turns the harvest-resistant e-mail on an example page into a working mailto link.
// The page holds the address reversed in data attributes, and a readable
// "namn (snabel-a) kommun (punkt) se" text for readers without JavaScript.
(function () {
  "use strict";
  function reverse(text) { return text.split("").reverse().join(""); }
  document.querySelectorAll(".email[data-u][data-d]").forEach(function (node) {
    var address = reverse(node.getAttribute("data-u")) + "@" + reverse(node.getAttribute("data-d"));
    var link = document.createElement("a");
    link.href = "mailto:" + address;
    link.textContent = address;
    node.textContent = "";
    node.appendChild(link);
  });
})();
