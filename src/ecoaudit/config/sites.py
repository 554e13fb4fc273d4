"""Sites and settings as loaded from sites.toml: SiteConfig, StorageSettings, Config.

Secrets (headers, cookies, basic auth, journey values) are written as `${ENV_VAR}` references and
resolved only when a request is made or a step played: they never appear in repr(), in logs, or
in `SiteConfig.redacted()`.
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ecoaudit.config.journeys import check_journey_secrets
from ecoaudit.config.locate import did_you_mean
from ecoaudit.config.schema import DEFAULT_LOGOUT_PATTERNS, ENV_REFERENCE
from ecoaudit.errors import ConfigError
from ecoaudit.measure.devices import DESKTOP
from ecoaudit.measure.journey_steps import Journey
from ecoaudit.net.access import DEFAULT_USER_AGENT, ROBOTS_TOKEN
from ecoaudit.net.hosts import host_matches
from ecoaudit.net.urls import (
    DEFAULT_IGNORED_PARAMETERS,
    UrlError,
    host_key,
)
from ecoaudit.scoring.size_categories import size_category_of

REDACTED = "***"


@dataclass
class SiteConfig:
    """One site to audit, with every key filled (defaults applied). Secrets stay unresolved."""

    name: str
    title: str
    start_urls: list[str]
    allowed_hosts: list[str]
    group: str = "own"
    first_party_hosts: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    max_pages: int = 50
    max_depth: int = 3
    sitemap: bool = True
    respect_robots: bool = True
    max_concurrency_per_host: int = 2
    min_delay: float = 1.0
    page_timeout: float = 60.0
    ignored_query_parameters: list[str] = field(
        default_factory=lambda: list(DEFAULT_IGNORED_PARAMETERS)
    )
    max_url_length: int = 2000
    max_query_variants: int = 10
    documents: bool = True
    max_documents: int = 200
    allow_private_addresses: bool = False
    user_agent: str = DEFAULT_USER_AGENT
    schedule: str | None = None
    budgets: dict[str, Any] = field(default_factory=dict)
    targets: dict[str, Any] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_views_per_year: int | None = None
    population: int | None = None  # inhabitants of the collectivité the site serves
    category: str | None = None  # a size category id, as written (see scoring.size_categories)
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    cookies: dict[str, str] = field(default_factory=dict, repr=False)
    basic_auth: dict[str, str] | None = field(default=None, repr=False)
    consent: str | None = None
    journeys: list[Journey] = field(default_factory=list)  # read from their files at load
    login: Journey | None = None  # played once per run before an authenticated crawl
    logout_exclude: list[str] = field(default_factory=lambda: list(DEFAULT_LOGOUT_PATTERNS))
    devices: list[str] = field(default_factory=lambda: [DESKTOP])
    repeat: int = 1

    @property
    def robots_token(self) -> str:
        """The user-agent token robots.txt groups are matched against."""
        return ROBOTS_TOKEN

    @property
    def site_hosts(self) -> list[str]:
        """The site's own hosts: the allowed hosts, then the extra first-party hosts."""
        return [*self.allowed_hosts, *self.first_party_hosts]

    @property
    def size_category(self) -> str | None:
        """The site's size category id: `category` when written, else its population's."""
        return size_category_of(self.population, self.category)

    def in_scope(self, url: str) -> bool:
        """Whether a URL's host (and port) is one of the allowed hosts."""
        try:
            netloc = host_key(url)
        except UrlError:
            return False
        return host_matches(netloc, self.allowed_hosts)

    def is_first_party(self, url: str) -> bool:
        """Whether a URL belongs to the site: an allowed host or an extra first-party host."""
        try:
            netloc = host_key(url)
        except UrlError:
            return False
        return host_matches(netloc, self.site_hosts)

    def resolved_headers(self) -> dict[str, str]:
        """Extra request headers, ${ENV_VAR} references replaced; ConfigError if one is unset."""
        return {name: self._resolve(f"headers.{name}", text) for name, text in self.headers.items()}

    def resolved_cookies(self) -> dict[str, str]:
        """Cookies with ${ENV_VAR} references replaced; ConfigError if one is unset."""
        return {name: self._resolve(f"cookies.{name}", text) for name, text in self.cookies.items()}

    def resolved_basic_auth(self) -> tuple[str, str] | None:
        """(username, password) for HTTP basic auth, or None."""
        if self.basic_auth is None:
            return None
        return (
            self._resolve("basic_auth.username", self.basic_auth["username"]),
            self._resolve("basic_auth.password", self.basic_auth["password"]),
        )

    def check_secrets(self) -> None:
        """Raise ConfigError now (before any crawl) when a referenced variable is not set."""
        self.resolved_headers()
        self.resolved_cookies()
        self.resolved_basic_auth()
        for journey in ([self.login] if self.login is not None else []) + self.journeys:
            check_journey_secrets(journey)

    def redacted(self) -> dict[str, Any]:
        """Every key as plain data, secret values replaced by "***": safe to store and print.

        A journey is shown by its name and file, never by its steps' values.
        """
        snapshot = {f.name: None if f.name in ("journeys", "login")
                    else copy.deepcopy(getattr(self, f.name)) for f in fields(self)}
        snapshot["journeys"] = [_journey_summary(journey) for journey in self.journeys]
        snapshot["login"] = None if self.login is None else _journey_summary(self.login)
        snapshot["headers"] = {name: REDACTED for name in self.headers}
        snapshot["cookies"] = {name: REDACTED for name in self.cookies}
        if self.basic_auth is not None:
            snapshot["basic_auth"] = {"username": REDACTED, "password": REDACTED}
        return snapshot

    def _resolve(self, key: str, template: str) -> str:
        def replace(match: re.Match[str]) -> str:
            variable = match.group(1)
            if variable not in os.environ:
                raise ConfigError(
                    f'Site "{self.name}": {key} refers to the environment variable {variable}, '
                    "which is not set; export it before running ecoaudit."
                )
            return os.environ[variable]

        return ENV_REFERENCE.sub(replace, template)


def _journey_summary(journey: Journey) -> dict[str, str]:
    return {"name": journey.name, "source": journey.source}


@dataclass
class StorageSettings:
    """Backups and retention of the results database, from the [defaults] table.

    `backup`: `schedule` backs the database up after each night's runs; `backup_keep`: dated
    backups kept; `backup_dir`: their folder (relative to sites.toml; default `backups/` next
    to the database); `keep_captures` / `keep_runs`: retention durations ("90d", "5y") applied
    by `db prune` and after each night of `schedule` (None: keep everything).
    """

    backup: bool = False
    backup_keep: int = 7
    backup_dir: Path | None = None
    keep_captures: str | None = None
    keep_runs: str | None = None

    @property
    def retention(self) -> bool:
        return bool(self.keep_captures or self.keep_runs)


@dataclass
class Config:
    """A loaded sites.toml: the [defaults] table as written and the validated sites."""

    path: Path | None
    defaults: dict[str, Any]
    sites: list[SiteConfig]
    storage: StorageSettings = field(default_factory=StorageSettings)

    def site(self, name: str) -> SiteConfig:
        """The site called `name`; ConfigError listing the known names otherwise."""
        for site in self.sites:
            if site.name == name:
                return site
        known = ", ".join(site.name for site in self.sites) or "none"
        where = self.path.name if self.path else "the configuration"
        hint = did_you_mean(name, [site.name for site in self.sites])
        raise ConfigError(f'No site "{name}" in {where}{hint}; known sites: {known}.')
