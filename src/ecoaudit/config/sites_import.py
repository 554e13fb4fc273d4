"""`ecoaudit sites import`: other collectivités' sites, read from a CSV file, added to sites.toml.

The CSV has a header row naming its columns: `name` and `url` (required), `title`, and
`population` or `category` (a size category, see `scoring.size_categories`). The delimiter (comma,
semicolon or tab) is sniffed, a byte-order mark is ignored, the file is read as UTF-8 or else as
Windows-1252 (Excel's French default), and column names are matched whatever their case, accents
and spacing, with a few French spellings (`titre`, `catégorie`, `habitants`...).

Every row is checked with the checks of sites.toml (name syntax, http(s) URL, host) plus one of
its own: a benchmark site must be public, so a URL on localhost or a private IP address is
refused. With one bad row, nothing is written. Otherwise sites.toml is edited with tomlkit,
which keeps the user's comments and layout: a new site is appended as a `[[sites]]` table with a
small profile (the home page and its neighbours: `max_pages`, `max_depth = 1`, sitemap on,
everything else from [defaults]); a site already in the group is updated (title, first start
URL, population, category: the keys whose column the file has); a site of another group (the
collectivité's own sites) is never touched. The new text is validated as sites.toml before it
is written, and the written file is loaded back.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomlkit
from tomlkit.items import AoT, Table
from tomlkit.toml_document import TOMLDocument

from ecoaudit.config.load import load_config, parse_config
from ecoaudit.config.schema import SCHEMA, Invalid
from ecoaudit.config.sites import Config
from ecoaudit.config.toml_file import read_toml
from ecoaudit.errors import ConfigError
from ecoaudit.net.urls import UrlError, check_scheme, host_key, is_private_address, normalise
from ecoaudit.scoring.size_categories import CATEGORY_IDS

DEFAULT_PAGES = 10  # pages measured per imported site, the home page included
IMPORTED_MAX_DEPTH = 1  # the home page, the pages it links to and the sitemap's

# Each column the import reads, and the header spellings it answers to (compared folded: lower
# case, no accents, letters and digits only).
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "identifiant", "id", "slug"),
    "title": ("title", "titre", "nom", "libelle", "collectivite"),
    "url": ("url", "adresse", "site", "site web", "adresse du site", "start url"),
    "population": ("population", "habitants", "nombre d'habitants", "nb habitants"),
    "category": ("category", "categorie", "strate", "taille", "size"),
}
REQUIRED_COLUMNS = ("name", "url")
UPDATED_KEYS = ("title", "start_urls", "population", "category")
SNIFFED_DELIMITERS = ";,\t"


@dataclass(frozen=True)
class ImportedSite:
    """One checked row of the CSV file: what its site's table will hold."""

    line: int
    name: str
    url: str
    title: str | None = None
    population: int | None = None
    category: str | None = None


@dataclass
class ImportOutcome:
    """What an import did, or would do (`dry_run`), to sites.toml.

    `added` and `unchanged` are site names, `updated` maps a name to the keys that changed,
    `skipped` and `rejected` hold one sentence per row. `written`: sites.toml was rewritten.
    """

    csv_path: Path
    config_path: Path
    group: str
    dry_run: bool = False
    added: list[str] = field(default_factory=list)
    updated: dict[str, list[str]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    written: bool = False
    sites_after: int = 0  # sites in sites.toml after the import (as it would be, in a dry run)

    @property
    def changes(self) -> bool:
        return bool(self.added or self.updated)


@dataclass(frozen=True)
class CsvTable:
    """A CSV file read: the columns it has (canonical names), the ones ignored, its rows."""

    columns: tuple[str, ...]
    ignored: tuple[str, ...]
    rows: list[tuple[int, dict[str, str]]]  # (line number, canonical column -> cell)
    rejected: list[str]  # rows whose shape is wrong (too many cells)


def import_sites(csv_path: Path, config_path: Path, *, group: str = "benchmark",
                 pages: int = DEFAULT_PAGES, dry_run: bool = False) -> ImportOutcome:
    """Add (or update) the sites of `csv_path` in `config_path` as members of `group`.

    ConfigError when a file cannot be read, the CSV lacks a required column, or sites.toml is
    invalid before or would be after; bad rows are returned in `rejected`, and then nothing is
    written.
    """
    csv_path, config_path = Path(csv_path), Path(config_path)
    outcome = ImportOutcome(csv_path, config_path, group, dry_run=dry_run)
    text = _config_text(config_path)
    config = parse_config(tomllib.loads(text), path=config_path, text=text)
    table = read_csv(csv_path)
    outcome.ignored_columns = list(table.ignored)
    sites, rejected = check_rows(table)
    outcome.rejected = [*table.rejected, *rejected]
    outcome.rejected.sort(key=_line_of)
    if outcome.rejected:
        return outcome
    document = tomlkit.parse(_ended(text))
    _merge(document, sites, config, outcome, columns=table.columns, pages=pages)
    new_text = tomlkit.dumps(document).rstrip("\n") + "\n"
    outcome.sites_after = len(_prove(new_text, config_path).sites)
    if outcome.changes and not dry_run:
        _write_atomically(config_path, new_text)
        outcome.sites_after = len(load_config(config_path).sites)
        outcome.written = True
    return outcome


# -- reading the CSV file -----------------------------------------------------------------------


def read_csv(path: Path) -> CsvTable:
    """The header and rows of a CSV file, its delimiter sniffed; ConfigError when it cannot be
    read or lacks the `name` or `url` column."""
    text = _decoded(path)
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise ConfigError(f"{path.name} is empty; write a header line such as "
                          "name;title;url;population, then one line per site.")
    for dialect in _dialects(text, lines[0]):
        reader = csv.reader(io.StringIO(text), dialect)
        header = next((row for row in reader if any(cell.strip() for cell in row)), [])
        columns = [_column(cell) for cell in header]
        if all(required in columns for required in REQUIRED_COLUMNS):
            return _table(path, reader, header, columns)
    found = ", ".join(repr(cell.strip()) for cell in next(csv.reader([lines[0]])))
    raise ConfigError(
        f"{path.name} line 1 must be a header naming the columns name and url (and title, "
        f"population or category), separated by ';' or ','; found {found}."
    )


def _decoded(path: Path) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark), else Windows-1252."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist; check the path of the CSV file.") from None
    except OSError as error:
        raise ConfigError(f"{path} cannot be read ({error.strerror}).") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _dialects(text: str, header_line: str) -> list[type[csv.Dialect]]:
    """The sniffed dialect first (when the Sniffer finds one), then each delimiter by how often
    the header line uses it."""
    candidates = [_dialect(delimiter) for delimiter
                  in sorted(SNIFFED_DELIMITERS, key=header_line.count, reverse=True)]
    try:
        return [csv.Sniffer().sniff(text[:65536], delimiters=SNIFFED_DELIMITERS), *candidates]
    except csv.Error:
        return candidates


def _dialect(delimiter: str) -> type[csv.Dialect]:
    """The Excel dialect with another delimiter."""
    return type(f"excel_{ord(delimiter)}", (csv.excel,), {"delimiter": delimiter})


def _column(header_cell: str) -> str | None:
    """The canonical column a header cell names, None for a column the import does not read."""
    folded = _folded(header_cell)
    for column, spellings in COLUMNS.items():
        if folded in {_folded(spelling) for spelling in spellings}:
            return column
    return None


def _table(path: Path, reader: Any, header: list[str], columns: list[str | None]) -> CsvTable:
    """The rows after the header, each cell under its canonical column; rows with more cells
    than the header are rejected, shorter ones padded with empty cells."""
    duplicated = sorted({c for c in columns if c is not None and columns.count(c) > 1})
    if duplicated:
        raise ConfigError(f"{path.name} line 1 names the column {duplicated[0]} twice; keep one.")
    rows, rejected = [], []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        line = reader.line_num
        extra = cells[len(header):]
        if any(cell.strip() for cell in extra):
            rejected.append(
                f"Line {line} has {len(cells)} cells where the header has {len(header)}; quote "
                f'the values that contain the delimiter (e.g. "104 387") or remove the extra '
                "cells."
            )
            continue
        values = {column: cell.strip() for column, cell in zip(columns, cells, strict=False)
                  if column is not None}
        rows.append((line, {column: values.get(column, "") for column in columns if column}))
    ignored = tuple(cell.strip() for cell, column in zip(header, columns, strict=True)
                    if column is None and cell.strip())
    known = tuple(column for column in columns if column is not None)
    return CsvTable(columns=known, ignored=ignored, rows=rows, rejected=rejected)


# -- checking the rows --------------------------------------------------------------------------


def check_rows(table: CsvTable) -> tuple[list[ImportedSite], list[str]]:
    """The rows as sites, checked like sites.toml; one sentence per bad row."""
    sites: list[ImportedSite] = []
    rejected: list[str] = []
    first_line: dict[str, int] = {}
    for line, values in table.rows:
        try:
            site = check_row(line, values)
        except _BadRow as bad:
            rejected.append(str(bad))
            continue
        if site.name in first_line:
            rejected.append(
                f"Line {line}: the name {site.name!r} is already used on line "
                f"{first_line[site.name]}; give each site its own name (or remove the duplicate)."
            )
            continue
        first_line[site.name] = line
        sites.append(site)
    return sites, rejected


class _BadRow(Exception):
    """A row that cannot be imported; the message is the sentence shown to the user."""


def check_row(line: int, values: dict[str, str]) -> ImportedSite:
    """One row as a site; _BadRow naming the line, the cell and the fix otherwise."""
    url = _checked_url(line, values.get("url", ""))
    return ImportedSite(
        line=line,
        name=_checked_name(line, values.get("name", ""), values.get("title", ""), url),
        url=url,
        title=_checked(line, "title", values.get("title") or None),
        population=_checked_population(line, values.get("population", "")),
        category=_checked_category(line, values.get("category", "")),
    )


def _checked(line: int, key: str, value: Any) -> Any:
    """`value` through the sites.toml check of `key`; _BadRow with what it expects."""
    try:
        return SCHEMA[key].check(value)
    except Invalid as expected:
        raise _BadRow(f"Line {line}: {key} must be {expected}, got {value!r}.") from None


def _checked_name(line: int, name: str, title: str, url: str) -> str:
    """The site's name, a sites.toml id; the error suggests one made from the cell, the title
    or the URL's host."""
    try:
        return str(SCHEMA["name"].check(name))
    except Invalid:
        suggestion = _slug(name) or _slug(title) or _slug(urlsplit(url).hostname or "")
        got = f"{name!r} is not a site name" if name else "the name is empty"
        raise _BadRow(
            f"Line {line}: {got}; write a short id of lower-case letters, digits, '-' or '_' "
            f"(at most 40 characters), e.g. {suggestion or 'ville-de-nancy'!r}."
        ) from None


def _checked_url(line: int, url: str) -> str:
    """The site's home page: an http(s) URL on a public host, normalised like start_urls."""
    if not url:
        raise _BadRow(f"Line {line}: the url is empty; give the site's home page, e.g. "
                      "https://www.nancy.fr/.")
    try:
        normal = normalise(check_scheme(url), ())  # as start_urls are checked
        SCHEMA["allowed_hosts"].check([host_key(normal)])
    except UrlError as error:
        raise _BadRow(f"Line {line}: {error}") from None
    except Invalid:
        raise _BadRow(f"Line {line}: {url!r} has no valid host name; give the site's home "
                      "page, e.g. https://www.nancy.fr/.") from None
    host = (urlsplit(normal).hostname or "").lower()
    if _private_host(host):
        raise _BadRow(
            f"Line {line}: {url} is on a local or private address ({host}); a benchmark site "
            "must be a public website: give its public address."
        )
    return str(normal)


def _private_host(host: str) -> bool:
    """Whether a host is localhost or a private IP address (written as such; names are checked
    again, resolved, when the crawl fetches them)."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return is_private_address(host.strip("[]"))
    except ValueError:
        return False


def _checked_population(line: int, cell: str) -> int | None:
    """A number of inhabitants, spaces and thousands separators allowed ("104 387")."""
    if not cell:
        return None
    digits = re.sub(r"[\s\u00a0\u202f'’]", "", cell)
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", digits):
        digits = re.sub(r"[.,]", "", digits)
    if not digits.isdigit() or int(digits) < 1:
        raise _BadRow(f"Line {line}: the population {cell!r} is not a number of inhabitants; "
                      "write a whole number such as 104387.")
    return int(digits)


def _checked_category(line: int, cell: str) -> str | None:
    """A size category id, from an id or a label."""
    if not cell:
        return None
    try:
        return str(SCHEMA["category"].check(cell))
    except Invalid:
        raise _BadRow(f"Line {line}: the category {cell!r} is not a size category; use one of "
                      f"{', '.join(CATEGORY_IDS)} (or leave it empty and give the population)."
                      ) from None


# -- editing sites.toml -------------------------------------------------------------------------


def _merge(document: TOMLDocument, sites: list[ImportedSite], config: Config,
           outcome: ImportOutcome, *, columns: tuple[str, ...], pages: int) -> None:
    """Add or update each site's table in the document, recording what happened."""
    existed = "sites" in document
    tables = _sites_array(document)
    by_name = {str(table.get("name")): table for table in tables}
    groups = {site.name: site.group for site in config.sites}
    for site in sites:
        table = by_name.get(site.name)
        if table is None:
            tables.append(new_site_table(site, group=outcome.group, pages=pages,
                                         separate=existed))
            outcome.added.append(site.name)
        elif groups.get(site.name) != outcome.group:
            outcome.skipped.append(
                f"Line {site.line}: {site.name!r} is a site of the group "
                f"{groups.get(site.name)!r} in {outcome.config_path.name}, left as it is; "
                "rename the row to import it as another site."
            )
        else:
            changed = update_site_table(table, site, columns)
            if changed:
                outcome.updated[site.name] = changed
            else:
                outcome.unchanged.append(site.name)


def _sites_array(document: TOMLDocument) -> AoT:
    """The document's [[sites]] array of tables, created when there is none."""
    if "sites" not in document:
        document.append("sites", tomlkit.aot())
    tables = document["sites"]
    if not isinstance(tables, AoT):
        raise ConfigError("sites.toml writes its sites as an inline array (sites = [...]); "
                          "write each one as a [[sites]] table to import sites into it.")
    return tables


def new_site_table(site: ImportedSite, *, group: str, pages: int, separate: bool) -> Table:
    """The [[sites]] table of an imported site: its identity, size and a small crawl profile.
    `separate`: end it with a blank line (tomlkit adds none between the tables appended to an
    array of the file; it does in an array it created)."""
    table = tomlkit.table()
    table.add("name", site.name)
    if site.title:
        table.add("title", site.title)
    table.add("group", group)
    table.add("start_urls", [site.url])
    if site.population is not None:
        table.add("population", site.population)
    if site.category is not None:
        table.add("category", site.category)
    table.add("max_pages", pages)
    table.add("max_depth", IMPORTED_MAX_DEPTH)
    table.add("sitemap", True)
    if separate:
        table.add(tomlkit.nl())
    return table


def update_site_table(table: Table, site: ImportedSite, columns: tuple[str, ...]) -> list[str]:
    """Bring an imported site's table in line with its row; the keys changed. The first start
    URL always follows the row; title, population and category only when the file has their
    column (an empty cell removes the key)."""
    changed = []
    start_urls = [str(url) for url in table.get("start_urls", [])]
    if not start_urls or _normalised(start_urls[0]) != site.url:
        table["start_urls"] = [site.url, *start_urls[1:]]
        changed.append("start_urls")
    for key in ("title", "population", "category"):
        if key in columns and _set_or_remove(table, key, getattr(site, key)):
            changed.append(key)
    return changed


def _set_or_remove(table: Table, key: str, value: str | int | None) -> bool:
    """Set `key` to `value` (remove it for None); whether that changed the table."""
    if table.get(key) == value:  # tomlkit's items are str and int subclasses
        return False
    if value is None:
        del table[key]
    else:
        table[key] = value
    return True


def _normalised(url: str) -> str:
    try:
        return str(SCHEMA["start_urls"].check([url])[0])
    except Invalid:
        return url


def _prove(text: str, config_path: Path) -> Config:
    """The new sites.toml, read and checked as `ecoaudit` will read it; ConfigError otherwise."""
    try:
        return parse_config(tomllib.loads(text), path=config_path, text=text)
    except (ConfigError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"The import would leave {config_path.name} invalid, so nothing was "
                          f"written: {error}") from None


def _write_atomically(path: Path, text: str) -> None:
    """Replace `path` by `text` in one step (a crash leaves the old file or the new one)."""
    folder = path.resolve().parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".import",
                                         dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise ConfigError(f"{path} cannot be written ({error.strerror}); nothing was "
                          "changed.") from None


def _config_text(path: Path) -> str:
    """The text of sites.toml; ConfigError when it is missing or not valid TOML."""
    _, text = read_toml(path, when_missing="create it first (see docs/configuration.md) or "
                        "pass --config", label=path.name)
    return text


def _ended(text: str) -> str:
    """The text ending with one blank line, so that tomlkit starts appended tables on a line
    of their own, after a blank line."""
    return text.rstrip("\n") + "\n\n" if text.strip() else text


def _line_of(sentence: str) -> int:
    match = re.match(r"Line (\d+)", sentence)
    return int(match.group(1)) if match else 0


def _folded(text: str) -> str:
    """Lower case, without accents, letters and digits only: "Catégorie " -> "categorie"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(char for char in plain.lower() if char.isalnum())


def _slug(text: str) -> str:
    """A site name made of a text: "Ville de Nancy" -> "ville-de-nancy" ('' when nothing is
    left)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return slug[:40].strip("-")
