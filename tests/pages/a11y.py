"""What the accessibility crawl (tests/pages/test_axe_crawl.py) measures on a page open in Chromium.

- ``axe_problems``: axe-core's violations of impact *critical* or *serious* (axe-core is vendored
  in ``tests/pages/vendor/axe-core/`` from the npm registry, with its licence; a test asset,
  never served).
- ``phone_problems``: on a phone viewport, horizontal overflow and interactive elements smaller
  than 44 × 44 CSS px (WCAG 2.5.5). A link inside running text is exempt, as WCAG 2.5.5 and
  2.5.8 exempt inline targets: one whose nearest block holds text of its own besides the link
  (a sentence such as "…, or <a>register</a> first."). A link alone in its block, a list of
  links, a table cell holding only a link, buttons and form fields are never exempt. Leaflet's
  attribution link is an inline link in the map's attribution sentence.
- ``focus_ring``: whether the focused element shows a visible outline or box-shadow.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
MIN_TARGET = 44

_AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.filter(v => v.impact === 'critical' || v.impact === 'serious').map(v => ({
    id: v.id, impact: v.impact,
    nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ')
      + (n.failureSummary ? ' — ' + n.failureSummary.split('\\n').slice(1, 2).join('') : '')),
    count: v.nodes.length,
  }));
}"""

_PHONE_CHECK = """(min) => {
  const out = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth) {
    out.push(`horizontal overflow: scrollWidth ${doc.scrollWidth} > innerWidth ${window.innerWidth}`);
  }
  const blockOf = (el) => {
    let b = el.parentElement;
    while (b && getComputedStyle(b).display.startsWith('inline')) b = b.parentElement;
    return b;
  };
  const inRunningText = (el) => {
    if (el.tagName !== 'A') return false;
    const block = blockOf(el);
    if (!block) return false;
    let own = '';
    const walk = (node) => {
      for (const c of node.childNodes) {
        if (c === el) continue;
        if (c.nodeType === 3) own += c.textContent;
        else if (c.nodeType === 1 && c.tagName !== 'A' && getComputedStyle(c).display.startsWith('inline')) walk(c);
      }
    };
    walk(block);
    return own.replace(/[\\s·|,，、。.:：;；()（）\\-–—/]/g, '').length > 0;
  };
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]';
  for (const el of document.querySelectorAll(sel)) {
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1 || cs.visibility === 'hidden' || el.closest('[aria-hidden=true]')) continue;
    if (r.right + window.scrollX <= 0 || r.bottom + window.scrollY <= 0) continue;  // moved off screen (the skip link)
    if (r.width + 0.5 >= min && r.height + 0.5 >= min) continue;
    if (inRunningText(el)) continue;
    const name = (el.getAttribute('aria-label') || el.textContent || el.getAttribute('name') || el.type || '')
      .trim().slice(0, 30);
    const classes = typeof el.className === 'string' ? el.className.trim().split(/\\s+/).filter(Boolean) : [];
    const id = el.id ? '#' + el.id : classes.map(c => '.' + c).join('');
    out.push(`${el.tagName.toLowerCase()}${id} "${name}" ${Math.round(r.width)}×${Math.round(r.height)}`);
  }
  return out;
}"""

_FOCUS_RING = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2;
  const shadow = cs.boxShadow && cs.boxShadow !== 'none';
  return {tag: el.tagName.toLowerCase(), name: el.getAttribute('name') || el.id || el.textContent.trim().slice(0, 20),
          visible: outline || !!shadow, outline: cs.outlineStyle + ' ' + cs.outlineWidth + ' ' + cs.outlineColor};
}"""


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe_problems(page: Any) -> list[str]:
    """axe-core's critical and serious violations on the page, one line per rule."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated over the DevTools protocol: the pages' Content-Security-Policy (scripts from
        # the site only) would refuse an injected <script>
        page.evaluate(_axe_source())
    found = page.evaluate(_AXE_RUN)
    return [f"{v['impact']} {v['id']} ×{v['count']}: {'; '.join(v['nodes'])}" for v in found]


def phone_problems(page: Any) -> list[str]:
    """Horizontal overflow and too small tap targets (the page must be at the phone viewport);
    with the header's menu closed, then open."""
    problems: list[str] = page.evaluate(_PHONE_CHECK, MIN_TARGET)
    toggle = page.locator("[data-menu-toggle]")
    if toggle.count() and toggle.first.is_visible():
        toggle.first.click()
        closed = set(problems)
        problems += [f"(menu open) {p}" for p in page.evaluate(_PHONE_CHECK, MIN_TARGET) if p not in closed]
        toggle.first.click()
    return sorted(set(problems))


def focus_ring(page: Any) -> dict[str, Any] | None:
    """The focused element and whether it shows a visible focus indicator (None on <body>)."""
    result: dict[str, Any] | None = page.evaluate(_FOCUS_RING)
    return result
