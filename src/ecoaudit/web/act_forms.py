"""What the launch forms read besides the request: the sites and contracts of the configuration,
the hosts allowed to be private, numbers typed into fields, and the contract written from the
clauses form.

Contracts offered: the `*.toml` files of the configuration folder (the folder of sites.toml)
that hold a `[contract]` table, and every `*.toml` file of its `contracts/` subfolder (those are
offered even when malformed, so that launching one says what is wrong with it). A contract
filled in on the form is written as TOML in the `contracts/` folder of the jobs' output folder,
under a name made of its digest (the same clauses, the same file).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import tomlkit
from starlette.datastructures import FormData

from ecoaudit.config import Config, load_config
from ecoaudit.config.sites import SiteConfig
from ecoaudit.errors import EcoauditError
from ecoaudit.web.settings import WebSettings

DEVICES = ("desktop", "mobile")
CONTRACTS_FOLDER = "contracts"
GRADES = ("A", "B", "C", "D", "E", "F", "G")


class FormError(Exception):
    """A field that cannot be used: a message key of messages-act and its values."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def number(form: FormData, name: str, default: float, low: float, high: float) -> float:
    """A number field within [low, high]; the default when left empty."""
    text = str(form.get(name, "") or "").strip().replace(",", ".")
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise FormError("act_error_number", field=name, low=low, high=high) from None
    if not low <= value <= high:
        raise FormError("act_error_number", field=name, low=low, high=high)
    return value


def configuration(settings: WebSettings) -> Config | None:
    """The loaded sites.toml, None when the server has none; FormError when it is wrong."""
    if settings.config_path is None or not Path(settings.config_path).is_file():
        return None
    try:
        return load_config(Path(settings.config_path))
    except EcoauditError as error:
        raise FormError("act_error_config", reason=str(error)) from None


def sites_of(settings: WebSettings) -> list[SiteConfig]:
    """The sites an operator may crawl; FormError when there is no configuration."""
    config = configuration(settings)
    if config is None:
        raise FormError("act_error_no_config")
    return list(config.sites)


def private_hosts(settings: WebSettings) -> set[str]:
    """Hosts (host or host:port, as sites.toml's site_hosts) of the sites that may be
    private (allow_private_addresses)."""
    try:
        config = configuration(settings)
    except FormError:
        return set()
    hosts: set[str] = set()
    for site in config.sites if config else []:
        if site.allow_private_addresses:
            hosts.update(host.lower() for host in site.site_hosts)
    return hosts


def contract_folders(settings: WebSettings) -> list[Path]:
    """The configuration folder and its contracts/ subfolder (none without a configuration)."""
    if settings.config_path is None:
        return []
    folder = Path(settings.config_path).resolve().parent
    return [folder, folder / CONTRACTS_FOLDER]


def list_contracts(settings: WebSettings) -> list[dict[str, Any]]:
    """The contracts an operator may pick: {"path", "name"} sorted by name."""
    found = []
    config = Path(settings.config_path).resolve() if settings.config_path else None
    for index, folder in enumerate(contract_folders(settings)):
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            if path == config or (index == 0 and not _has_contract_table(path)):
                continue
            found.append({"path": path, "name": path.relative_to(folder.parent if index
                                                                   else folder).as_posix()})
    return found


def _has_contract_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return any(line.strip().startswith("[contract]") for line in text.splitlines())


def contract_from_form(settings: WebSettings, form: FormData, urls: list[str]) -> Path:
    """Write the clauses filled in on the form as a contract file; its path."""
    document = tomlkit.document()
    document.add(tomlkit.comment("Contrat écrit depuis l'interface web d'ecoaudit."))
    title = str(form.get("title", "")).strip()
    if not title:
        raise FormError("act_error_title")
    contract = {"title": title}
    for key in ("reference", "buyer", "supplier"):
        value = str(form.get(key, "")).strip()
        if value:
            contract[key] = value
    document["contract"] = contract
    document["scope"] = {"urls": urls}
    document["measurement"] = {
        "runs": int(number(form, "runs", 3, 1, 20)),
        "wait_before": number(form, "wait_before", 3.0, 0, 120),
        "wait_after": number(form, "wait_after", 3.0, 0, 120),
        "timeout": number(form, "timeout", 60.0, 1, 3600)}
    page = _budget(form, "page_", ("max_size_kb", "max_requests"))
    median = _budget(form, "median_", ("max_size_kb", "max_requests"))
    if page:
        document["page_budget"] = page
    if median:
        document["median_budget"] = median
    criteria = [item.strip() for item in str(form.get("rgesn", "")).replace(";", ",").split(",")
                if item.strip()]
    if criteria:
        document["rgesn"] = {"criteria": criteria}
    text = tomlkit.dumps(document)
    folder = Path(settings.out_dir).resolve() / CONTRACTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"contrat-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _budget(form: FormData, prefix: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """A budget table from the form's fields `prefix + key` and `prefix + "min_grade"`."""
    budget: dict[str, Any] = {}
    for key in keys:
        if str(form.get(prefix + key, "")).strip():
            budget[key] = int(number(form, prefix + key, 0, 1, 10_000_000))
    grade = str(form.get(prefix + "min_grade", "")).strip().upper()
    if grade:
        if grade not in GRADES:
            raise FormError("act_error_grade", grade=grade)
        budget["min_grade"] = grade
    return budget
