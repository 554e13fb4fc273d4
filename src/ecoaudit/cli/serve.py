"""`ecoaudit serve`: the web interface (see docs/web.md)."""

from __future__ import annotations

from pathlib import Path

import click

from ecoaudit.cli import cli
from ecoaudit.cli.options import broker_option


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (keep 127.0.0.1 behind a reverse proxy).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--db", "db_url", metavar="URL", default=None,
              help="Results database (default: $ECOAUDIT_DB, else ./ecoaudit.db).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="sites.toml: the sites operators may crawl, and the folder "
              "of the acceptance contracts.")
@broker_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("web-jobs"), show_default=True,
              help="Folder of the jobs' outputs (reports, acceptance bundles).")
@click.option("--trust-header", metavar="HEADER", default=None,
              envvar="ECOAUDIT_TRUST_HEADER",
              help="Trust this request header (e.g. X-Remote-User) to name the logged-in user, "
              "as set by a single sign-on reverse proxy. Off by default; read docs/web.md "
              "first: only safe when the proxy strips it from clients and nothing else can "
              "reach the port.")
@click.option("--allow-private-urls", is_flag=True,
              help="URLs typed into forms may name private or local addresses (a staging "
              "server on the internal network).")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help="Addresses of the reverse proxies whose X-Forwarded-For and "
              "X-Forwarded-Proto headers are believed.")
@click.option("--https-only", is_flag=True,
              help="Always mark the session cookie Secure (otherwise only over HTTPS).")
def serve(host, port, db_url, config_path, broker, out_dir, trust_header,
          allow_private_urls, forwarded_allow_ips, https_only) -> None:
    """Serve the web interface: dashboards, runs, and jobs launched by operators.

    Create accounts first with `ecoaudit users add NAME --role ROLE`.
    """
    import uvicorn

    from ecoaudit.store import Store
    from ecoaudit.web.app import create_app
    from ecoaudit.web.settings import WebSettings, session_secret

    settings = WebSettings(db_url=db_url, config_path=config_path, broker=broker,
                           out_dir=out_dir, trust_header=trust_header,
                           allow_private_urls=allow_private_urls, https_only=https_only)
    Store.open(db_url).close()  # a wrong --db is one sentence now, not a 503 page later
    session_secret(settings)
    click.echo(f"ecoaudit serve: http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=True,
                forwarded_allow_ips=forwarded_allow_ips, server_header=False,
                log_level="info")
