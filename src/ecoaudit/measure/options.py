"""How a page is measured: the protocol's settings and how to reach the pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ecoaudit import __version__
from ecoaudit.capture import (
    Protocol,
)
from ecoaudit.measure.browser import (
    BrowserExecutable,
)
from ecoaudit.metrics import ecoindex
from ecoaudit.net.access import DEFAULT_USER_AGENT


@dataclass
class MeasureOptions:
    """How to measure: the protocol, and how to reach the pages."""

    viewport_width: int = 1920  # the desktop profile's; other devices bring their own
    viewport_height: int = 1080
    device: str = "desktop"  # the profile of a measurement that names none
    devices: list[str] = field(default_factory=list)  # every profile a run measures in
    wait_before: float = 3.0
    wait_after: float = 3.0
    timeout: float = 60.0
    user_agent: str | None = None  # a full replacement; None: the browser's own + the token
    user_agent_token: str | None = DEFAULT_USER_AGENT  # appended to the browser's user agent
    extra_headers: dict[str, str] = field(default_factory=dict)
    http_credentials: dict[str, str] | None = None  # {"username", "password"}
    cookies: list[dict] = field(default_factory=list)  # Playwright cookie dicts
    consent_selector: str | None = None
    first_party_hosts: list[str] = field(default_factory=list)
    collect_coverage: bool = True
    screenshot_dir: Path | None = None
    browser_path: str | None = None  # explicit executable (config); else found automatically
    ignore_https_errors: bool = False  # accept invalid TLS certificates (self-signed tests)
    # Documents (pages, frames, redirect hops) may only come from these hosts in the main frame
    # (None: anywhere), and from private addresses only when allowed (None: when the measured
    # URL's own host is private, i.e. a local or staging server).
    allowed_hosts: list[str] | None = None
    allow_private: bool | None = None

    def protocol(self, browser_version: str | None, consent: str = "none",
                 executable: BrowserExecutable | None = None) -> Protocol:
        """The protocol record stored with every capture."""
        return Protocol(
            viewport_width=self.viewport_width,
            viewport_height=self.viewport_height,
            wait_before_scroll=self.wait_before,
            wait_after_scroll=self.wait_after,
            timeout=self.timeout,
            consent=consent,
            user_agent=self.user_agent,
            browser=browser_version,
            browser_build=executable.build if executable else None,
            browser_path=executable.path if executable else None,
            tool_version=__version__,
            formula_version=ecoindex.FORMULA_VERSION,
            measured_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
