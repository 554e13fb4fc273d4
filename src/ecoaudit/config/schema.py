"""Every key of sites.toml: how its value is checked, and its default.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from croniter import croniter

from ecoaudit.measure.devices import DESKTOP, UnknownDevice, check_device_name
from ecoaudit.measure.journey_steps import Journey
from ecoaudit.net.access import DEFAULT_USER_AGENT
from ecoaudit.net.urls import (
    DEFAULT_IGNORED_PARAMETERS,
    UrlError,
    check_scheme,
    normalise,
)
from ecoaudit.scoring.size_categories import CATEGORY_IDS, UnknownSizeCategory, parse_category

GROUPS = ("own", "benchmark", "partner")


ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


_HOST = re.compile(r"^(\*\.)?[a-z0-9._-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$")


_CREDENTIAL_HEADER = re.compile(r"auth|token|secret|key|password|cookie", re.IGNORECASE)


# URLs a crawl never follows, even when logged in: following them would end the session.
DEFAULT_LOGOUT_PATTERNS = [
    r"(?i)log[-_]?out",
    r"(?i)log[-_]?off",
    r"(?i)sign[-_]?out",
    r"(?i)d(e|é|%c3%a9)connexion",
    r"(?i)se[-_]d(e|é|%c3%a9)connecter",
    r"(?i)disconnect",
]


MAX_REPEAT = 20


class Invalid(Exception):
    """A value does not fit its key; the message says what was expected.

    `complete`: the message is a whole statement ("unknown device ..."), shown after the key
    rather than after "must be".
    """

    def __init__(self, expected: str, *, complete: bool = False) -> None:
        super().__init__(expected)
        self.complete = complete


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid("true or false")
    return value


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Invalid("a positive integer")
    return value


def _non_negative_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid("an integer, 0 or more")
    return value


def _non_negative_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise Invalid("a number of seconds, 0 or more")
    return float(value)


def _positive_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise Invalid("a number of seconds greater than 0")
    return float(value)


def _url_length(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 20:
        raise Invalid("an integer of at least 20 (characters)")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("a non-empty string")
    return value.strip()


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _name(value: Any) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise Invalid(
            "a short id of lower-case letters, digits, '-' or '_' (at most 40 characters)"
        )
    return value


def _group(value: Any) -> str:
    if value not in GROUPS:
        raise Invalid('"own", "benchmark" or "partner"')
    return value


def _string_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise Invalid("a list of non-empty strings")
    return list(value)


def _start_urls(value: Any) -> list[str]:
    if isinstance(value, str):
        raise Invalid(f'a list of http(s) URLs, e.g. ["{value}"]')
    urls = _string_list(value)
    if not urls:
        raise Invalid("a non-empty list of http(s) URLs")
    try:
        return [normalise(check_scheme(url), ()) for url in urls]
    except UrlError as error:
        raise Invalid(f"a list of http(s) URLs ({error})") from None


def _hosts(value: Any) -> list[str]:
    hosts = [host.lower().strip() for host in _string_list(value)]
    for host in hosts:
        if not _HOST.match(host):
            raise Invalid(
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
            raise Invalid(f"a list of regular expressions ({pattern!r}: {error})") from None
    return patterns


def _devices(value: Any) -> list[str]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(
            isinstance(name, str) and name.strip() for name in names):
        raise Invalid('a device name or a list of them, e.g. "mobile" or ["desktop", "mobile"]')
    for name in names:
        try:
            check_device_name(name.strip())
        except UnknownDevice as error:
            raise Invalid(str(error), complete=True) from None
    return list(dict.fromkeys(name.strip() for name in names))


def _repeat(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REPEAT:
        raise Invalid(
            f"an integer from 1 to {MAX_REPEAT} (how many times each page is measured; more "
            "runs would only multiply the load on the site)"
        )
    return value


def _journey_files(value: Any) -> list[str | Journey]:
    # Journey objects come from adhoc_site; sites.toml gives file paths, read by load.py.
    if not isinstance(value, list) or not all(
            isinstance(item, Journey) or (isinstance(item, str) and item.strip())
            for item in value):
        raise Invalid('a list of journey files, e.g. ["journeys/etat-civil.toml"]')
    return [item if isinstance(item, Journey) else item.strip() for item in value]


def _journey_file(value: Any) -> str | Journey | None:
    if value is None or isinstance(value, Journey):
        return value
    if not isinstance(value, str) or not value.strip():
        raise Invalid('a journey file, e.g. "journeys/connexion.toml"')
    return value.strip()


def _cron(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not croniter.is_valid(value):
        raise Invalid('a cron expression of 5 fields, e.g. "0 3 * * *" (every day at 03:00)')
    return value


def _table(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid("a table")
    return copy.deepcopy(value)


def _table_of_tables(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict) or not all(isinstance(item, dict) for item in value.values()):
        raise Invalid("a table of tables, e.g. [sites.rules.images-weight] max_kb = 300")
    return copy.deepcopy(value)


def _optional_positive_int(value: Any) -> int | None:
    return None if value is None else _positive_int(value)


def _population(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Invalid("a number of inhabitants, a positive integer such as 120000")
    return value


def _size_category(value: Any) -> str | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise UnknownSizeCategory(value)
        return parse_category(value)
    except UnknownSizeCategory:
        choices = ", ".join(f'"{category_id}"' for category_id in CATEGORY_IDS)
        raise Invalid(f"one of the size categories {choices}") from None


def _env_template(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("a string")
    leftover = ENV_REFERENCE.sub("", value)
    if "${" in leftover:
        raise Invalid("a string whose ${...} references are environment variable names")
    return value


def _headers(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise Invalid('a table of header names and values, e.g. { "X-Staging" = "1" }')
    headers = {}
    for name, header_value in value.items():
        template = _env_template(header_value)
        if _CREDENTIAL_HEADER.search(name) and not ENV_REFERENCE.search(template):
            raise Invalid(
                f'a table of headers where credentials such as "{name}" are written as '
                "${ENV_VAR} references, never in the file"
            )
        headers[name] = template
    return headers


def _cookies(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise Invalid('a table of cookie names and values, e.g. { consent = "${CONSENT}" }')
    return {name: _env_template(cookie_value) for name, cookie_value in value.items()}


def _basic_auth(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    expected = 'a table { username = "...", password = "${ENV_VAR}" }'
    if not isinstance(value, dict) or set(value) != {"username", "password"}:
        raise Invalid(expected)
    username = _env_template(value["username"])
    password = _env_template(value["password"])
    if not ENV_REFERENCE.fullmatch(password):
        raise Invalid(expected + " (the password only as an environment variable reference)")
    return {"username": username, "password": password}


def _duration(value: Any) -> str:
    # Imported here: the store package brings SQLAlchemy, which reading sites.toml does not need.
    from ecoaudit.store.durations import EXAMPLES, parse_duration
    from ecoaudit.store.errors import InvalidDuration

    try:
        parse_duration(value, "")
    except InvalidDuration:
        raise Invalid(f"a duration such as {EXAMPLES}") from None
    return value.strip()


def _folder(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid("a folder path")
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
    "population": _Key(_population, None, in_defaults=False),
    "category": _Key(_size_category, None, in_defaults=False),
    "headers": _Key(_headers, {}),
    "cookies": _Key(_cookies, {}),
    "basic_auth": _Key(_basic_auth, None),
    "consent": _Key(_optional_text, None),
    "journeys": _Key(_journey_files, [], in_defaults=False),
    "login": _Key(_journey_file, None, in_defaults=False),
    "logout_exclude": _Key(_patterns, list(DEFAULT_LOGOUT_PATTERNS)),
    "devices": _Key(_devices, [DESKTOP]),
    "repeat": _Key(_repeat, 1),
}


# Other spellings of a key, accepted in sites.toml: `device = "mobile"` reads better for one.
KEY_ALIASES = {"device": "devices"}


# Settings of the whole database, not of a site: only in [defaults].
STORAGE_SCHEMA: dict[str, _Key] = {
    "backup": _Key(_boolean, False),
    "backup_keep": _Key(_positive_int, 7),
    "backup_dir": _Key(_folder, None),
    "keep_captures": _Key(_duration, None),
    "keep_runs": _Key(_duration, None),
}


MERGED_TABLES = ("budgets", "targets", "headers", "cookies")


SECRET_KEYS = ("headers", "cookies", "basic_auth")
