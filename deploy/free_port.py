"""Prints a free TCP port on 127.0.0.1 for a process to listen on, chosen below the kernel's ephemeral range.

A port from the ephemeral range (what binding port 0 gives) is free only until some process opens a connection or
binds port 0 and is handed the same one; with tests running beside the scripts that happens. Outside that range only
another explicit choice can take it: this checks that no one holds it now, and never hands out a port it handed out in
the last ten minutes (a script asks for several before it starts the process that binds them).
"""
import fcntl
import json
import os
import random
import socket
import tempfile
import time

RECENT_SECONDS = 600
state = os.path.join(tempfile.gettempdir(), f"commerce-services-free-ports-{os.getuid()}.json")

try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        ephemeral_low = int(f.read().split()[0])
except OSError:
    ephemeral_low = 32768
low, high = 10000, max(10001, ephemeral_low - 1)

with open(state, "a+") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    f.seek(0)
    try:
        given = {int(p): t for p, t in json.load(f).items()}
    except ValueError:
        given = {}
    now = time.time()
    given = {p: t for p, t in given.items() if now - t < RECENT_SECONDS}
    for _ in range(500):
        port = random.randint(low, high)
        if port in given:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        given[port] = now
        f.seek(0)
        f.truncate()
        json.dump({str(p): t for p, t in given.items()}, f)
        print(port)
        break
    else:
        raise SystemExit("no free port found")
