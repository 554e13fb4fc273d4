"""Device profiles: the viewport, scale, touch and user agent a page is measured with.

`desktop` is the EcoIndex protocol's own profile (1920×1080, the browser's user agent).
Every other name is one of Playwright's built-in device descriptors ("Pixel 7", "iPhone 13"...);
`mobile` is short for "Pixel 7", an Android phone like most residents'. Playwright only hands
its descriptors out from a running driver, so the list is read once per process, in a thread of
its own (the sync API refuses to run inside an event loop).
"""

from __future__ import annotations

import difflib
import functools
import threading
from dataclasses import dataclass
from typing import Any

DESKTOP = "desktop"
SHORT_NAMES = {"mobile": "Pixel 7"}


class UnknownDevice(ValueError):
    """A device name that is neither a short name nor one of Playwright's descriptors."""


@dataclass(frozen=True)
class DeviceProfile:
    """How a page is shown: None fields keep the measurement options' own (desktop) values."""

    name: str  # as the user wrote it: "desktop", "mobile", "iPhone 13"
    viewport_width: int | None = None
    viewport_height: int | None = None
    screen_width: int | None = None
    screen_height: int | None = None
    device_scale_factor: float = 1.0
    is_mobile: bool = False
    has_touch: bool = False
    user_agent: str | None = None  # None: the browser's own

    @property
    def is_desktop(self) -> bool:
        return self.name == DESKTOP


@functools.cache
def playwright_descriptors() -> dict[str, dict[str, Any]]:
    """Playwright's device descriptors, by name (read once from its driver)."""
    found: dict[str, dict[str, Any]] = {}
    failure: list[BaseException] = []

    def read() -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                found.update(playwright.devices)
        except BaseException as error:  # re-raised in the caller's thread
            failure.append(error)

    reader = threading.Thread(target=read, name="playwright-devices")
    reader.start()
    reader.join()
    if failure:
        raise failure[0]
    return found


def check_device_name(name: str, descriptors: dict[str, dict[str, Any]] | None = None) -> str:
    """`name` if it names a profile; else UnknownDevice with the nearest names
    (`descriptors`: Playwright's, when already at hand; else read from its driver)."""
    if name == DESKTOP or name in SHORT_NAMES:
        return name
    if descriptors is None:
        descriptors = playwright_descriptors()
    if name in descriptors:
        return name
    near = difflib.get_close_matches(name, [DESKTOP, *SHORT_NAMES, *descriptors], n=3)
    hint = f" (did you mean {', '.join(repr(n) for n in near)}?)" if near else ""
    raise UnknownDevice(f"unknown device {name!r}{hint}: use \"desktop\", \"mobile\" or a "
                        f"Playwright device name such as \"Pixel 7\" or \"iPhone 13\"")


def device_profile(name: str, descriptors: dict[str, dict[str, Any]] | None = None
                   ) -> DeviceProfile:
    """The profile of a device name (`descriptors`: Playwright's, when already at hand)."""
    if name == DESKTOP:
        return DeviceProfile(name)
    if descriptors is None:
        descriptors = playwright_descriptors()
    check_device_name(name, descriptors)
    descriptor = descriptors[SHORT_NAMES.get(name, name)]
    viewport = descriptor.get("viewport") or {}
    screen = descriptor.get("screen") or viewport
    return DeviceProfile(
        name=name,
        viewport_width=viewport.get("width"),
        viewport_height=viewport.get("height"),
        screen_width=screen.get("width"),
        screen_height=screen.get("height"),
        device_scale_factor=float(descriptor.get("device_scale_factor") or 1.0),
        is_mobile=bool(descriptor.get("is_mobile")),
        has_touch=bool(descriptor.get("has_touch")),
        user_agent=descriptor.get("user_agent"),
    )
