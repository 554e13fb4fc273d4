"""sites.toml: the collectivité's sites, validated on load into SiteConfig records.

Every key is checked against the schema below; unknown keys are errors (with a "did you mean"),
and every error names the file, the line when it can be found, the site and the key. Secrets
(headers, cookies, basic auth) are written as `${ENV_VAR}` references and resolved only when a
request is made: they never appear in repr(), in logs, or in `SiteConfig.redacted()`.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from croniter import croniter

from ecoaudit.errors import ConfigError
from ecoaudit.net.access import DEFAULT_USER_AGENT, ROBOTS_TOKEN
from ecoaudit.net.hosts import host_is_private, host_matches
from ecoaudit.net.urls import (
    DEFAULT_IGNORED_PARAMETERS,
    UrlError,
    check_scheme,
    host_key,
    normalise,
)
from ecoaudit.rules import load_catalogue, validate_overrides
from ecoaudit.scoring.budgets import parse_budget
from ecoaudit.scoring.targets import check_targets

GROUPS = ("own", "benchmark", "partner")
REDACTED = "***"

_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_HOST = re.compile(r"^(\*\.)?[a-z0-9._-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$")
_CREDENTIAL_HEADER = re.compile(r"auth|token|secret|key|password|cookie", re.IGNORECASE)


class _Invalid(Exception):
    """A value does not fit its key; the message says what was expected."""


# ---------------------------------------------------------------------------------------------
# Value checkers: each returns the (normalised) value or raises _Invalid("what is expected").


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid("true or false")
    return value


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _Invalid("a positive integer")
    return value


def _non_negative_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Invalid("an integer, 0 or more")
    return value


def _non_negative_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _Invalid("a number of seconds, 0 or more")
    return float(value)


def _positive_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise _Invalid("a number of seconds greater than 0")
    return float(value)


def _url_length(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 20:
        raise _Invalid("an integer of at least 20 (characters)")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("a non-empty string")
    return value.strip()


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _name(value: Any) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise _Invalid(
            "a short id of lower-case letters, digits, '-' or '_' (at most 40 characters)"
        )
    return value


def _group(value: Any) -> str:
    if value not in GROUPS:
        raise _Invalid('"own", "benchmark" or "partner"')
    return value


def _string_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise _Invalid("a list of non-empty strings")
    return list(value)


def _start_urls(value: Any) -> list[str]:
    if isinstance(value, str):
        raise _Invalid(f'a list of http(s) URLs, e.g. ["{value}"]')
    urls = _string_list(value)
    if not urls:
        raise _Invalid("a non-empty list of http(s) URLs")
    try:
        return [normalise(check_scheme(url), ()) for url in urls]
    except UrlError as error:
        raise _Invalid(f"a list of http(s) URLs ({error})") from None


def _hosts(value: Any) -> list[str]:
    hosts = [host.lower().strip() for host in _string_list(value)]
    for host in hosts:
        if not _HOST.match(host):
            raise _Invalid(
                'a list of host names, optionally with a port or a "*." prefix '
                '(e.g. "www.metz.fr", "127.0.0.1:8080", "*.metz.fr")'
            )
    return hosts


def _patterns(value: Any) -> list[str]:
    patterns = _string_list(value)
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise _Invalid(f"a list of regular expressions ({pattern!r}: {error})") from None
    return patterns


def _cron(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not croniter.is_valid(value):
        raise _Invalid('a cron expression of 5 fields, e.g. "0 3 * * *" (every day at 03:00)')
    return value


def _table(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Invalid("a table")
    return copy.deepcopy(value)


def _table_of_tables(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict) or not all(isinstance(item, dict) for item in value.values()):
        raise _Invalid("a table of tables, e.g. [sites.rules.images-weight] max_kb = 300")
    return copy.deepcopy(value)


def _optional_positive_int(value: Any) -> int | None:
    return None if value is None else _positive_int(value)


def _env_template(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid("a string")
    leftover = _ENV_REFERENCE.sub("", value)
    if "${" in leftover:
        raise _Invalid("a string whose ${...} references are environment variable names")
    return value


def _headers(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _Invalid('a table of header names and values, e.g. { "X-Staging" = "1" }')
    headers = {}
    for name, header_value in value.items():
        template = _env_template(header_value)
        if _CREDENTIAL_HEADER.search(name) and not _ENV_REFERENCE.search(template):
            raise _Invalid(
                f'a table of headers where credentials such as "{name}" are written as '
                "${ENV_VAR} references, never in the file"
            )
        headers[name] = template
    return headers


def _cookies(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _Invalid('a table of cookie names and values, e.g. { consent = "${CONSENT}" }')
    return {name: _env_template(cookie_value) for name, cookie_value in value.items()}


def _basic_auth(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    expected = 'a table { username = "...", password = "${ENV_VAR}" }'
    if not isinstance(value, dict) or set(value) != {"username", "password"}:
        raise _Invalid(expected)
    username = _env_template(value["username"])
    password = _env_template(value["password"])
    if not _ENV_REFERENCE.fullmatch(password):
        raise _Invalid(expected + " (the password only as an environment variable reference)")
    return {"username": username, "password": password}


def _duration(value: Any) -> str:
    # Imported here: the store package brings SQLAlchemy, which reading sites.toml does not need.
    from ecoaudit.store.durations import EXAMPLES, parse_duration
    from ecoaudit.store.errors import InvalidDuration

    try:
        parse_duration(value, "")
    except InvalidDuration:
        raise _Invalid(f"a duration such as {EXAMPLES}") from None
    return value.strip()


def _folder(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("a folder path")
    return value.strip()


@dataclass(frozen=True)
class _Key:
    check: Callable[[Any], Any]
    default: Any
    in_defaults: bool = True  # may appear in [defaults]


SCHEMA: dict[str, _Key] = {
    "name": _Key(_name, None, in_defaults=False),
    "title": _Key(_optional_text, None, in_defaults=False),
    "group": _Key(_group, "own"),
    "start_urls": _Key(_start_urls, None, in_defaults=False),
    "allowed_hosts": _Key(_hosts, None, in_defaults=False),
    "first_party_hosts": _Key(_hosts, []),
    "include": _Key(_patterns, []),
    "exclude": _Key(_patterns, []),
    "max_pages": _Key(_positive_int, 50),
    "max_depth": _Key(_non_negative_int, 3),
    "sitemap": _Key(_boolean, True),
    "respect_robots": _Key(_boolean, True),
    "max_concurrency_per_host": _Key(_positive_int, 2),
    "min_delay": _Key(_non_negative_number, 1.0),
    "page_timeout": _Key(_positive_number, 60.0),
    "ignored_query_parameters": _Key(_string_list, list(DEFAULT_IGNORED_PARAMETERS)),
    "max_url_length": _Key(_url_length, 2000),
    "max_query_variants": _Key(_positive_int, 10),
    "documents": _Key(_boolean, True),
    "max_documents": _Key(_non_negative_int, 200),
    "allow_private_addresses": _Key(_boolean, False),
    "user_agent": _Key(_text, DEFAULT_USER_AGENT),
    "schedule": _Key(_cron, None),
    "budgets": _Key(_table, {}),
    "targets": _Key(_table, {}),
    "rules": _Key(_table_of_tables, {}),
    "page_views_per_year": _Key(_optional_positive_int, None),
    "headers": _Key(_headers, {}),
    "cookies": _Key(_cookies, {}),
    "basic_auth": _Key(_basic_auth, None),
    "consent": _Key(_optional_text, None),
}
# Settings of the whole database, not of a site: only in [defaults].
STORAGE_SCHEMA: dict[str, _Key] = {
    "backup": _Key(_boolean, False),
    "backup_keep": _Key(_positive_int, 7),
    "backup_dir": _Key(_folder, None),
    "keep_captures": _Key(_duration, None),
    "keep_runs": _Key(_duration, None),
}
_MERGED_TABLES = ("budgets", "targets", "headers", "cookies")
SECRET_KEYS = ("headers", "cookies", "basic_auth")


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
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    cookies: dict[str, str] = field(default_factory=dict, repr=False)
    basic_auth: dict[str, str] | None = field(default=None, repr=False)
    consent: str | None = None

    @property
    def robots_token(self) -> str:
        """The user-agent token robots.txt groups are matched against."""
        return ROBOTS_TOKEN

    @property
    def site_hosts(self) -> list[str]:
        """The site's own hosts: the allowed hosts, then the extra first-party hosts."""
        return [*self.allowed_hosts, *self.first_party_hosts]

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

    def redacted(self) -> dict[str, Any]:
        """Every key as plain data, secret values replaced by "***": safe to store and print."""
        snapshot = {f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self)}
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

        return _ENV_REFERENCE.sub(replace, template)


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
        hint = _did_you_mean(name, [site.name for site in self.sites])
        raise ConfigError(f'No site "{name}" in {where}{hint}; known sites: {known}.')


def load_config(path: Path) -> Config:
    """Read and validate a sites.toml; ConfigError with file, line or key and what is expected."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path} does not exist; create it (see docs/configuration.md) or pass --config."
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} cannot be read ({error}).") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path.name}: invalid TOML: {error}.") from None
    return parse_config(data, path=path, text=text)


def parse_config(
    data: Mapping[str, Any], path: Path | None = None, text: str | None = None
) -> Config:
    """Validate already-parsed TOML data (see load_config)."""
    locate = _Locator(path, text)
    for key in data:
        if key not in ("defaults", "sites"):
            raise ConfigError(
                f"{locate.where_top_level(key)}: unknown top-level key {key!r}"
                f"{_did_you_mean(key, ['defaults', 'sites'])}; expected [defaults] and [[sites]]."
            )
    raw_defaults = data.get("defaults", {})
    if not isinstance(raw_defaults, dict):
        raise ConfigError(f"{locate.where(None, 'defaults')}: defaults must be a table.")
    storage = _storage_settings(raw_defaults, locate, path)
    site_defaults = {key: value for key, value in raw_defaults.items() if key not in STORAGE_SCHEMA}
    defaults = _check_table(site_defaults, locate, None, defaults_table=True)
    raw_sites = data.get("sites", [])
    if not isinstance(raw_sites, list) or not all(isinstance(s, dict) for s in raw_sites):
        raise ConfigError(f"{locate.where(None, 'sites')}: sites must be written as [[sites]].")
    sites = []
    for index, raw_site in enumerate(raw_sites, start=1):
        sites.append(_build_site(raw_site, defaults, locate, index))
    seen: set[str] = set()
    for index, site in enumerate(sites, start=1):
        if site.name in seen:
            raise ConfigError(
                f"{locate.where(index, 'name')}: the name {site.name!r} is used by two sites; "
                "give each site its own name."
            )
        seen.add(site.name)
    _check_rule_overrides(sites, locate)
    _check_budgets(sites, locate)
    return Config(path=path, defaults=defaults, sites=sites, storage=storage)


def _storage_settings(raw_defaults: dict[str, Any], locate: _Locator,
                      path: Path | None) -> StorageSettings:
    """The backup and retention keys of [defaults], checked."""
    values: dict[str, Any] = {}
    for key, spec in STORAGE_SCHEMA.items():
        if key not in raw_defaults:
            continue
        try:
            values[key] = spec.check(raw_defaults[key])
        except _Invalid as expected:
            raise ConfigError(f"{locate.where(None, key)}: {key} must be {expected}, got "
                              f"{_show(raw_defaults[key])}.") from None
    if "backup_dir" in values:
        folder = Path(values["backup_dir"]).expanduser()
        if not folder.is_absolute() and path is not None:
            folder = path.parent / folder
        values["backup_dir"] = folder.absolute()
    return StorageSettings(**values)


def _check_budgets(sites: list[SiteConfig], locate: _Locator) -> None:
    """Every site's `budgets` and `targets` must use known keys with values of the right type."""
    for index, site in enumerate(sites, start=1):
        if site.budgets:
            parse_budget(site.budgets, source=locate.where(index, "budgets"))
        if site.targets:
            check_targets(site.targets, source=locate.where(index, "targets"))


def _check_rule_overrides(sites: list[SiteConfig], locate: _Locator) -> None:
    """Every site's `rules` thresholds must name real rules, keys and types."""
    if not any(site.rules for site in sites):
        return
    catalogue = load_catalogue()
    for index, site in enumerate(sites, start=1):
        validate_overrides(site.rules, catalogue, source=locate.where(index, "rules"))


def adhoc_site(start_url: str, **overrides: Any) -> SiteConfig:
    """A site built from one URL (for `crawl --url` and `audit`), with default settings.

    Its allowed host is the start URL's host; private addresses are allowed when that host
    itself is local or private (a developer's or staging server).
    """
    try:
        start = normalise(check_scheme(start_url), ())
    except UrlError as error:
        raise ConfigError(str(error)) from None
    raw: dict[str, Any] = {
        "name": _slug(urlsplit(start).netloc),
        "start_urls": [start],
        "allow_private_addresses": host_is_private(urlsplit(start).hostname or ""),
    }
    raw.update(overrides)
    locate = _Locator(None, None, label="ad-hoc site")
    return _build_site(raw, {}, locate, None)


# ---------------------------------------------------------------------------------------------


def _build_site(
    raw_site: dict[str, Any], defaults: dict[str, Any], locate: _Locator, index: int | None
) -> SiteConfig:
    label_name = raw_site.get("name") if isinstance(raw_site.get("name"), str) else None
    locate.current_name = label_name
    for required in ("name", "start_urls"):
        if required not in raw_site:
            raise ConfigError(
                f"{locate.where(index, None)}: the key {required!r} is missing; every site needs "
                "a name and start_urls."
            )
    checked = _check_table(raw_site, locate, index, defaults_table=False)
    values: dict[str, Any] = {key: copy.deepcopy(spec.default) for key, spec in SCHEMA.items()}
    values.update(copy.deepcopy(defaults))
    for key, value in checked.items():
        if key in _MERGED_TABLES and key in defaults:
            values[key] = {**defaults[key], **value}
        elif key == "rules" and key in defaults:
            merged = copy.deepcopy(defaults["rules"])
            for rule_id, overrides in value.items():
                merged[rule_id] = {**merged.get(rule_id, {}), **overrides}
            values[key] = merged
        else:
            values[key] = value
    if values["allowed_hosts"] is None:
        values["allowed_hosts"] = _unique(host_key(url) for url in values["start_urls"])
    if values["title"] is None:
        values["title"] = values["name"]
    site = SiteConfig(**values)
    for url in site.start_urls:
        if not site.in_scope(url):
            raise ConfigError(
                f"{locate.where(index, 'allowed_hosts')}: the start URL {url} is outside "
                f"allowed_hosts {site.allowed_hosts}; add its host."
            )
    return site


def _check_table(
    table: dict[str, Any], locate: _Locator, index: int | None, defaults_table: bool
) -> dict[str, Any]:
    allowed = [key for key, spec in SCHEMA.items() if spec.in_defaults or not defaults_table]
    checked = {}
    for key, value in table.items():
        if key not in allowed:
            if key in SCHEMA:
                problem = f"{key!r} is specific to each site and cannot be set in [defaults]"
            elif key in STORAGE_SCHEMA:
                problem = (f"{key!r} applies to the whole database and belongs in [defaults], "
                           "not in a site")
            else:
                candidates = allowed + (list(STORAGE_SCHEMA) if defaults_table else [])
                problem = f"unknown key {key!r}{_did_you_mean(key, candidates)}"
            raise ConfigError(f"{locate.where(index, key)}: {problem}.")
        try:
            checked[key] = SCHEMA[key].check(value)
        except _Invalid as expected:
            # Secret values are never echoed back, even when they are wrong.
            got = "" if key in SECRET_KEYS else f", got {_show(value)}"
            place = locate.where(index, key)
            raise ConfigError(f"{place}: {key} must be {expected}{got}.") from None
    return checked


class _Locator:
    """Builds the "where" of an error: file, line (when found), [[sites]] #n "name"."""

    def __init__(self, path: Path | None, text: str | None, label: str | None = None) -> None:
        self.file = path.name if path is not None else (label or "configuration")
        self.lines = text.splitlines() if text is not None else []
        self.current_name: str | None = None

    def where(self, index: int | None, key: str | None) -> str:
        line = self._line(index, key)
        place = f"{self.file} line {line}" if line else self.file
        if index is None and key is not None and self.lines and self._in_defaults(key):
            return f"{place}: [defaults]"
        if index is None:
            return place
        named = f' "{self.current_name}"' if self.current_name else ""
        return f"{place}: [[sites]] #{index}{named}"

    def where_top_level(self, key: str) -> str:
        name = re.escape(key)
        pattern = re.compile(rf'^\s*(\[\[?\s*["\']?{name}["\']?\s*[\].]|["\']?{name}["\']?\s*=)')
        line = next(
            (number + 1 for number, text in enumerate(self.lines) if pattern.match(text)), None
        )
        return f"{self.file} line {line}" if line else self.file

    def _in_defaults(self, key: str) -> bool:
        start, end = self._block(r"\[\s*defaults\s*\]", 1)
        return start is not None and self._find_key(start, end, key) is not None

    def _line(self, index: int | None, key: str | None) -> int | None:
        if not self.lines:
            return None
        if index is None:
            start, end = self._block(r"\[\s*defaults\s*\]", 1)
            if start is None or key is None:
                start, end = 0, len(self.lines)
        else:
            start, end = self._block(r"\[\[\s*sites\s*\]\]", index)
        if start is None:
            return None
        if key is None:
            return start + 1
        found = self._find_key(start, end, key)
        return found + 1 if found is not None else start + 1

    def _block(self, header: str, occurrence: int) -> tuple[int | None, int]:
        pattern = re.compile(rf"^\s*{header}\s*(#.*)?$")
        seen = 0
        for number, line in enumerate(self.lines):
            if pattern.match(line):
                seen += 1
                if seen == occurrence:
                    end = next(
                        (
                            later
                            for later in range(number + 1, len(self.lines))
                            if re.match(r"^\s*\[\[\s*sites\s*\]\]|^\s*\[\s*defaults\s*\]",
                                        self.lines[later])
                        ),
                        len(self.lines),
                    )
                    return number, end
        return None, len(self.lines)

    def _find_key(self, start: int, end: int, key: str) -> int | None:
        name = re.escape(key)
        pattern = re.compile(rf'^\s*(["\']?){name}\1\s*=|^\s*\[[^\]]*\.{name}\]')
        for number in range(start, end):
            if pattern.match(self.lines[number]):
                return number
        return None


def _did_you_mean(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _show(value: Any) -> str:
    text = f'"{value}"' if isinstance(value, str) else repr(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    return text if len(text) <= 60 else text[:59] + "…"


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(items))


def _slug(netloc: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", netloc.lower()).strip("-")
    return (slug or "site")[:40].strip("-")
