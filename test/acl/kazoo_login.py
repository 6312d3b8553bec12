"""Logs in to a ZooKeeper server with kazoo and reports what happened, as one
JSON object on stdout. Driven by test/acl/kazoo.ts; argv[1] is a JSON object:
  hosts, sasl_options (optional), auth_data (optional, [[scheme, credential]]),
  reads (paths to getData).
Every outcome is the server's, as kazoo surfaces it: the session states
kazoo went through, and per read the data or the exception class name."""
import json
import logging
import sys

from kazoo.client import KazooClient

logging.basicConfig(level=logging.CRITICAL)


def main() -> None:
    spec = json.loads(sys.argv[1])
    out = {}
    auth_data = [tuple(x) for x in spec.get("auth_data", [])] or None
    client = KazooClient(
        hosts=spec["hosts"],
        sasl_options=spec.get("sasl_options"),
        auth_data=auth_data,
        timeout=10,
        connection_retry={"max_tries": 0},
    )
    # kazoo reports CONNECTED when the session is made and only then runs
    # SASL, so start() may return before a refusal: a first request (queued
    # behind the SASL exchange) settles it. The states kazoo went through say
    # how; after a refusal it may go on to CLOSED at its own pace, so reads
    # are only tried on a connected client.
    states = []
    session_callback = client._session_callback

    def record(state):
        if not states or states[-1] != str(state):
            states.append(str(state))
        session_callback(state)

    client._session_callback = record
    if not client.start_async().wait(timeout=15):
        out["login"] = "no session"
        print(json.dumps(out))
        return
    try:
        client.exists("/")
    except Exception as err:
        out["probe"] = type(err).__name__
    out["states"] = states[: states.index("AUTH_FAILED") + 1] if "AUTH_FAILED" in states else list(states)
    if client.client_state == "CONNECTED":
        for path in spec.get("reads", []):
            try:
                data, _ = client.get(path)
                out["get " + path] = data.decode("utf-8", "replace")
            except Exception as err:
                out["get " + path] = type(err).__name__
    client.stop()
    client.close()
    print(json.dumps(out))


main()
