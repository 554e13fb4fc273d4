#!/usr/bin/env bash
# Build the container image and prove it measures a page, without Docker Hub or a Docker daemon:
#   1 a minimal Debian 12 base made by debootstrap (variant minbase) from the mirror this
#     machine's apt uses, slimmed like debian:bookworm-slim, cached as a tarball under
#     ${XDG_CACHE_HOME:-~/.cache}/ecoaudit-image (rebuilt after BASE_MAX_AGE_DAYS, default 7),
#   2 imported into podman as localhost/ecoaudit-base:bookworm (skipped when unchanged),
#   3 `podman build --isolation chroot --build-arg BASE=localhost/ecoaudit-base:bookworm`,
#   4 a page served on 127.0.0.1 audited INSIDE the image (`ecoaudit audit URL --json -`) and the
#     JSON document checked for an EcoIndex score and grade measured by the headless shell,
#   5 Chromium's sandbox checked from /proc: each renderer under Chromium's own seccomp filter,
#     in its own PID namespace, while running as the image's unprivileged user.
# Steps 4 and 5 use `podman run --runtime runc` with explicit limits (crun cannot start
# containers in some sandboxes: hybrid cgroups, rlimits). Where podman run cannot start a
# container, step 4 falls back to `buildah run --isolation chroot` AS ROOT: in a chroot the
# kernel refuses Chromium the user namespaces its sandbox needs ("No usable sandbox!"), so only
# root (ecoaudit then passes --no-sandbox) can measure there, and step 5 says it is not verified.
# Containers, the page server and temporary files are removed on exit (trap).
#
# Needs root (or sudo) and apt-get; installs debootstrap, podman, buildah and runc when missing.
# Idempotent. Each step prints how long it took and is bounded by a timeout, the whole script by
# ECOAUDIT_SMOKE_TIMEOUT (default 1800 s). Exit status 0 when the image measured the page, 1 with
# one sentence otherwise (the step's log is kept and named).
#
#   scripts/image-smoke.sh                                 # IMAGE=localhost/ecoaudit:smoke
#   ECOAUDIT_IMAGE_REFRESH_BASE=1 scripts/image-smoke.sh   # rebuild the cached base now
#   ECOAUDIT_SMOKE_RUNNER=buildah scripts/image-smoke.sh   # force the buildah fallback
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

SUITE=bookworm
BASE_IMAGE=${BASE_IMAGE:-localhost/ecoaudit-base:bookworm}
IMAGE=${IMAGE:-localhost/ecoaudit:smoke}
CONTAINER=ecoaudit-image-smoke
CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/ecoaudit-image
BASE_TARBALL=$CACHE_DIR/debian-$SUITE-minbase.tar
BASE_MAX_AGE_DAYS=${BASE_MAX_AGE_DAYS:-7}  # then rebuilt, for Debian's security updates
BASE_LABEL=org.ecoaudit.base-tarball-sha256
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ecoaudit-image-smoke.XXXXXX") || exit 1
LOGS=$WORK/logs
mkdir -p "$LOGS" "$CACHE_DIR"
SERVER_PID=""
STARTED=$(date +%s)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "image-smoke: run me as root (debootstrap and buildah's chroot isolation need it)." >&2; exit 1; }
  SUDO="sudo"
fi

cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  $SUDO podman rm -f "$CONTAINER" >/dev/null 2>&1
  $SUDO buildah rm "$CONTAINER" >/dev/null 2>&1
  [ -n "${ROOTFS:-}" ] && [ -d "$ROOTFS" ] && $SUDO rm -rf --one-file-system "$ROOTFS"
  # The logs are kept only when something failed.
  [ "${KEEP_LOGS:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

exec 3>&2  # the terminal's standard error, even where a step's is sent to its log
TIMED_OUT=""
fail() {  # one sentence, then the log to read
  KEEP_LOGS=1
  echo "image-smoke: FAILED: $1${TIMED_OUT:+ (stopped after $TIMED_OUT s)}${2:+ (log: $2)}" >&3
  [ -n "${2:-}" ] && [ -s "$2" ] && tail -n 15 "$2" | sed 's/^/  | /' >&3
  exit 1
}

STEP_START=0
step() { STEP_NAME=$1; STEP_START=$(date +%s); echo "==> $1"; }
done_step() { echo "    $STEP_NAME: $(( $(date +%s) - STEP_START )) s${1:+ ($1)}"; }
# `within N command...`: the command, stopped after N s or when the whole script's time
# (ECOAUDIT_SMOKE_TIMEOUT, default 30 min) runs out, whichever comes first.
SMOKE_TIMEOUT=${ECOAUDIT_SMOKE_TIMEOUT:-1800}
within() {
  local limit=$1 left=$(( SMOKE_TIMEOUT - ($(date +%s) - STARTED) )); shift
  [ "$left" -gt 0 ] || fail "the smoke test ran out of its ${SMOKE_TIMEOUT} s (ECOAUDIT_SMOKE_TIMEOUT)."
  [ "$left" -lt "$limit" ] && limit=$left
  $SUDO timeout "$limit" "$@"
  local status=$?
  [ "$status" -eq 124 ] && TIMED_OUT=$limit
  return "$status"
}

# 0. Tools --------------------------------------------------------------------------------------
step "tools (debootstrap, podman, buildah, runc)"
need=()
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v buildah >/dev/null 2>&1 || need+=(buildah)
command -v runc >/dev/null 2>&1 || need+=(runc)  # podman run here: crun refuses hybrid cgroups
if [ ${#need[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || fail "${need[*]} missing and apt-get is not available to install them."
  { within 180 apt-get update -q && within 480 env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends "${need[@]}"; } >"$LOGS/apt.log" 2>&1 \
    || fail "could not install ${need[*]} with apt-get." "$LOGS/apt.log"
  done_step "installed ${need[*]}"
else
  done_step "already installed"
fi
DEBOOTSTRAP=$(command -v debootstrap || echo /usr/sbin/debootstrap)

# The mirrors this machine's apt uses (deb822 .sources files or one-line sources.list).
mirror_for() {  # $1: suite (bookworm or bookworm-security); prints the first URI serving it
  local suite=$1 file
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    awk -v suite="$suite" '
      /^[[:space:]]*$/ { if (uri != "" && has) { print uri; done=1; exit } uri=""; has=0; next }
      tolower($1) == "uris:"   { uri=$2 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) has=1 }
      END { if (!done && uri != "" && has) print uri }' "$file"
  done
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$file" ] || continue
    awk -v suite="$suite" '$1 == "deb" {
        i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) { print $i; exit } }' "$file"
  done
}
MIRROR=$(mirror_for "$SUITE" | head -n 1)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=$(mirror_for "$SUITE-security" | head -n 1)
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}

# 1. The base: debootstrap, cached ----------------------------------------------------------------
step "base tarball (debootstrap --variant=minbase $SUITE from $MIRROR)"
fresh_tarball() {
  [ -s "$BASE_TARBALL" ] && [ "${ECOAUDIT_IMAGE_REFRESH_BASE:-0}" != 1 ] \
    && [ -n "$(find "$BASE_TARBALL" -mtime "-$BASE_MAX_AGE_DAYS" 2>/dev/null)" ]
}
if fresh_tarball; then
  done_step "cached: $BASE_TARBALL"
else
  ROOTFS=$WORK/rootfs
  within 600 "$DEBOOTSTRAP" --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" \
    >"$LOGS/debootstrap.log" 2>&1 \
    || fail "debootstrap could not build a $SUITE base from $MIRROR." "$LOGS/debootstrap.log"
  # Like the official debian:bookworm-slim: the three suites (chromium-headless-shell's current
  # version is in bookworm-security), no documentation or translations installed, no lists.
  $SUDO rm -f "$ROOTFS/etc/apt/sources.list"
  $SUDO tee "$ROOTFS/etc/apt/sources.list.d/debian.sources" >/dev/null <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  $SUDO tee "$ROOTFS/etc/dpkg/dpkg.cfg.d/slim" >/dev/null <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
  $SUDO rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/archives/*.deb \
    "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/log/* "$ROOTFS"/usr/share/man/* \
    "$ROOTFS"/usr/share/info/* "$ROOTFS"/usr/share/lintian/*
  $SUDO find "$ROOTFS/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete
  $SUDO find "$ROOTFS/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias \
    -exec rm -rf {} +
  $SUDO tar --numeric-owner --xattrs -C "$ROOTFS" -cf "$BASE_TARBALL.part" . \
    >"$LOGS/tar.log" 2>&1 || fail "could not pack the base into $BASE_TARBALL." "$LOGS/tar.log"
  $SUDO mv "$BASE_TARBALL.part" "$BASE_TARBALL"
  $SUDO rm -rf --one-file-system "$ROOTFS"; ROOTFS=""
  done_step "$(du -h "$BASE_TARBALL" | cut -f1) tarball"
fi

# 2. Import, unless this very tarball already is the base image --------------------------------
step "import $BASE_IMAGE"
SHA=$(sha256sum "$BASE_TARBALL" | cut -d' ' -f1)
IMPORTED=$($SUDO podman image inspect --format "{{index .Labels \"$BASE_LABEL\"}}" "$BASE_IMAGE" 2>/dev/null)
if [ "$IMPORTED" = "$SHA" ]; then
  done_step "unchanged"
else
  within 300 podman import --change "LABEL $BASE_LABEL=$SHA" --change 'CMD ["/bin/bash"]' \
    "$BASE_TARBALL" "$BASE_IMAGE" >"$LOGS/import.log" 2>&1 \
    || fail "podman could not import the base tarball as $BASE_IMAGE." "$LOGS/import.log"
  done_step "imported"
fi

# 3. Build the image from this checkout -------------------------------------------------------
step "podman build $IMAGE"
# This machine's CA bundle, as the build secret pip uses (a TLS-intercepting proxy's CA may be in
# it); mounted for the pip step only, never stored in the image.
SECRET=()
for bundle in "${PIP_CERT:-}" /etc/ssl/certs/ca-certificates.crt; do
  [ -n "$bundle" ] && [ -s "$bundle" ] && { SECRET=(--secret "id=build-ca,src=$bundle"); break; }
done
# The installed files' digest: a changed checkout rebuilds the install step (see the Dockerfile).
SOURCE_DIGEST=$(find pyproject.toml README.md LICENSE src rules -type f ! -path '*/__pycache__/*' \
  ! -path '*.egg-info/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
within 1200 podman build --isolation chroot --pull=never --format docker --layers \
  "${SECRET[@]}" --build-arg "BASE=$BASE_IMAGE" --build-arg "SOURCE_DIGEST=$SOURCE_DIGEST" \
  -t "$IMAGE" . >"$LOGS/build.log" 2>&1 \
  || fail "podman build of the Dockerfile failed." "$LOGS/build.log"
# The replaced builds of this image (untagged, labelled ecoaudit) are dropped; the layer cache stays.
$SUDO podman image prune -f --filter "label=org.opencontainers.image.title=ecoaudit" >/dev/null 2>&1
SIZE=$($SUDO podman image inspect --format '{{.Size}}' "$IMAGE" 2>/dev/null)
done_step "$(( ${SIZE:-0} / 1000000 )) MB"

# 4. Audit a local page inside the image, as its unprivileged user ----------------------------
step "audit a page on 127.0.0.1 inside the image"
mkdir -p "$WORK/site"
cat >"$WORK/site/index.html" <<'HTML'
<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Smoke test</title>
<style>body { font-family: sans-serif; max-width: 40em; margin: 2em auto; }</style></head>
<body><h1>Ville de Valmont-sur-Moselle</h1>
<p>Une page servie sur 127.0.0.1 pour vérifier que l'image mesure une page.</p>
<ul><li><a href="/">Accueil</a></li><li><a href="/contact">Contact</a></li></ul></body></html>
HTML
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
  || fail "no free port on 127.0.0.1."
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$WORK/site" >"$LOGS/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/', timeout=1)" \
    2>/dev/null && break
  sleep 0.1
done
USER_IN_IMAGE=$($SUDO podman image inspect --format '{{.Config.User}}' "$IMAGE" 2>/dev/null)
[ -n "$USER_IN_IMAGE" ] && [ "${USER_IN_IMAGE%%:*}" != 0 ] && [ "${USER_IN_IMAGE%%:*}" != root ] \
  || fail "the image runs as root ('${USER_IN_IMAGE}'), not as an unprivileged user."

# A real container first: `podman run` with runc (pivot_root, so Chromium can make its user
# namespaces), limits no higher than this shell's (some sandboxes refuse to raise them), no
# cgroup controller needed. Where it cannot start, `buildah run --isolation chroot`: the kernel
# refuses user namespaces inside a chroot (and buildah drops CAP_SYS_ADMIN), so Chromium has no
# usable sandbox there and the audit can only run as root, where ecoaudit passes --no-sandbox.
NOFILE=$(ulimit -Hn)
if [ "$NOFILE" = unlimited ] || [ "$NOFILE" -gt 65536 ]; then NOFILE=65536; fi
# The hardening compose.yaml gives the workers: no capability but SYS_CHROOT, no new privileges.
RUN_OPTIONS=(--rm --pull=never --network host --ulimit "nofile=$NOFILE:$NOFILE"
             --ulimit nproc=4096:4096 --health-cmd none
             --cap-drop ALL --cap-add SYS_CHROOT --security-opt no-new-privileges)
command -v runc >/dev/null 2>&1 && RUN_OPTIONS=(--runtime runc "${RUN_OPTIONS[@]}")
in_image() {  # $1: the program, then its arguments
  local program=$1; shift
  if [ "$RUNNER" = podman ]; then  # as the image's user
    within 300 podman run "${RUN_OPTIONS[@]}" --name "$CONTAINER" --entrypoint "$program" \
      "$IMAGE" "$@"
  else
    within 300 buildah run --isolation chroot --network host --user 0:0 "$CONTAINER" -- \
      "$program" "$@"
  fi
}
$SUDO podman rm -f "$CONTAINER" >/dev/null 2>&1  # left by a run that was killed
$SUDO buildah rm "$CONTAINER" >/dev/null 2>&1
# ECOAUDIT_SMOKE_RUNNER=buildah forces the fallback (to test it).
if [ "${ECOAUDIT_SMOKE_RUNNER:-podman}" = podman ] \
   && within 120 podman run "${RUN_OPTIONS[@]}" --name "$CONTAINER" "$IMAGE" --version \
     >"$LOGS/run.log" 2>&1; then
  RUNNER=podman
else
  RUNNER=buildah
  WHY="ECOAUDIT_SMOKE_RUNNER=${ECOAUDIT_SMOKE_RUNNER:-}"
  [ -s "$LOGS/run.log" ] && WHY="podman run cannot start a container here: $(grep -v 'level=' "$LOGS/run.log" | tail -n 1)"
  echo "    $WHY; using buildah run --isolation chroot as root, WITHOUT Chromium's sandbox."
  $SUDO buildah from --pull=never --name "$CONTAINER" "$IMAGE" >"$LOGS/from.log" 2>&1 \
    || fail "buildah could not make a container from $IMAGE." "$LOGS/from.log"
fi
in_image ecoaudit -v audit "http://127.0.0.1:$PORT/" --wait-before 0.5 --wait-after 0.5 \
  --timeout 60 --json - >"$WORK/audit.json" 2>"$LOGS/audit.log" \
  || fail "ecoaudit audit failed inside the image." "$LOGS/audit.log"
python3 - "$WORK/audit.json" >"$LOGS/check.log" 2>&1 <<'PYTHON' \
  || fail "$(tail -n 1 "$LOGS/check.log")" "$LOGS/audit.log"
import json, sys
try:
    document = json.load(open(sys.argv[1]))
except ValueError:
    sys.exit("the audit inside the image did not print a JSON document.")
page = document["pages"][0]
ecoindex = page.get("ecoindex") or {}
score, grade = ecoindex.get("score"), ecoindex.get("grade")
if page.get("error") or not isinstance(score, (int, float)) or grade not in tuple("ABCDEFG"):
    sys.exit(f"the page has no EcoIndex score and grade (error: {page.get('error')}).")
protocol = document["protocol"]
if protocol.get("browser_build") != "headless-shell":
    sys.exit(f"the image measured with {protocol.get('browser_build')}, not the headless shell.")
print(f"EcoIndex {score} ({grade}), {protocol.get('browser')} {protocol.get('browser_build')}")
PYTHON
done_step "$RUNNER run: $(cat "$LOGS/check.log")"

# 5. The sandbox: what the renderers of the image's Chromium really run under -----------------
step "Chromium's sandbox inside the image"
if [ "$RUNNER" = podman ]; then
  in_image python -c "$(cat <<'PYTHON'
import asyncio, os
from pathlib import Path
from playwright.async_api import async_playwright
from ecoaudit.measure.browser import find_chromium, launch_options

def confinement(pid):
    """(seccomp filters, PID namespace depth) of a process, read from /proc."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return int(status["Seccomp_filters"]), len(status["NSpid"].split())

def renderers():
    """Chromium's sandbox stacks a seccomp filter and a PID namespace on top of the container's
    own: each renderer must have more of both than this process."""
    ours, found = confinement("self"), []
    for entry in os.scandir("/proc"):
        try:
            if entry.name.isdigit() and entry.name != str(os.getpid()) and b"--type=renderer" in Path(
                    f"/proc/{entry.name}/cmdline").read_bytes():
                filters, depth = confinement(entry.name)
                found.append(filters > ours[0] and depth > ours[1])
        except (OSError, KeyError, ValueError):
            continue
    return found

async def main():
    options = launch_options(find_chromium())
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(**options)
        page = await browser.new_page()
        await page.goto("data:text/html,<p>sandbox</p>")
        await asyncio.sleep(0.5)
        found = renderers()
        await browser.close()
    print(f"uid {os.geteuid()}, chromium_sandbox={options['chromium_sandbox']}: "
          f"{sum(found)} of {len(found)} renderer(s) under Chromium's seccomp filter "
          f"in their own PID namespace")
    raise SystemExit(0 if found and all(found) and options["chromium_sandbox"] else 1)

asyncio.run(main())
PYTHON
)" >"$LOGS/sandbox.log" 2>&1 \
    || fail "Chromium's renderers are not sandboxed inside the image." "$LOGS/sandbox.log"
  done_step "$(tail -n 1 "$LOGS/sandbox.log")"
else
  done_step "NOT verified: buildah's chroot isolation leaves Chromium no usable sandbox"
fi

if [ "$RUNNER" = podman ]; then
  echo "image-smoke: OK: $IMAGE measured a page as uid ${USER_IN_IMAGE%%:*} with Chromium's" \
    "sandbox, in $(( $(date +%s) - STARTED )) s."
else
  echo "image-smoke: OK: $IMAGE measured a page (as root, without Chromium's sandbox: see above)," \
    "in $(( $(date +%s) - STARTED )) s."
fi
