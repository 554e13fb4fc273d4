"""Local accounts, the audit log and failed logins, in the results database.

Passwords are hashed with Argon2 (argon2-cffi's defaults, RFC 9106's second choice); only the
hash is stored. Each function is one short transaction on the Store's engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from unicodedata import normalize

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ecoaudit.errors import EcoauditError
from ecoaudit.store import Store
from ecoaudit.store.models import WEB_ROLES, AuditEntry, LoginAttempt, User, utc_now

T = TypeVar("T")
MIN_PASSWORD_LENGTH = 8
MAX_NAME_LENGTH = 100
_HASHER = PasswordHasher()
# Verified when the name is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


class AccountError(EcoauditError):
    """A user name, role or password that cannot be used (one sentence)."""


@dataclass(frozen=True)
class Account:
    """A user as the web interface sees it."""

    name: str
    role: str
    created_at: datetime
    password_changed_at: datetime


def _transaction(store: Store, action: Callable[[Session], T]) -> T:
    with Session(store.engine, expire_on_commit=False) as session, session.begin():
        return action(session)


def _count(result: object) -> int:
    """The rows an UPDATE or DELETE touched."""
    return int(getattr(result, "rowcount", 0) or 0)


def check_role(role: str) -> str:
    """`role` when it is viewer, operator or admin; AccountError otherwise."""
    if role not in WEB_ROLES:
        raise AccountError(f"Unknown role {role!r}: use viewer, operator or admin.")
    return role


def check_name(name: str) -> str:
    """The name without surrounding spaces, when it can name an account; AccountError otherwise."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH or any(ch.isspace() or not ch.isprintable()
                                                      for ch in name):
        raise AccountError(f"{name!r} cannot be a user name: use 1 to {MAX_NAME_LENGTH} "
                           "printable characters without spaces.")
    return name


def check_password(password: str) -> str:
    """`password` when it is long enough; AccountError otherwise."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password is too short: use at least {MIN_PASSWORD_LENGTH} "
                           "characters.")
    return password


def hash_password(password: str) -> str:
    """The Argon2 hash of a password that passes `check_password`."""
    return _HASHER.hash(check_password(password))


def _account(user: User) -> Account:
    return Account(user.name, user.role, user.created_at, user.password_changed_at)


def add_user(store: Store, name: str, role: str, password: str) -> Account:
    """Create an account; AccountError when the name is taken or anything is invalid."""
    name, role, digest = check_name(name), check_role(role), hash_password(password)

    def action(session: Session) -> Account:
        if session.scalar(sa.select(User).where(User.name == name)) is not None:
            raise AccountError(f"A user named {name!r} already exists: choose another name, "
                               "or change its password with `ecoaudit users passwd`.")
        user = User(name=name, role=role, password_hash=digest)
        session.add(user)
        session.flush()
        return _account(user)

    try:
        return _transaction(store, action)
    except IntegrityError:
        raise AccountError(f"A user named {name!r} already exists.") from None


def users(store: Store) -> list[Account]:
    """Every account, by name."""
    return _transaction(store, lambda session: [
        _account(user) for user in session.scalars(sa.select(User).order_by(User.name))])


def find_user(store: Store, name: str) -> Account | None:
    """The account named `name` (exactly), or None."""
    def action(session: Session) -> Account | None:
        user = session.scalar(sa.select(User).where(User.name == name))
        return None if user is None else _account(user)

    return _transaction(store, action)


def remove_user(store: Store, name: str) -> None:
    """Delete an account; AccountError when there is none of that name."""
    def action(session: Session) -> int:
        return _count(session.execute(sa.delete(User).where(User.name == name)))

    if not _transaction(store, action):
        raise AccountError(f"There is no user named {name!r}: see `ecoaudit users list`.")


def set_password(store: Store, name: str, password: str) -> None:
    """Change a password (the user's open sessions end: they were opened before)."""
    digest = hash_password(password)

    def action(session: Session) -> int:
        return _count(session.execute(sa.update(User).where(User.name == name).values(
            password_hash=digest, password_changed_at=utc_now())))

    if not _transaction(store, action):
        raise AccountError(f"There is no user named {name!r}: see `ecoaudit users list`.")


def verify_password(store: Store, name: str, password: str) -> Account | None:
    """The account when `password` is its password, else None (same work either way)."""
    def action(session: Session) -> User | None:
        return session.scalar(sa.select(User).where(User.name == name))

    user = _transaction(store, action)
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        _transaction(store, lambda session: session.execute(sa.update(User).where(
            User.id == user.id).values(password_hash=_HASHER.hash(password))))
    return _account(user)


# -- the audit log ------------------------------------------------------------------------------


def record(store: Store, user: str, action: str, target: str = "", detail: str = "") -> None:
    """Add a line to the audit log."""
    _transaction(store, lambda session: session.add(AuditEntry(
        user=user[:MAX_NAME_LENGTH], action=action[:50], target=target, detail=detail)))


def audit_log(store: Store, limit: int = 200) -> list[dict[str, object]]:
    """The latest lines of the audit log, newest first."""
    def action(session: Session) -> list[dict[str, object]]:
        rows = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit))
        return [{"at": row.at, "user": row.user, "action": row.action, "target": row.target,
                 "detail": row.detail} for row in rows]

    return _transaction(store, action)


# -- failed logins (the rate limit) --------------------------------------------------------------


def throttle_name(name: str) -> str:
    """The name a failed login counts under: case, width and surrounding spaces ignored, so
    that "Admin", " admin" and "ＡＤＭＩＮ" share one count."""
    return normalize("NFKC", name).strip().casefold()[:MAX_NAME_LENGTH]


def note_failed_login(store: Store, name: str, address: str) -> None:
    """Count a failed login of `name` from `address` (the rate limit reads these)."""
    _transaction(store, lambda session: session.add(LoginAttempt(
        name=throttle_name(name), address=address[:100])))


def recent_failures(store: Store, name: str, address: str,
                    window: timedelta) -> tuple[int, datetime | None]:
    """The failed logins within `window` for this name or from this address (whichever has
    more), and the time of the latest; older rows are deleted on the way."""
    since = utc_now() - window

    def action(session: Session) -> tuple[int, datetime | None]:
        session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < since))
        counts = []
        for column, value in ((LoginAttempt.name, throttle_name(name)),
                              (LoginAttempt.address, address[:100])):
            count, latest = session.execute(sa.select(
                sa.func.count(LoginAttempt.id), sa.func.max(LoginAttempt.at)).where(
                column == value, LoginAttempt.at >= since)).one()
            counts.append((int(count), latest))
        count, latest = max(counts, key=lambda pair: pair[0])
        return count, _aware(latest)

    return _transaction(store, action)


def forget_failures(store: Store, name: str, address: str) -> None:
    """After a successful login, the failures of that name from that address are forgiven
    (those of other names from the address still count: one known password does not reset a
    guesser's count)."""
    _transaction(store, lambda session: session.execute(sa.delete(LoginAttempt).where(
        LoginAttempt.name == throttle_name(name), LoginAttempt.address == address[:100])))


def _aware(moment: datetime | None) -> datetime | None:
    """An aggregate (max) may bypass the column type: a naive UTC time or a text."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
