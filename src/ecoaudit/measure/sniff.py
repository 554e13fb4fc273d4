"""Image formats and animation read from the bytes themselves, not from the Content-Type."""

from __future__ import annotations


def image_format(data: bytes) -> str | None:
    """The image format the bytes start with, or None when unknown."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis"):
        return "avif"
    if data.startswith(b"\xff\x0a") or data.startswith(b"\x00\x00\x00\x0cJXL \r\n\x87\n"):
        return "jxl"
    if data.startswith(b"BM"):
        return "bmp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data[:4] == b"\x00\x00\x01\x00":
        return "ico"
    head = data[:512].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "svg"
    return None


def is_animated(data: bytes, fmt: str | None) -> bool | None:
    """Whether the image has more than one frame; None when the format cannot animate."""
    if fmt == "gif":
        return _gif_frame_count(data) > 1
    if fmt == "webp":
        return data[12:16] == b"VP8X" and len(data) > 20 and bool(data[20] & 0x02)
    if fmt == "png":
        return b"acTL" in data[: min(len(data), 1 << 16)]
    return None


def _gif_frame_count(data: bytes) -> int:
    """Count image descriptors in a GIF, walking its blocks (stops at 2)."""
    if len(data) < 13:
        return 0
    position = 13
    flags = data[10]
    if flags & 0x80:
        position += 3 * (1 << ((flags & 0x07) + 1))
    frames = 0
    while position < len(data) and frames < 2:
        block = data[position]
        if block == 0x3B:  # trailer
            break
        if block == 0x21:  # extension: label, then sub-blocks
            position += 2
            position = _skip_sub_blocks(data, position)
        elif block == 0x2C:  # image descriptor
            frames += 1
            if position + 10 > len(data):
                break
            local = data[position + 9]
            position += 10
            if local & 0x80:
                position += 3 * (1 << ((local & 0x07) + 1))
            position += 1  # LZW minimum code size
            position = _skip_sub_blocks(data, position)
        else:
            break
    return frames


def _skip_sub_blocks(data: bytes, position: int) -> int:
    while position < len(data):
        size = data[position]
        position += 1 + size
        if size == 0:
            break
    return position
