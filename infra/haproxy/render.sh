#!/bin/sh
# Renders haproxy.cfg.template (POSIX sh + sed, so it also runs in the
# haproxy image): used by infra/compose.yaml and infra/local-stack.sh.
#
#   render.sh <template> <bind> <stats bind> <host:port>... > haproxy.cfg
#
# Servers are named n1, n2, … in order; extra server options (e.g. compose's
# `init-addr last,libc,none`) come from HAPROXY_SERVER_OPTS.
set -eu
[ $# -ge 4 ] || { echo "usage: render.sh <template> <bind> <stats bind> <host:port>..." >&2; exit 2; }
template=$1 bind=$2 stats=$3
shift 3
servers=""
i=0
for b in "$@"; do
  case $b in
    *[!A-Za-z0-9.:-]*|*:*:*|:*|*:) echo "render.sh: backend '$b' is not host:port" >&2; exit 2 ;;
  esac
  i=$((i + 1))
  servers="$servers    server n$i $b${HAPROXY_SERVER_OPTS:+ $HAPROXY_SERVER_OPTS}\\n"
done
sed -e "s|{{BIND}}|$bind|g" -e "s|{{STATS_BIND}}|$stats|g" -e "s|^{{SERVERS}}\$|$servers|" "$template"
