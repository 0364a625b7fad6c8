// secguard review: keyboard shortcuts. No framework, no inline code (the
// content security policy allows only this file).
(function () {
  "use strict";
  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }
  function click(id) {
    var el = document.getElementById(id);
    if (el) { el.click(); return true; }
    return false;
  }
  function toggleHelp() {
    var help = document.getElementById("help");
    if (help) help.hidden = !help.hidden;
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    var done = false;
    switch (event.key) {
      case "t": done = click("decision-tp"); break;
      case "f": done = click("decision-fp"); break;
      case "s": done = click("decision-secure"); break;
      case "i": done = click("decision-insecure"); break;
      case "j":
      case "n": {
        var next = document.getElementById("next");
        if (next && next.href) { window.location.href = next.href; done = true; }
        break;
      }
      case "?": toggleHelp(); done = true; break;
      case "Escape": {
        var help = document.getElementById("help");
        if (help && !help.hidden) { help.hidden = true; done = true; }
        break;
      }
    }
    if (done) event.preventDefault();
  });
  // Bring the finding's first highlighted line into view.
  document.addEventListener("DOMContentLoaded", function () {
    var first = document.querySelector("table.code tr.hl");
    if (first && !window.location.hash) first.scrollIntoView({ block: "center" });
  });
})();
