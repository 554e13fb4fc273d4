# ecoaudit with Debian's Chromium, run as an unprivileged user so that Chromium keeps its sandbox.
#   docker build -t ecoaudit .
#   docker run --rm --init -v "$PWD/sites.toml:/srv/ecoaudit/sites.toml:ro" \
#     -v ecoaudit-data:/srv/ecoaudit/data -v "$PWD/reports:/srv/ecoaudit/reports" \
#     ecoaudit crawl --all
# See docs/docker.md (scheduler, PostgreSQL with compose.yaml, the browser sandbox).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ECOAUDIT_CHROMIUM=/usr/lib/chromium/chromium-headless-shell \
    ECOAUDIT_DB=/srv/ecoaudit/data/ecoaudit.db

# Chromium's headless shell (the build the EcoIndex reference measures with) and fonts from
# Debian, which ships its security updates: versions are not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium-headless-shell fonts-dejavu-core \
        fonts-liberation \
        ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/ecoaudit-src
COPY pyproject.toml README.md ./
COPY src ./src
COPY rules ./rules
RUN pip install . \
    && rm -rf /opt/ecoaudit-src

RUN useradd --create-home --home-dir /home/ecoaudit --uid 10001 --user-group ecoaudit \
    && mkdir -p /srv/ecoaudit/data /srv/ecoaudit/reports \
    && chown -R ecoaudit:ecoaudit /srv/ecoaudit

USER 10001:10001
WORKDIR /srv/ecoaudit
VOLUME ["/srv/ecoaudit/data", "/srv/ecoaudit/reports"]

ENTRYPOINT ["ecoaudit"]
CMD ["--help"]
