"""The EcoIndex element count in shadow DOM, SVG, slots, templates and frames, in real Chromium.

The reference tool (ecoindex-cli 2.30.1) counts the elements Playwright's CSS selector `*` finds
in the main frame (it pierces open shadow roots, not closed ones, not iframes) minus those its
XPath `//*[local-name()='svg']//*` finds (XPath sees the document tree only, never a shadow
tree). Every page below has its count worked out by hand; a second test checks that Playwright's
own two selectors give those same numbers, so the hand counts are the reference's rule.

Every page shares the same frame: html, head, title, body (4 elements) + a <script> when it
builds shadow roots.
"""

from __future__ import annotations

import pytest

from ecoaudit.measure import MeasureOptions, measure_urls
from tests.page_server import Response, serve

pytestmark = pytest.mark.browser

QUICK = MeasureOptions(wait_before=0, wait_after=0, timeout=15)


def _page(body: str) -> str:
    return f"<!doctype html><html><head><title>t</title></head><body>{body}</body></html>"


FRAME = "<html><body><div><p>in the frame</p><p>not counted</p></div></body></html>"

# path: (page, expected count, what is counted)
PAGES: dict[str, tuple[str, int, str]] = {
    "/nested-open-shadow-roots": (_page("""<div id="outer"></div><script>
const outer = document.getElementById('outer').attachShadow({mode: 'open'});
outer.innerHTML = '<section><div id="inner"></div><p>o</p></section>';
outer.getElementById('inner').attachShadow({mode: 'open'}).innerHTML =
  '<ul><li>1</li><li>2</li></ul>';
</script>"""), 12, "4 + div#outer script | section div#inner p | ul li li"),

    "/svg-in-shadow-root": (_page("""<svg><g><circle r="1"></circle></g></svg>
<div id="host"></div><script>
document.getElementById('host').attachShadow({mode: 'open'}).innerHTML =
  '<svg><g><circle r="1"></circle><rect width="1" height="1"></rect></g></svg><p>x</p>';
</script>"""), 12, "4 + svg (its g, circle not counted) div#host script | svg g circle rect p"),

    "/svg-in-nested-shadow-roots": (_page("""<div id="outer"></div><script>
const outer = document.getElementById('outer').attachShadow({mode: 'open'});
outer.innerHTML = '<svg><g><circle r="1"></circle></g></svg><div id="inner"></div>';
outer.getElementById('inner').attachShadow({mode: 'open'}).innerHTML =
  '<svg><defs><linearGradient id="l"><stop offset="0"></stop></linearGradient></defs>' +
  '<path d="M0 0"></path></svg>';
</script>"""), 15,
        "4 + div#outer script | svg g circle div#inner | svg defs linearGradient stop path"),

    "/shadow-root-in-svg-foreign-object": (_page("""<svg><foreignObject width="50" height="50">
<div id="host"></div></foreignObject><circle r="1"></circle></svg><script>
document.getElementById('host').attachShadow({mode: 'open'}).innerHTML =
  '<p>a</p><span>b</span><svg><g></g></svg>';
</script>"""), 10, "4 + svg script (foreignObject, div#host, circle below the svg) | p span svg g"),

    "/slots": (_page("""<div id="host"><span slot="title">T</span><p>one</p><p>two</p></div>
<script>
document.getElementById('host').attachShadow({mode: 'open'}).innerHTML =
  '<header><slot name="title"></slot></header><main><slot></slot></main>';
</script>"""), 13, "4 + div#host span p p script (slotted, counted once) | header slot main slot"),

    "/template": (_page("""<template><div><p>a</p><p>b</p></div></template><p>after</p>
<div id="d"><template shadowrootmode="open"><p>x</p><em>y</em></template></div>"""),
                  9, "4 + template p (not its content) div#d | p em (declarative shadow root)"),

    "/iframe-in-shadow-root": (_page("""<div id="host"></div><script>
document.getElementById('host').attachShadow({mode: 'open'}).innerHTML =
  '<iframe src="/frame.html"></iframe><p>x</p>';
</script>"""), 8, "4 + div#host script | iframe p (not the frame's document)"),

    "/closed-shadow-root": (_page("""<div id="host"></div><script>
const closed = document.getElementById('host').attachShadow({mode: 'closed'});
closed.innerHTML = '<p>a</p><div id="inner"></div>';
closed.getElementById('inner').attachShadow({mode: 'open'}).innerHTML = '<p>b</p>';
</script>"""), 6, "4 + div#host script (nothing behind a closed root, even an open one inside)"),
}


def _routes() -> dict[str, Response]:
    routes = {path: Response(page) for path, (page, _, _) in PAGES.items()}
    routes["/frame.html"] = Response(FRAME)
    return routes


def test_node_counts_match_the_reference_rule_exactly():
    with serve(_routes()) as server:
        captures = measure_urls([server.url(path) for path in PAGES], QUICK, concurrency=4)
        counts = {capture.requested_url.replace(server.base, ""): capture.nodes
                  for capture in captures}
        errors = [capture.error for capture in captures if capture.error]
    assert errors == []
    assert counts == {path: expected for path, (_, expected, _) in PAGES.items()}


def test_the_hand_counts_are_what_playwrights_two_selectors_give():
    """The reference's own way: len(locator('*')) - len(locator("//*[local-name()='svg']//*"))."""
    from playwright.sync_api import sync_playwright

    from ecoaudit.measure.browser import find_chromium, launch_options

    found = {}
    with serve(_routes()) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options(find_chromium()))
        try:
            page = browser.new_page()
            for path in PAGES:
                page.goto(server.url(path))
                found[path] = (page.locator("*").count()
                               - page.locator("//*[local-name()='svg']//*").count())
        finally:
            browser.close()
    assert found == {path: expected for path, (_, expected, _) in PAGES.items()}
