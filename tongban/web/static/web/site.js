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
     without scripts the server's own confirmation page asks instead
   - button[data-menu-toggle]: opens and closes the header's menu on a narrow screen
   - input[data-picker="<select id>"]: typing filters that listbox's options (by their
     data-search text: name, pinyin initials, English name) and selects the first match; ArrowDown
     moves into the list; select[data-submit-on-enter]: Enter sends its form
   - .table-wrap: a table wider than the screen scrolls in its wrapper, which then takes the
     keyboard focus (tabindex) so that it can be scrolled without a mouse (WCAG 2.1.1) */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("click", function (e) {
    var t = e.target.closest ? e.target.closest("[data-menu-toggle]") : null;
    if (!t) { return; }
    var header = t.closest("header");
    var open = !header.classList.contains("open");
    header.classList.toggle("open", open);
    t.setAttribute("aria-expanded", open ? "true" : "false");
  });
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
  function pickerFilter(input) {
    var select = document.getElementById(input.getAttribute("data-picker"));
    if (!select) { return; }
    var q = input.value.trim().toLowerCase(), first = null, shown = 0;
    select.querySelectorAll("option").forEach(function (o) {
      var hit = !q || (o.getAttribute("data-search") || o.textContent).toLowerCase().indexOf(q) !== -1;
      o.hidden = !hit; o.disabled = !hit;
      if (hit) { shown += 1; if (!first) { first = o; } }
    });
    select.querySelectorAll("optgroup").forEach(function (g) {
      g.hidden = !g.querySelector("option:not([hidden])");
    });
    if (q) { select.value = first ? first.value : ""; }
    var status = document.getElementById(select.id.replace(/-item$/, "") + "-count");
    if (status) { status.textContent = (status.getAttribute("data-template") || "{n}").replace("{n}", shown); }
  }
  document.addEventListener("input", function (e) {
    if (e.target.hasAttribute && e.target.hasAttribute("data-picker")) { pickerFilter(e.target); }
  });
  document.addEventListener("keydown", function (e) {
    var el = e.target;
    if (!el.hasAttribute) { return; }
    if (e.key === "ArrowDown" && el.hasAttribute("data-picker")) {
      var select = document.getElementById(el.getAttribute("data-picker"));
      if (select) { e.preventDefault(); select.focus(); }
    } else if (e.key === "Enter" && el.hasAttribute("data-submit-on-enter") && el.form && el.value) {
      e.preventDefault();
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });
  document.addEventListener("click", function (e) {
    var c = e.target.closest ? e.target.closest("button[data-confirm]") : null;
    if (c && !window.confirm(c.getAttribute("data-confirm"))) { e.preventDefault(); }
  });
  function scrollables() {
    document.querySelectorAll(".table-wrap").forEach(function (w) {
      if (w.scrollWidth > w.clientWidth + 1) {
        w.setAttribute("tabindex", "0");
        w.setAttribute("role", "region");
        var caption = w.querySelector("caption"), heading = w.closest("section") && w.closest("section").querySelector("h1, h2, h3");
        var name = (caption || heading || document.querySelector("h1"));
        if (name && !w.hasAttribute("aria-label")) { w.setAttribute("aria-label", name.textContent.trim()); }
      } else if (w.getAttribute("tabindex") === "0") {
        w.removeAttribute("tabindex");
        w.removeAttribute("role");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", scrollables);
  document.addEventListener("htmx:afterSettle", scrollables);
  window.addEventListener("resize", scrollables);
  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("[data-print]") : null;
    if (b) { window.print(); }
  });
})();
