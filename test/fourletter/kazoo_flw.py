"""Asks a server four-letter words through kazoo (KazooClient.command and
server_version, which parses `envi`) and prints the results as JSON."""
import json
import sys

from kazoo.client import KazooClient

zk = KazooClient(hosts=sys.argv[1], timeout=10.0)
zk.start(timeout=15)
try:
    out = {
        "ruok": zk.command(b"ruok"),
        "version": list(zk.server_version()),
        "srvr": zk.command(b"srvr"),
        "wchs": zk.command(b"wchs"),
        "conf": zk.command(b"conf"),
    }
finally:
    zk.stop()
    zk.close()
print(json.dumps(out))
