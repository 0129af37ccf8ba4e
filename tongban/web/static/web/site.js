/* Page behaviours declared with data- attributes, so that no page needs an inline script or an
   inline event handler (the Content-Security-Policy allows scripts from this site only).
   Delegated from the document: content swapped in by htmx behaves the same.
   - form[data-once]: its submit buttons are disabled once it is sent (no double submission)
   - select[data-autosubmit]: choosing an option sends the form ("request": through the submit
     event, so htmx handles it; otherwise a plain form submission)
   - input[data-select-on-focus]: focusing selects the whole value (a link to copy)
   - button[data-print]: prints the page
   - htmx: a refused request's answer (4xx with HTML) is shown like any other
   - button[data-confirm]: a destructive button asks its question (the attribute's text) first;
     without scripts the server's own confirmation page asks instead */
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute || !form.hasAttribute("data-once")) { return; }
    setTimeout(function () {
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (!el.form || !el.hasAttribute("data-autosubmit")) { return; }
    if (el.getAttribute("data-autosubmit") === "request" && el.form.requestSubmit) { el.form.requestSubmit(); }
    else { el.form.submit(); }
  });
  // a refused request (400, 404, 409, 422) answers with the page fragment that says why: show it
  document.addEventListener("htmx:beforeSwap", function (e) {
    var x = e.detail.xhr, type = x.getResponseHeader("Content-Type") || "";
    if (x.status >= 400 && x.status < 500 && type.indexOf("text/html") === 0) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
  document.addEventListener("focusin", function (e) {
    if (e.target.hasAttribute && e.target.hasAttribute("data-select-on-focus")) { e.target.select(); }
  });
  document.addEventListener("click", function (e) {
    var c = e.target.closest ? e.target.closest("button[data-confirm]") : null;
    if (c && !window.confirm(c.getAttribute("data-confirm"))) { e.preventDefault(); }
  });
  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("[data-print]") : null;
    if (b) { window.print(); }
  });
})();
