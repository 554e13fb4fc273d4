"""A Capture as stored: zlib-compressed compact JSON of `Capture.to_dict()`."""

from __future__ import annotations

import json
import zlib

from ecoaudit.capture import Capture

COMPRESSION_LEVEL = 6


def compress_capture(capture: Capture) -> tuple[bytes, int]:
    """The compressed bytes and the size of the JSON before compression."""
    raw = json.dumps(capture.to_dict(), separators=(",", ":"), ensure_ascii=False).encode()
    return zlib.compress(raw, COMPRESSION_LEVEL), len(raw)


def decompress_capture(data: bytes) -> Capture:
    return Capture.from_dict(json.loads(zlib.decompress(data)))
