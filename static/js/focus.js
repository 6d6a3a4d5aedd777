// Moves keyboard and screen-reader focus to the first element marked data-autofocus
// (an error summary, or the missing-comment message next to the action buttons),
// so the person lands on what went wrong. No inline script (CSP).
(function () {
  "use strict";
  var target = document.querySelector("[data-autofocus]");
  if (target) {
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
    target.focus();
    if (target.scrollIntoView) { target.scrollIntoView({ block: "center" }); }
  }
})();
