"""What a page does while it is measured: loads, dialogs, downloads, pop-ups, console errors."""

from __future__ import annotations

import contextlib

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

MAX_CONSOLE_ERRORS = 50


SELF_NAVIGATIONS_FOLLOWED = 3  # a page that replaces itself more often is not measured


class PageEvents:
    """What the page did besides loading: dialogs, pop-ups, downloads, console errors."""

    def __init__(self) -> None:
        self.dialogs: list[str] = []
        self.popups = 0
        self.downloads: list[str] = []
        self.console_errors: list[str] = []
        self.documents_loaded = 0  # the first document, plus each one a script or refresh loaded

    def attach(self, context: BrowserContext, page: Page) -> None:
        page.on("load", self._on_load)
        page.on("dialog", self._on_dialog)
        page.on("download", self._on_download)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self._add_error(f"uncaught: {error}"))
        context.on("page", self._on_popup)

    def _on_load(self, _page: Page) -> None:
        self.documents_loaded += 1

    @property
    def replaced_itself_too_often(self) -> bool:
        """Whether the page replaced its document more often than a measurement follows."""
        return self.documents_loaded > SELF_NAVIGATIONS_FOLLOWED + 1

    async def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.type)
        with contextlib.suppress(PlaywrightError):
            await dialog.dismiss()

    async def _on_download(self, download) -> None:
        self.downloads.append(download.url)
        with contextlib.suppress(PlaywrightError):
            await download.cancel()

    async def _on_popup(self, popup: Page) -> None:
        self.popups += 1
        with contextlib.suppress(PlaywrightError):
            await popup.close()

    def _on_console(self, message) -> None:
        if message.type == "error":
            self._add_error(message.text)

    def _add_error(self, text: str) -> None:
        if len(self.console_errors) < MAX_CONSOLE_ERRORS:
            self.console_errors.append(text[:500])
