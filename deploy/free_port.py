"""Prints a free TCP port on 127.0.0.1 for a process to listen on, chosen below the kernel's ephemeral range.

A port from the ephemeral range (what binding port 0 gives) is free only until some process opens a connection or
binds port 0 and is handed the same one; with tests running beside the scripts that happens. Outside that range only
another explicit choice can take it, and this checks that none holds it now.
"""
import random
import socket

try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        ephemeral_low = int(f.read().split()[0])
except OSError:
    ephemeral_low = 32768
low, high = 10000, max(10001, ephemeral_low - 1)
for _ in range(200):
    port = random.randint(low, high)
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
    print(port)
    break
else:
    raise SystemExit("no free port found")
