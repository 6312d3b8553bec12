#!/usr/bin/env bash
# Fetches HBase (the -hadoop3 artifacts of hbase-server, plus a log4j2 binding)
# from Maven Central with Maven, into a cache folder OUTSIDE the repository,
# and writes the runtime classpath there. Re-running is cheap: a cache whose
# classpath file exists and whose jars are all present is reused as is.
#
# Usage: scripts/hbase/fetch.sh            prints the cache dir on stdout
# Env:   HBASE_VERSION   (default 2.5.10-hadoop3)
#        REDKEEPER_CACHE (default ~/.cache/redkeeper)
set -euo pipefail

version=${HBASE_VERSION:-2.5.10-hadoop3}
cache_root=${REDKEEPER_CACHE:-$HOME/.cache/redkeeper}
dir="$cache_root/hbase-$version"
cp_file="$dir/classpath.txt"
log() { printf 'hbase-fetch: %s\n' "$*" >&2; }

for tool in mvn java javac; do
  command -v "$tool" >/dev/null || { log "$tool is required but not on PATH"; exit 1; }
done

cache_ok() {
  [ -s "$cp_file" ] || return 1
  local jar
  # A half-deleted cache (e.g. a pruned ~/.m2) must be refetched, not half-used.
  while IFS= read -r jar; do [ -f "$jar" ] || return 1; done < <(tr ':' '\n' < "$cp_file")
}

if cache_ok; then
  log "reusing $dir"
  echo "$dir"
  exit 0
fi

mkdir -p "$dir"
# Only HBase's own artifacts plus the logging binding its assembly ships with
# (bin/hbase puts log4j-slf4j-impl and log4j-core on the classpath). Hadoop
# drags in reload4j and its slf4j binding: excluded below, since two slf4j
# bindings make logging pick one at random.
cat > "$dir/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>redkeeper.test</groupId>
  <artifactId>hbase-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <properties><log4j2.version>2.17.2</log4j2.version></properties>
  <dependencies>
    <dependency><groupId>org.apache.hbase</groupId><artifactId>hbase-server</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.apache.hbase</groupId><artifactId>hbase-client</artifactId><version>$version</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>\${log4j2.version}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>\${log4j2.version}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-1.2-api</artifactId><version>\${log4j2.version}</version></dependency>
  </dependencies>
</project>
POM

log "fetching org.apache.hbase:hbase-server:$version with Maven (first run takes minutes)"
rm -f "$cp_file"
mvn -q -B -f "$dir/pom.xml" dependency:build-classpath \
  -Dmdep.outputFile="$cp_file.tmp" -Dmdep.includeScope=runtime >&2
# Filter the list rather than trust the plugin's exclusion flags, whose
# behaviour differs between maven-dependency-plugin versions.
tr ':' '\n' < "$cp_file.tmp" | grep -vE '/(ch/qos/reload4j/reload4j|org/slf4j/slf4j-reload4j|org/slf4j/slf4j-log4j12|log4j/log4j)/' | paste -sd: > "$cp_file"
rm -f "$cp_file.tmp"
cache_ok || { log "classpath written but some jars are missing: $cp_file"; exit 1; }
log "ready: $dir ($(tr ':' '\n' < "$cp_file" | wc -l) jars)"
echo "$dir"
