#!/usr/bin/env bash
# Puts the HBase .proto files that describe HBase's znodes into
# dist/hbase-proto/, for src/hbase to load with protobufjs at run time.
#
# They are HBase's own files, so they are not in this repository: they come
# from the jar org.apache.hbase:hbase-protocol-shaded on Maven Central (same
# version as scripts/hbase/fetch.sh), fetched with Maven once and cached in
# ~/.cache/redkeeper/hbase-proto-<version>/. Without them the decoder cannot
# work, so a failed fetch fails the build with one line instead of shipping a
# dist/ that cannot decode anything.
#
# Usage: scripts/hbase/fetch-proto.sh [dest]   (default dest: dist/hbase-proto)
# Env:   HBASE_VERSION   (default 2.5.10-hadoop3)
#        REDKEEPER_CACHE (default ~/.cache/redkeeper)
set -euo pipefail
cd "$(dirname "$0")/../.."

version=${HBASE_VERSION:-2.5.10-hadoop3}
cache_root=${REDKEEPER_CACHE:-$HOME/.cache/redkeeper}
cache="$cache_root/hbase-proto-$version"
dest=${1:-dist/hbase-proto}
artifact="org.apache.hbase:hbase-protocol-shaded:$version:jar"
# ZooKeeper.proto and what it, ClusterId, the switch trackers and replication
# peer storage need (imports included: protobufjs resolves them by file name).
files=(ZooKeeper.proto HBase.proto ClusterStatus.proto ClusterId.proto FS.proto
  LoadBalancer.proto RegionNormalizer.proto SnapshotCleanup.proto Replication.proto)

fail() { printf 'hbase-proto: %s\n' "$*" >&2; exit 1; }

cached() {
  local f
  for f in "${files[@]}"; do [ -s "$cache/$f" ] || return 1; done
}

if ! cached; then
  command -v mvn >/dev/null || fail "mvn is required to fetch $artifact (run scripts/install-deps.sh)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  includes=$(IFS=,; echo "${files[*]}")
  # The plugin version is pinned: 'unpack -Dartifact' needs 3.x, older
  # Mavens default to 2.8. Run in $tmp: the plugin leaves marker files in a
  # "${project.basedir}" folder under the working directory.
  if ! (cd "$tmp" && mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.6.1:unpack \
      -Dartifact="$artifact" -DoutputDirectory="$tmp/out" \
      -Dmdep.unpack.includes="$includes" >"$tmp/mvn.log" 2>&1); then
    fail "cannot fetch $artifact from Maven Central (needed to decode HBase znodes); mvn said: $(grep -m1 -E 'ERROR' "$tmp/mvn.log" | sed 's/\x1b\[[0-9;]*m//g' | cut -c1-200)"
  fi
  for f in "${files[@]}"; do
    [ -s "$tmp/out/$f" ] || fail "$artifact has no $f (HBASE_VERSION=$version)"
  done
  mkdir -p "$cache"
  cp "${files[@]/#/$tmp/out/}" "$cache/"
fi

mkdir -p "$dest"
cp "${files[@]/#/$cache/}" "$dest/"
printf '%s\n' "$artifact" > "$dest/SOURCE"
