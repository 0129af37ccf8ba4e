/* tongban's additions to Django's admin (templates/admin/base_site.html), for assistive technology:
   - the filter widget's search icons carry an aria-label on a bare <span> (axe: aria-prohibited-attr):
     they get role="img", as they are added (SelectFilter2.js builds them on load);
   - the list's search box is labelled only by an icon's alt text (axe: label-title-only when it
     has a help text): the icon's text becomes its aria-label;
   - a wide table or inline group that scrolls sideways takes the keyboard focus (tabindex), so it
     can be scrolled without a mouse (WCAG 2.1.1). */
(function () {
  "use strict";
  function fix(root) {
    root.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach(function (s) { s.setAttribute("role", "img"); });
    var search = root.querySelector("#searchbar:not([aria-label])"), icon = document.querySelector("label[for=searchbar] img[alt]");
    if (search && icon) { search.setAttribute("aria-label", icon.getAttribute("alt")); }
    root.querySelectorAll(".inline-group, .results, .tabular").forEach(function (w) {
      if (w.scrollWidth > w.clientWidth + 1) {
        w.setAttribute("tabindex", "0");
        if (!w.hasAttribute("role")) { w.setAttribute("role", "region"); }
        var h = w.querySelector("h2, caption");
        if (h && !w.hasAttribute("aria-label")) { w.setAttribute("aria-label", h.textContent.trim()); }
      }
    });
  }
  new MutationObserver(function () { fix(document); }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", function () { fix(document); });
  window.addEventListener("resize", function () { fix(document); });
})();
