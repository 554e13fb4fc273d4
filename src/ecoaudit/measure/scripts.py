"""The scripts run in the page (js/): init, first viewport, links, DOM facts, scroll."""

from __future__ import annotations

from importlib import resources


def _script(name: str) -> str:
    return resources.files("ecoaudit.measure").joinpath("js", name).read_text(encoding="utf-8")


INIT_SCRIPT = _script("init.js")


FIRST_VIEWPORT_SCRIPT = _script("first_viewport.js")


LINKS_SCRIPT = _script("links.js")


# The DOM facts, the links and the window.open calls (init.js) in one call (one chance fewer for
# a self-replacing page to slip in, and one round trip instead of three).
COLLECT_SCRIPT = (f"() => ({{facts: ({_script('collect.js')})(),"
                  f" links: ({LINKS_SCRIPT})(), popups: window.__ecoauditPopups || 0}})")


SCROLL_SCRIPT = (
    "() => window.scrollTo({top: (document.body || document.documentElement).scrollHeight,"
    " behavior: 'smooth'})"
)
