"""Reading sites.toml: every key checked against the schema, every error naming the file,
the line when it can be found, the site and the key; unknown keys get a "did you mean".
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ecoaudit.config.journeys import load_journey
from ecoaudit.config.locate import Locator, did_you_mean, show
from ecoaudit.config.schema import (
    KEY_ALIASES,
    MERGED_TABLES,
    SCHEMA,
    SECRET_KEYS,
    STORAGE_SCHEMA,
    Invalid,
)
from ecoaudit.config.sites import Config, SiteConfig, StorageSettings
from ecoaudit.config.toml_file import read_toml
from ecoaudit.errors import ConfigError
from ecoaudit.measure.journey_steps import Journey
from ecoaudit.net.hosts import host_is_private
from ecoaudit.net.urls import (
    UrlError,
    check_scheme,
    host_key,
    normalise,
)
from ecoaudit.rules import load_catalogue, validate_overrides
from ecoaudit.scoring.budgets import parse_budget
from ecoaudit.scoring.targets import check_targets


def load_config(path: Path) -> Config:
    """Read and validate a sites.toml; ConfigError with file, line or key and what is expected."""
    path = Path(path)
    data, text = read_toml(path, when_missing="create it (see docs/configuration.md) or pass "
                           "--config", label=path.name)
    return parse_config(data, path=path, text=text)


def parse_config(
    data: Mapping[str, Any], path: Path | None = None, text: str | None = None
) -> Config:
    """Validate already-parsed TOML data (see load_config)."""
    locate = Locator(path, text)
    for key in data:
        if key not in ("defaults", "sites"):
            raise ConfigError(
                f"{locate.where_top_level(key)}: unknown top-level key {key!r}"
                f"{did_you_mean(key, ['defaults', 'sites'])}; expected [defaults] and [[sites]]."
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
    folder = path.parent if path is not None else None
    sites = []
    for index, raw_site in enumerate(raw_sites, start=1):
        sites.append(_build_site(raw_site, defaults, locate, index, folder))
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


def _storage_settings(raw_defaults: dict[str, Any], locate: Locator,
                      path: Path | None) -> StorageSettings:
    """The backup and retention keys of [defaults], checked."""
    values: dict[str, Any] = {}
    for key, spec in STORAGE_SCHEMA.items():
        if key not in raw_defaults:
            continue
        try:
            values[key] = spec.check(raw_defaults[key])
        except Invalid as expected:
            raise ConfigError(f"{locate.where(None, key)}: {key} must be {expected}, got "
                              f"{show(raw_defaults[key])}.") from None
    if "backup_dir" in values:
        folder = Path(values["backup_dir"]).expanduser()
        if not folder.is_absolute() and path is not None:
            folder = path.parent / folder
        values["backup_dir"] = folder.absolute()
    return StorageSettings(**values)


def _check_budgets(sites: list[SiteConfig], locate: Locator) -> None:
    """Every site's `budgets` and `targets` must use known keys with values of the right type."""
    for index, site in enumerate(sites, start=1):
        if site.budgets:
            parse_budget(site.budgets, source=locate.where(index, "budgets"))
        if site.targets:
            check_targets(site.targets, source=locate.where(index, "targets"))


def _check_rule_overrides(sites: list[SiteConfig], locate: Locator) -> None:
    """Every site's `rules` thresholds must name real rules, keys and types."""
    if not any(site.rules for site in sites):
        return
    catalogue = load_catalogue()
    for index, site in enumerate(sites, start=1):
        validate_overrides(site.rules, catalogue, source=locate.where(index, "rules"))


def adhoc_site(start_url: str, **overrides: Any) -> SiteConfig:
    """A site built from one URL (for `crawl --url` and `audit`), with default settings.

    Its allowed host is the start URL's host; private addresses are allowed when that host
    itself is local or private (a developer's or staging server). `overrides` are sites.toml
    keys; `journeys` and `login` may be given as loaded Journey objects (or as file paths,
    relative to the current folder).
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
    locate = Locator(None, None, label="ad-hoc site")
    return _build_site(raw, {}, locate, None)


def _build_site(
    raw_site: dict[str, Any], defaults: dict[str, Any], locate: Locator, index: int | None,
    folder: Path | None = None,
) -> SiteConfig:
    """One site from its table and the checked [defaults]; journey files are read relative to
    `folder` (sites.toml's; None: the current folder)."""
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
        if key in MERGED_TABLES and key in defaults:
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
    site = SiteConfig(**{**values, "journeys": [], "login": None})
    for url in site.start_urls:
        if not site.in_scope(url):
            raise ConfigError(
                f"{locate.where(index, 'allowed_hosts')}: the start URL {url} is outside "
                f"allowed_hosts {site.allowed_hosts}; add its host."
            )
    site.journeys = [_journey(item, site, folder, locate, index, "journeys")
                     for item in values["journeys"]]
    if values["login"] is not None:
        site.login = _journey(values["login"], site, folder, locate, index, "login")
    _check_journey_names(site.journeys, locate, index)
    return site


def _journey(item: str | Journey, site: SiteConfig, folder: Path | None, locate: Locator,
             index: int | None, key: str) -> Journey:
    """A journey file of the site read now, so a bad one stops the load; paths that start
    with "/" in it are resolved against the site's first start URL."""
    if isinstance(item, Journey):
        return item
    path = Path(item).expanduser()
    if not path.is_absolute() and folder is not None:
        path = folder / path
    try:
        return load_journey(path, base_url=site.start_urls[0], require_secrets=False)
    except ConfigError as error:
        raise ConfigError(f"{locate.where(index, key)}: {error}") from None


def _check_journey_names(journeys: list[Journey], locate: Locator, index: int | None) -> None:
    sources: dict[str, str] = {}
    for journey in journeys:
        if journey.name in sources:
            raise ConfigError(
                f"{locate.where(index, 'journeys')}: {sources[journey.name]} and "
                f"{journey.source} are both named {journey.name!r}; give each journey its own "
                "name."
            )
        sources[journey.name] = journey.source


def _check_table(
    table: dict[str, Any], locate: Locator, index: int | None, defaults_table: bool
) -> dict[str, Any]:
    allowed = [key for key, spec in SCHEMA.items() if spec.in_defaults or not defaults_table]
    spellings = allowed + [alias for alias, key in KEY_ALIASES.items() if key in allowed]
    checked: dict[str, Any] = {}
    for written, value in table.items():
        key = KEY_ALIASES.get(written, written)
        if key not in allowed:
            if key in SCHEMA:
                problem = f"{written!r} is specific to each site and cannot be set in [defaults]"
            elif key in STORAGE_SCHEMA:
                problem = (f"{written!r} applies to the whole database and belongs in [defaults], "
                           "not in a site")
            else:
                candidates = spellings + (list(STORAGE_SCHEMA) if defaults_table else [])
                problem = f"unknown key {written!r}{did_you_mean(written, candidates)}"
            raise ConfigError(f"{locate.where(index, written)}: {problem}.")
        place = locate.where(index, written)
        if key in checked:
            other = next(k for k in table if k != written and KEY_ALIASES.get(k, k) == key)
            raise ConfigError(f"{place}: {other!r} and {written!r} are the same key; keep one.")
        try:
            checked[key] = SCHEMA[key].check(value)
        except Invalid as expected:
            if expected.complete:
                raise ConfigError(f"{place}: {written}: {expected}.") from None
            # Secret values are never echoed back, even when they are wrong.
            got = "" if key in SECRET_KEYS else f", got {show(value)}"
            raise ConfigError(f"{place}: {written} must be {expected}{got}.") from None
    return checked


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(items))


def _slug(netloc: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", netloc.lower()).strip("-")
    return (slug or "site")[:40].strip("-")
