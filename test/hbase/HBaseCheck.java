// Reads HBase's own state through the stock HBase client API, for the
// test/hbase runner. The client finds the cluster through ZooKeeper (the
// default ZKConnectionRegistry): the quorum is a redkeeper sidecar or the
// control ZooKeeper. Each command prints ONE JSON line on stdout and exits 0
// on success, 1 on failure (with "error"), so the runner needs no Java parsing.
//
//   java HBaseCheck <zk host:port> <command> [args]
//     status                      active master, backup masters, live region servers
//     wait-ready <rs> <ms>        until a master is active with >= rs live servers and hbase:meta is readable
//     create <table>              creates the table (4 regions) unless it exists
//     put <table> <n>             writes rows row-0000..row-(n-1)
//     verify <table> <n> <ms>     reads them back (retrying until ms elapse)
//     load <table> <ms>           writes and reads for ms; counts ops and errors
//     registry                    the registry class, hbase:meta's location and the master, as the client sees them
//     shutdown                    Admin.shutdown(): clean stop of the whole cluster
//     capture-setup <table> <sn>  for the znode capture: 2 replication peers, every switch
//                                 flipped from its default, <sn> decommissioned (not offloaded)
//     facts                       what HBase says about itself (ids, servers, switches, peers)
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hbase.ClusterMetrics;
import org.apache.hadoop.hbase.HBaseConfiguration;
import org.apache.hadoop.hbase.HRegionLocation;
import org.apache.hadoop.hbase.ServerName;
import org.apache.hadoop.hbase.TableName;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.hbase.client.Admin;
import org.apache.hadoop.hbase.client.ColumnFamilyDescriptorBuilder;
import org.apache.hadoop.hbase.client.Connection;
import org.apache.hadoop.hbase.client.ConnectionFactory;
import org.apache.hadoop.hbase.client.Get;
import org.apache.hadoop.hbase.client.Put;
import org.apache.hadoop.hbase.client.RegionLocator;
import org.apache.hadoop.hbase.client.Result;
import org.apache.hadoop.hbase.client.ResultScanner;
import org.apache.hadoop.hbase.client.Scan;
import org.apache.hadoop.hbase.client.Table;
import org.apache.hadoop.hbase.client.TableDescriptorBuilder;
import org.apache.hadoop.hbase.replication.ReplicationPeerConfig;
import org.apache.hadoop.hbase.replication.ReplicationPeerDescription;
import org.apache.hadoop.hbase.util.Bytes;
import org.apache.hadoop.hbase.ClusterId;
import org.apache.hadoop.hbase.zookeeper.ZKClusterId;
import org.apache.hadoop.hbase.zookeeper.ZKUtil;
import org.apache.hadoop.hbase.zookeeper.ZKWatcher;

public class HBaseCheck {
  static final byte[] CF = Bytes.toBytes("f");
  static final byte[] Q = Bytes.toBytes("q");

  public static void main(String[] args) {
    String out;
    int code = 0;
    try {
      out = run(args);
    } catch (Throwable e) {
      out = "{\"ok\":false,\"error\":" + q(e.toString()) + "}";
      code = 1;
    }
    System.out.println(out);
    System.out.flush();
    // HBase's client leaves non-daemon threads behind; exit explicitly.
    System.exit(code);
  }

  static Configuration conf(String zk) {
    Configuration c = HBaseConfiguration.create();
    int colon = zk.lastIndexOf(':');
    c.set("hbase.zookeeper.quorum", zk.substring(0, colon));
    c.set("hbase.zookeeper.property.clientPort", zk.substring(colon + 1));
    // Short per-attempt budgets: the runner's own deadlines decide failure.
    c.setInt("hbase.client.retries.number", 5);
    c.setLong("hbase.client.pause", 200);
    c.setInt("hbase.rpc.timeout", 10000);
    c.setInt("hbase.client.operation.timeout", 20000);
    c.setInt("zookeeper.recovery.retry", 3);
    return c;
  }

  static String run(String[] a) throws Exception {
    String zk = a[0];
    String cmd = a[1];
    try (Connection conn = ConnectionFactory.createConnection(conf(zk))) {
      switch (cmd) {
        case "status": return status(conn);
        case "wait-ready": return waitReady(conn, Integer.parseInt(a[2]), Long.parseLong(a[3]));
        case "create": return create(conn, TableName.valueOf(a[2]));
        case "put": return put(conn, TableName.valueOf(a[2]), Integer.parseInt(a[3]));
        case "verify": return verify(conn, TableName.valueOf(a[2]), Integer.parseInt(a[3]), Long.parseLong(a[4]));
        case "load": return load(conn, TableName.valueOf(a[2]), Long.parseLong(a[3]));
        case "registry": return registry(conn);
        case "capture-setup": return captureSetup(conn, zk, TableName.valueOf(a[2]), ServerName.valueOf(a[3]));
        case "facts": return facts(conn);
        case "shutdown": try (Admin admin = conn.getAdmin()) { admin.shutdown(); } return "{\"ok\":true}";
        default: throw new IllegalArgumentException("unknown command " + cmd);
      }
    }
  }

  static String status(Connection conn) throws Exception {
    try (Admin admin = conn.getAdmin()) {
      ClusterMetrics m = admin.getClusterMetrics();
      List<String> backups = new ArrayList<>();
      for (ServerName s : m.getBackupMasterNames()) backups.add(s.toString());
      List<String> live = new ArrayList<>();
      for (ServerName s : m.getLiveServerMetrics().keySet()) live.add(s.toString());
      return "{\"ok\":true,\"master\":" + q(m.getMasterName().toString()) + ",\"backupMasters\":" + arr(backups)
        + ",\"liveServers\":" + arr(live) + ",\"regionsInTransition\":" + m.getRegionStatesInTransition().size() + "}";
    }
  }

  static String waitReady(Connection conn, int rs, long ms) throws Exception {
    long deadline = System.currentTimeMillis() + ms;
    String last = "";
    while (true) {
      try (Admin admin = conn.getAdmin()) {
        ClusterMetrics m = admin.getClusterMetrics();
        int live = m.getLiveServerMetrics().size();
        if (live >= rs && m.getRegionStatesInTransition().isEmpty()) {
          // hbase:meta readable through a real scan, not just assigned on paper.
          try (Table meta = conn.getTable(TableName.META_TABLE_NAME); ResultScanner sc = meta.getScanner(new Scan().setLimit(1))) {
            sc.next();
          }
          return status(conn);
        }
        last = "live=" + live + " rit=" + m.getRegionStatesInTransition().size();
      } catch (Exception e) {
        last = e.toString();
      }
      if (System.currentTimeMillis() > deadline) throw new IllegalStateException("not ready: " + last);
      Thread.sleep(250);
    }
  }

  static String create(Connection conn, TableName t) throws Exception {
    try (Admin admin = conn.getAdmin()) {
      if (!admin.tableExists(t)) {
        byte[][] splits = { Bytes.toBytes("row-0250"), Bytes.toBytes("row-0500"), Bytes.toBytes("row-0750") };
        admin.createTable(TableDescriptorBuilder.newBuilder(t).setColumnFamily(ColumnFamilyDescriptorBuilder.of(CF)).build(), splits);
      }
      return "{\"ok\":true,\"regions\":" + admin.getRegions(t).size() + "}";
    }
  }

  static String row(int i) { return String.format("row-%04d", i); }

  static String put(Connection conn, TableName t, int n) throws Exception {
    try (Table table = conn.getTable(t)) {
      List<Put> puts = new ArrayList<>();
      for (int i = 0; i < n; i++) puts.add(new Put(Bytes.toBytes(row(i))).addColumn(CF, Q, Bytes.toBytes("value-" + i)));
      table.put(puts);
    }
    return "{\"ok\":true,\"rows\":" + n + "}";
  }

  static String verify(Connection conn, TableName t, int n, long ms) throws Exception {
    long deadline = System.currentTimeMillis() + ms;
    String last = "";
    int attempts = 0;
    while (true) {
      attempts++;
      // Only the row-NNNN rows: scenario 4's load writes load-NNNNNN rows into the same table.
      try (Table table = conn.getTable(t); ResultScanner sc = table.getScanner(new Scan().setRowPrefixFilter(Bytes.toBytes("row-")))) {
        int count = 0;
        int bad = 0;
        for (Result r : sc) {
          String k = Bytes.toString(r.getRow());
          String v = Bytes.toString(r.getValue(CF, Q));
          if (!("value-" + Integer.parseInt(k.substring(4))).equals(v)) bad++;
          count++;
        }
        if (count == n && bad == 0) return "{\"ok\":true,\"rows\":" + count + ",\"attempts\":" + attempts + "}";
        last = "rows=" + count + " bad=" + bad;
      } catch (Exception e) {
        last = e.toString();
      }
      if (System.currentTimeMillis() > deadline) throw new IllegalStateException("verify failed after " + attempts + " attempts: " + last);
      Thread.sleep(250);
    }
  }

  static String load(Connection conn, TableName t, long ms) throws Exception {
    long end = System.currentTimeMillis() + ms;
    long ok = 0;
    long errors = 0;
    String lastError = "";
    int i = 0;
    try (Table table = conn.getTable(t)) {
      while (System.currentTimeMillis() < end) {
        String k = String.format("load-%06d", i++);
        try {
          table.put(new Put(Bytes.toBytes(k)).addColumn(CF, Q, Bytes.toBytes(k)));
          Result r = table.get(new Get(Bytes.toBytes(k)));
          if (!k.equals(Bytes.toString(r.getValue(CF, Q)))) throw new IllegalStateException("read back wrong value for " + k);
          ok++;
        } catch (Exception e) {
          errors++;
          lastError = e.toString();
        }
      }
    }
    return "{\"ok\":" + (errors == 0) + ",\"ops\":" + ok + ",\"errors\":" + errors + ",\"lastError\":" + q(lastError) + "}";
  }

  static String registry(Connection conn) throws Exception {
    // The registry is a private field of the connection; its class name is
    // the proof that the cluster was found through ZooKeeper.
    String reg = conn.getConfiguration().get("hbase.client.registry.impl", "(default: ZKConnectionRegistry)");
    try (RegionLocator loc = conn.getRegionLocator(TableName.META_TABLE_NAME); Admin admin = conn.getAdmin()) {
      HRegionLocation meta = loc.getRegionLocation(Bytes.toBytes(""), true);
      return "{\"ok\":true,\"registry\":" + q(reg) + ",\"meta\":" + q(meta.getServerName().toString())
        + ",\"master\":" + q(admin.getClusterMetrics().getMasterName().toString()) + "}";
    }
  }

  /** A peer "cluster" that is only a cluster id under another parent on the same ZooKeeper: adding a peer reads it. */
  static String fakePeer(String zk, String parent, String id) throws Exception {
    Configuration pc = conf(zk);
    pc.set("zookeeper.znode.parent", parent);
    try (ZKWatcher w = new ZKWatcher(pc, "capture-peer", null)) {
      ZKUtil.createWithParents(w, parent);
      ZKClusterId.setClusterId(w, new ClusterId(id));
    }
    return zk + ":" + parent;
  }

  static String captureSetup(Connection conn, String zk, TableName t, ServerName drain) throws Exception {
    try (Admin admin = conn.getAdmin()) {
      // Peer 1: enabled, one table's family, a bandwidth cap. Peer 2: disabled,
      // serial, everything. Their clusters are empty: only the znodes matter.
      Map<TableName, List<String>> cfs = new HashMap<>();
      cfs.put(t, Collections.singletonList("f"));
      admin.addReplicationPeer("1", ReplicationPeerConfig.newBuilder().setClusterKey(fakePeer(zk, "/hbase-dr", "11111111-2222-3333-4444-555555555555"))
        .setReplicateAllUserTables(false).setTableCFsMap(cfs).setBandwidth(1048576).build(), true);
      admin.addReplicationPeer("2", ReplicationPeerConfig.newBuilder().setClusterKey(fakePeer(zk, "/hbase-backup", "66666666-7777-8888-9999-000000000000"))
        .setSerial(true).build(), false);
      admin.balancerSwitch(false, true);
      admin.normalizerSwitch(true);
      admin.splitSwitch(false, true);
      admin.mergeSwitch(false, true);
      admin.snapshotCleanupSwitch(false, true);
      admin.decommissionRegionServers(Collections.singletonList(drain), false);
      return "{\"ok\":true}";
    }
  }

  static String facts(Connection conn) throws Exception {
    try (Admin admin = conn.getAdmin(); RegionLocator loc = conn.getRegionLocator(TableName.META_TABLE_NAME)) {
      ClusterMetrics m = admin.getClusterMetrics();
      List<String> backups = new ArrayList<>();
      for (ServerName s : m.getBackupMasterNames()) backups.add(s.toString());
      List<String> live = new ArrayList<>();
      for (ServerName s : m.getLiveServerMetrics().keySet()) live.add(s.toString());
      List<String> drained = new ArrayList<>();
      for (ServerName s : admin.listDecommissionedRegionServers()) drained.add(s.toString());
      StringBuilder peers = new StringBuilder("[");
      for (ReplicationPeerDescription d : admin.listReplicationPeers()) {
        ReplicationPeerConfig c = d.getPeerConfig();
        peers.append(peers.length() == 1 ? "" : ",").append("{\"id\":").append(q(d.getPeerId()))
          .append(",\"enabled\":").append(d.isEnabled()).append(",\"clusterKey\":").append(q(c.getClusterKey()))
          .append(",\"serial\":").append(c.isSerial()).append(",\"bandwidth\":").append(c.getBandwidth())
          .append(",\"replicateAllUserTables\":").append(c.replicateAllUserTables()).append("}");
      }
      peers.append("]");
      return "{\"ok\":true,\"clusterId\":" + q(m.getClusterId()) + ",\"hbaseVersion\":" + q(m.getHBaseVersion())
        + ",\"master\":" + q(m.getMasterName().toString()) + ",\"backupMasters\":" + arr(backups)
        + ",\"liveServers\":" + arr(live) + ",\"decommissioned\":" + arr(drained)
        + ",\"meta\":" + q(loc.getRegionLocation(Bytes.toBytes(""), true).getServerName().toString())
        + ",\"balancer\":" + admin.isBalancerEnabled() + ",\"normalizer\":" + admin.isNormalizerEnabled()
        + ",\"split\":" + admin.isSplitEnabled() + ",\"merge\":" + admin.isMergeEnabled()
        + ",\"snapshotCleanup\":" + admin.isSnapshotCleanupEnabled() + ",\"peers\":" + peers + "}";
    }
  }

  static String arr(List<String> xs) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < xs.size(); i++) b.append(i == 0 ? "" : ",").append(q(xs.get(i)));
    return b.append("]").toString();
  }

  static String q(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
