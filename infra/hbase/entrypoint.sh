#!/bin/sh
# entrypoint.sh master|regionserver: one HBase daemon in the foreground, with
# hbase.zookeeper.quorum from HBASE_ZOOKEEPER_QUORUM (the redkeeper sidecar).
set -eu
case ${1:-} in
  master) class=org.apache.hadoop.hbase.master.HMaster ;;
  regionserver) class=org.apache.hadoop.hbase.regionserver.HRegionServer ;;
  *) echo "usage: entrypoint.sh master|regionserver" >&2; exit 2 ;;
esac
# JDK 17 needs these opens for HBase 2.5 (as bin/hbase adds them)
exec java ${HBASE_HEAPSIZE:+-Xmx$HBASE_HEAPSIZE} -XX:+UseG1GC -Djava.net.preferIPv4Stack=true \
  -Dorg.apache.hbase.thirdparty.io.netty.tryReflectionSetAccessible=true \
  --add-opens java.base/java.io=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED \
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED \
  --add-opens java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang.reflect=ALL-UNNAMED \
  --add-opens java.base/java.util=ALL-UNNAMED --add-opens java.base/java.util.concurrent=ALL-UNNAMED \
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-exports java.security.jgss/sun.security.krb5=ALL-UNNAMED \
  --add-exports java.base/sun.net.dns=ALL-UNNAMED --add-exports java.base/sun.net.util=ALL-UNNAMED \
  -Dhbase.zookeeper.quorum="${HBASE_ZOOKEEPER_QUORUM:-sidecar}" \
  -cp "/hbase/conf:/hbase/lib/*" "$class" start
