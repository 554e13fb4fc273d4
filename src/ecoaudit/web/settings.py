"""What `ecoaudit serve` was started with: the database, the configuration, the broker, where
job outputs go, and the security options."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from ecoaudit.errors import EcoauditError
from ecoaudit.store import resolve_url

SECRET_ENV_VARIABLE = "ECOAUDIT_SECRET_KEY"
SECRET_FILE_NAME = "ecoaudit-web.secret"


@dataclass(frozen=True)
class WebSettings:
    """The settings of one web application.

    - `db_url`: the database (None: $ECOAUDIT_DB or ./ecoaudit.db);
    - `config_path`: sites.toml (None when not given: no crawl or contract to pick);
    - `broker`: the Celery broker (None: jobs run one at a time in the server's process);
    - `out_dir`: where jobs write their outputs (reports, acceptance bundles);
    - `secret_key`: signs the session cookies (None: $ECOAUDIT_SECRET_KEY, else a key kept in
      a file next to the SQLite database, or in the current folder);
    - `trust_header`: the request header a reverse proxy sets to the logged-in user's name
      (None: off, the default; see docs/web.md for its risks);
    - `allow_private_urls`: URLs typed into forms may name private or local addresses;
    - `https_only`: always mark the session cookie Secure (otherwise only over HTTPS);
    - `session_hours`: how long a session lasts without logging in again.
    """

    db_url: str | None = None
    config_path: Path | None = None
    broker: str | None = None
    out_dir: Path = Path("web-jobs")
    secret_key: str | None = None
    trust_header: str | None = None
    allow_private_urls: bool = False
    https_only: bool = False
    session_hours: float = 12.0


class SecretKeyError(EcoauditError):
    """The session secret can be neither read nor created."""


def session_secret(settings: WebSettings) -> str:
    """The key that signs the session cookies: given, from the environment, or kept in a file
    (created once, readable by its owner only) so that sessions survive a restart."""
    given = settings.secret_key or os.environ.get(SECRET_ENV_VARIABLE)
    if given:
        return given
    path = secret_file(settings.db_url)
    try:
        if path.exists():
            kept = path.read_text(encoding="utf-8").strip()
            if kept:
                return kept
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(key + "\n")
        return key
    except OSError as error:
        raise SecretKeyError(
            f"Cannot keep the session secret in {path} ({error.strerror}): set "
            f"{SECRET_ENV_VARIABLE} or make that folder writable."
        ) from None


def secret_file(db_url: str | None) -> Path:
    """Where the session secret is kept: next to a SQLite database, else the current folder."""
    url = make_url(resolve_url(db_url))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / SECRET_FILE_NAME
    return Path.cwd() / SECRET_FILE_NAME
