#!/bin/sh
# Starts a Redis Sentinel watching the primary. Sentinel rewrites its config
# file (it records the replicas, the other Sentinels and failovers), so the
# file is written here, to a writable place, not mounted read-only.
#   sentinel.sh <primary host> <primary port> <master name> <quorum> <down-after ms> <failover timeout ms> [port]
# Env: SENTINEL_CONF (default /tmp/sentinel.conf), SENTINEL_BIND (default:
# every interface, protected mode off, as in a container network).
set -eu
conf=${SENTINEL_CONF:-/tmp/sentinel.conf}
if [ -n "${SENTINEL_BIND:-}" ]; then listen="bind $SENTINEL_BIND"; else listen="protected-mode no"; fi
cat > "$conf" <<CONF
port ${7:-26379}
$listen
dir $(dirname "$conf")
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel monitor $3 $1 $2 $4
sentinel down-after-milliseconds $3 $5
sentinel failover-timeout $3 $6
CONF
exec redis-server "$conf" --sentinel
