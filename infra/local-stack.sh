#!/usr/bin/env bash
# The topology of infra/compose.yaml as plain processes on this machine, for
# when no container engine is at hand (and for test/infra/local-stack.test.ts):
#
#   sidecar → haproxy → node × 3 → Redis primary (+ replica, 3 Sentinels)
#
# Same commands and settings as the containers: the nodes and the sidecar run
# `node bin/redkeeper.js node|sidecar` (the image's ENTRYPOINT) configured by
# the same REDKEEPER_* variables, the nodes reach Redis through the Sentinels,
# haproxy runs the shipped template rendered by the shipped renderer, and
# the knobs come from infra/.env. HBase is not started (see compose.yaml).
#
# Runs in the foreground until SIGTERM or SIGINT, then stops everything,
# the sidecar first and Redis last. A process that dies meanwhile is reported
# and left dead (kill the primary to watch the Sentinels fail over). Prints one line
#   local-stack: ready zk=127.0.0.1:<port> lb=http://127.0.0.1:<port> dir=<dir>
# once a ZooKeeper client can connect to the sidecar.
#
# Env (a variable already set beats infra/.env, as with compose):
#   ZK_PORT, LB_PORT, LB_STATS_PORT   as in .env (2181, 8080, 8404)
#   RK_STACK_NODE_PORTS               "8081 8082 8083"
#   RK_STACK_REDIS_PORTS              "6379 6380" (primary, replica)
#   RK_STACK_SENTINEL_PORTS           "26379 26380 26381"
#   RK_STACK_DIR                      logs and Redis data (default: a new temp dir)
#   RK_STACK_ENV_FILE                 default infra/.env (else .env.example)
set -euo pipefail

infra=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$infra")
log() { printf 'local-stack: %s\n' "$*" >&2; }

env_file=${RK_STACK_ENV_FILE:-$infra/.env}
[ -f "$env_file" ] || env_file=$infra/.env.example
while IFS= read -r line || [ -n "$line" ]; do
  case $line in ''|'#'*) continue ;; esac
  key=${line%%=*}
  [ -n "${!key+x}" ] || export "$key=${line#*=}"
done < "$env_file"

read -r -a node_ports <<< "${RK_STACK_NODE_PORTS:-8081 8082 8083}"
read -r -a redis_ports <<< "${RK_STACK_REDIS_PORTS:-6379 6380}"
read -r -a sentinel_ports <<< "${RK_STACK_SENTINEL_PORTS:-26379 26380 26381}"
dir=${RK_STACK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/rk-local-stack-XXXXXX")}
mkdir -p "$dir"
[ -f "$root/dist/src/cli/main.js" ] || { log "not built: run npm run build"; exit 1; }

pids=()
stop() {
  trap - TERM INT EXIT
  local i
  for (( i=${#pids[@]}-1; i>=0; i-- )); do kill -TERM "${pids[$i]}" 2>/dev/null || true; wait "${pids[$i]}" 2>/dev/null || true; done
  log "stopped"
}
trap 'stop; exit 0' TERM INT
trap stop EXIT

start() { # name command... : in the background, output to $dir/<name>.log
  local name=$1
  shift
  "$@" >> "$dir/$name.log" 2>&1 &
  pids+=("$!")
}

wait_for() { # what check-command... : polls the check while the last started process lives
  local what=$1 last=${pids[${#pids[@]}-1]}
  shift
  for _ in $(seq 1 300); do
    if ! kill -0 "$last" 2>/dev/null; then log "$what exited (logs in $dir)"; exit 1; fi
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  log "$what did not come up within 30 s (logs in $dir)"
  exit 1
}

healthy() { node "$root/bin/healthcheck.js" "$1"; }

# ---- Redis: primary, replica, Sentinels (compose: redis-primary, redis-replica, sentinel1-3)
redis_args=(--bind 127.0.0.1 --appendonly yes --appendfsync "${REDIS_APPENDFSYNC:-always}"
  --maxmemory "${REDIS_MAXMEMORY:-1gb}" --maxmemory-policy noeviction --replica-announce-ip 127.0.0.1)
mkdir -p "$dir/redis-primary" "$dir/redis-replica"
start redis-primary redis-server --port "${redis_ports[0]}" --dir "$dir/redis-primary" "${redis_args[@]}"
wait_for "the Redis primary" redis-cli -p "${redis_ports[0]}" ping
start redis-replica redis-server --port "${redis_ports[1]}" --dir "$dir/redis-replica" --replicaof 127.0.0.1 "${redis_ports[0]}" "${redis_args[@]}"
sentinels=()
for i in 0 1 2; do
  mkdir -p "$dir/sentinel$((i + 1))"
  start "sentinel$((i + 1))" env SENTINEL_CONF="$dir/sentinel$((i + 1))/sentinel.conf" SENTINEL_BIND=127.0.0.1 \
    sh "$infra/redis/sentinel.sh" 127.0.0.1 "${redis_ports[0]}" "${REDIS_MASTER_NAME:-rkmaster}" "${SENTINEL_QUORUM:-2}" \
    "${SENTINEL_DOWN_AFTER_MS:-5000}" "${SENTINEL_FAILOVER_TIMEOUT_MS:-30000}" "${sentinel_ports[$i]}"
  sentinels+=("127.0.0.1:${sentinel_ports[$i]}")
done
for p in "${sentinel_ports[@]}"; do wait_for "Sentinel $p" redis-cli -p "$p" sentinel get-master-addr-by-name "${REDIS_MASTER_NAME:-rkmaster}"; done

# ---- nodes (compose: node1-3): the image's command, configured by environment
sentinel_list=$(IFS=,; echo "${sentinels[*]}")
backends=()
for i in 0 1 2; do
  start "node$((i + 1))" env REDKEEPER_REDIS_URL="redis-sentinel://$sentinel_list/${REDIS_MASTER_NAME:-rkmaster}" \
    REDKEEPER_HTTP_PORT="${node_ports[$i]}" REDKEEPER_HOST=127.0.0.1 \
    REDKEEPER_NAMESPACE="${REDKEEPER_NAMESPACE:-rk}" REDKEEPER_TICK_MS="${REDKEEPER_TICK_MS:-2000}" \
    REDKEEPER_LOG_LEVEL="${REDKEEPER_LOG_LEVEL:-info}" REDKEEPER_4LW_WHITELIST="${REDKEEPER_4LW_WHITELIST:-srvr}" \
    REDKEEPER_DRAIN_TIMEOUT_MS="${REDKEEPER_DRAIN_TIMEOUT_MS:-10000}" \
    node "$root/bin/redkeeper.js" node
  backends+=("127.0.0.1:${node_ports[$i]}")
done
for p in "${node_ports[@]}"; do wait_for "node :$p" healthy "http://127.0.0.1:$p/readyz"; done

# ---- haproxy (compose: haproxy)
sh "$infra/haproxy/render.sh" "$infra/haproxy/haproxy.cfg.template" "127.0.0.1:${LB_PORT:-8080}" "127.0.0.1:${LB_STATS_PORT:-8404}" "${backends[@]}" > "$dir/haproxy.cfg"
start haproxy haproxy -db -f "$dir/haproxy.cfg"
wait_for "haproxy" healthy "http://127.0.0.1:${LB_PORT:-8080}/readyz"

# ---- sidecar (compose: sidecar)
start sidecar env REDKEEPER_UPSTREAM="ws://127.0.0.1:${LB_PORT:-8080}" REDKEEPER_ZK_PORT="${ZK_PORT:-2181}" \
  REDKEEPER_HOST=127.0.0.1 REDKEEPER_LOG_LEVEL="${REDKEEPER_LOG_LEVEL:-info}" NODE_OPTIONS=--max-semi-space-size=1 \
  node "$root/bin/redkeeper.js" sidecar
wait_for "the sidecar" healthy "tcp://127.0.0.1:${ZK_PORT:-2181}"

echo "local-stack: ready zk=127.0.0.1:${ZK_PORT:-2181} lb=http://127.0.0.1:${LB_PORT:-8080} dir=$dir"
# Until a signal: a process that dies is reported, not replaced, and the
# rest carry on (a Redis primary killed to try a Sentinel failover, say).
while true; do
  live=()
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && live+=("$p"); done
  if [ ${#live[@]} -eq 0 ]; then log "every process has exited"; exit 1; fi
  wait -n "${live[@]}" || true
  for p in "${live[@]}"; do kill -0 "$p" 2>/dev/null || log "process $p exited (logs in $dir)"; done
done
