// The what-if panel: as the person changes a number, ask the server for the panel again.
// Without this script the form still works: "Show my score" reloads the page with the result.
(function () {
  "use strict";
  var form = document.getElementById("whatif-form");
  var panel = document.getElementById("whatif-panel");
  if (!form || !panel || !window.fetch) { return; }
  var timer = null;
  var seq = 0;
  function refresh() {
    var query = new URLSearchParams(new FormData(form)).toString();
    var mine = ++seq;
    panel.setAttribute("aria-busy", "true");
    fetch(form.getAttribute("data-panel") + "?" + query, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { if (mine === seq) { panel.innerHTML = html; } })
      .catch(function () { /* keep the last answer; the button still works */ })
      .then(function () { if (mine === seq) { panel.removeAttribute("aria-busy"); } });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); clearTimeout(timer); refresh(); });
}());
