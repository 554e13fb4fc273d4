"""`ecoaudit users add|list|remove|passwd`: the accounts of the web interface."""

from __future__ import annotations

import getpass
import sys

import click

from ecoaudit.cli import cli

db_option = click.option("--db", "db_url", metavar="URL", default=None,
                         help="Results database (default: $ECOAUDIT_DB, else ./ecoaudit.db).")


@cli.group()
def users() -> None:
    """Accounts of the web interface (`ecoaudit serve`): viewer, operator or admin."""


def _actor() -> str:
    """Who ran the command, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def read_password() -> str:
    """From the terminal, typed twice and hidden; else the first line of standard input."""
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    return sys.stdin.readline().rstrip("\r\n")


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, metavar="ROLE",
              help="viewer (reads), operator (also launches jobs) or admin.")
@db_option
def add(name, role, db_url) -> None:
    """Create the account NAME; the password is read from the terminal (or standard input)."""
    from ecoaudit.store import Store
    from ecoaudit.web import accounts

    accounts.check_name(name)
    accounts.check_role(role)
    password = read_password()
    with Store.open(db_url) as store:
        account = accounts.add_user(store, name, role, password)
        accounts.record(store, _actor(), "user_add", account.name, account.role)
    click.echo(f"User {account.name} added ({account.role}).")


@users.command("list")
@db_option
def list_users(db_url) -> None:
    """The accounts, their roles and when their passwords were set."""
    from ecoaudit.store import Store
    from ecoaudit.web import accounts

    with Store.open(db_url) as store:
        found = accounts.users(store)
    if not found:
        click.echo("No user yet: add one with `ecoaudit users add NAME --role ROLE`.")
    for account in found:
        changed = account.password_changed_at.strftime("%Y-%m-%d %H:%M")
        click.echo(f"{account.name}\t{account.role}\tpassword set {changed} UTC")


@users.command("remove")
@click.argument("name")
@db_option
def remove(name, db_url) -> None:
    """Delete the account NAME (its open sessions end at their next request)."""
    from ecoaudit.store import Store
    from ecoaudit.web import accounts

    with Store.open(db_url) as store:
        accounts.remove_user(store, name)
        accounts.record(store, _actor(), "user_remove", name)
    click.echo(f"User {name} removed.")


@users.command("passwd")
@click.argument("name")
@db_option
def passwd(name, db_url) -> None:
    """Change the password of NAME (its open sessions end)."""
    from ecoaudit.store import Store
    from ecoaudit.web import accounts

    with Store.open(db_url) as store:
        if accounts.find_user(store, name) is None:
            raise accounts.AccountError(f"There is no user named {name!r}: see "
                                        "`ecoaudit users list`.")
        accounts.set_password(store, name, read_password())
        accounts.record(store, _actor(), "user_passwd", name)
    click.echo(f"Password of {name} changed.")
