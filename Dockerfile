# ecoaudit with Debian's Python and Debian's Chromium headless shell, run as an unprivileged user
# so that Chromium keeps its sandbox. See docs/container.md.
#
#   docker build -t ecoaudit .
#   docker build --build-arg BASE=registry.example.org/debian:bookworm-slim -t ecoaudit .
#   docker run --rm --init ecoaudit audit https://www.example.org/
#
# BASE must be Debian 12 (bookworm) or a derivative with its package sources configured:
# everything below comes from Debian's packages (Python 3.11, chromium-headless-shell from
# bookworm-security), except ecoaudit's own Python dependencies, from PyPI.
ARG BASE=debian:bookworm-slim
FROM ${BASE}

LABEL org.opencontainers.image.title="ecoaudit" \
      org.opencontainers.image.description="Eco-design audits of websites (EcoIndex, RGESN 2024) in Debian's Chromium headless shell" \
      org.opencontainers.image.licenses="MIT"

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PATH=/opt/ecoaudit/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 \
    TZ=Europe/Paris

# chromium-headless-shell: the build the EcoIndex reference measures with; ecoaudit finds it at
# /usr/lib/chromium/chromium-headless-shell by itself (ECOAUDIT_CHROMIUM stays free for the user).
# Fonts so pages lay out (and weigh) as on a desktop. Debian ships their security updates, so
# versions are not pinned; no recommended packages, no package lists left behind.
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv libatomic1 \
        chromium-headless-shell \
        fonts-dejavu-core fonts-liberation \
        ca-certificates tzdata \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log

# ecoaudit from the build context into its own venv. Every dependency has a binary wheel
# (playwright, greenlet, psycopg[binary], pillow), so no compiler is installed. The context is
# bind-mounted read-only; what the package needs is copied out and removed in the same step, so
# neither the sources, nor pip's cache, nor pip itself stay in the image.
# src/ecoaudit/catalogue is a symbolic link to rules/, which the wheel build turns into files.
# libatomic1 (above) is what Playwright's Node.js driver needs.
# Behind a TLS-intercepting proxy, give pip the proxy's CA bundle as a build secret; it is
# mounted for this step only and never stored in the image:
#   docker build --secret id=build-ca,src=/etc/ssl/certs/ca-certificates.crt .
# SOURCE_DIGEST (a digest of those files) makes a changed checkout rebuild this step: a layer
# cache keyed on the instruction alone would not see a bind-mounted context change.
ARG SOURCE_DIGEST=unknown
RUN --mount=type=bind,source=.,target=/tmp/context \
    --mount=type=secret,id=build-ca,required=false \
    if [ -s /run/secrets/build-ca ]; then export PIP_CERT=/run/secrets/build-ca; fi \
    && mkdir /tmp/ecoaudit-src \
    && tar -C /tmp/context --exclude=__pycache__ --exclude='*.egg-info' -cf - \
        pyproject.toml README.md LICENSE src rules | tar -C /tmp/ecoaudit-src -xf - \
    && python3 -m venv /opt/ecoaudit \
    && /opt/ecoaudit/bin/pip install --no-cache-dir /tmp/ecoaudit-src \
    && /opt/ecoaudit/bin/ecoaudit --version \
    && /opt/ecoaudit/bin/python -m pip uninstall --yes --quiet pip \
    && rm -rf /tmp/ecoaudit-src /root/.cache

# uid 10001: not root, so ecoaudit starts Chromium WITH its sandbox (it only passes
# --no-sandbox when running as root). The working folder is laid out so that the commands'
# defaults just work: ./sites.toml (mount it read-only), ./reports/ (volume), and the SQLite
# database in ./data/ (volume) when ECOAUDIT_DB does not name a PostgreSQL.
RUN groupadd --gid 10001 ecoaudit \
    && useradd --uid 10001 --gid 10001 --home-dir /home/ecoaudit --create-home \
        --shell /usr/sbin/nologin ecoaudit \
    && mkdir -p /srv/ecoaudit/data /srv/ecoaudit/reports \
    && chown ecoaudit:ecoaudit /srv/ecoaudit/data /srv/ecoaudit/reports

ENV ECOAUDIT_DB=/srv/ecoaudit/data/ecoaudit.db
USER 10001:10001
WORKDIR /srv/ecoaudit
VOLUME ["/srv/ecoaudit/data", "/srv/ecoaudit/reports"]

# Cheap (no browser started, about 0.2 s): ecoaudit imports and finds its headless shell.
# It says the image is sound, not that a worker's queue is moving.
HEALTHCHECK --interval=5m --timeout=20s --start-period=10s --retries=3 \
    CMD ["python", "-m", "ecoaudit.measure.browser", "--shell"]

ENTRYPOINT ["ecoaudit"]
CMD ["--help"]
