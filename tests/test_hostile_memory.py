"""A page with a 100 MB image: the crawler's own memory must not grow with the body's size.

The browser records every body (to sniff image formats and judge text compression); ecoaudit
reads only the start of each body it needs, so its memory stays flat whatever a site serves.
"""

from __future__ import annotations

import asyncio

import psutil
import pytest

from ecoaudit.measure import BrowserSession, MeasureOptions
from tests.hostile_server import Handler, HostileServer
from tests.test_hostile_crawl import MemoryWatch

pytestmark = pytest.mark.browser

IMAGE_BYTES = 100_000_000
CHUNK = b"\x00" * 1_000_000
ALLOWED_GROWTH = 50_000_000  # well under the image's size


def page(handler: Handler) -> None:
    handler.send_body(b"<!doctype html><html><head><title>Heavy</title></head><body>"
                      b"<img src='/huge.png' alt=''></body></html>")


def huge_image(handler: Handler) -> None:
    """A PNG signature followed by 100 MB, streamed (the server itself holds 1 MB)."""
    signature = b"\x89PNG\r\n\x1a\n"
    handler.send_response(200)
    handler.send_header("Content-Type", "image/png")
    handler.send_header("Content-Length", str(len(signature) + IMAGE_BYTES))
    handler.end_headers()
    handler.wfile.write(signature)
    for _ in range(IMAGE_BYTES // len(CHUNK)):
        handler.wfile.write(CHUNK)


async def measure_with_memory(url: str) -> tuple:
    async with BrowserSession(MeasureOptions(wait_before=0, wait_after=0, timeout=60,
                                             collect_coverage=False)) as session:
        baseline = psutil.Process().memory_info().rss
        with MemoryWatch(0.1) as memory:
            capture = await session.measure(url)
        return capture, memory.python_peak - baseline


def test_a_100_mb_body_does_not_grow_the_crawlers_memory() -> None:
    with HostileServer(extra_routes={"/": page, "/huge.png": huge_image}) as server:
        capture, growth = asyncio.run(measure_with_memory(server.url("/")))
    print(f"\n100 MB image: python memory grew by {growth / 1e6:.0f} MB")
    assert capture.error is None
    assert capture.transfer_bytes > IMAGE_BYTES
    assert growth < ALLOWED_GROWTH
