#!/usr/bin/env python3
"""A stand-in OTLP/HTTP collector for the benchmarks: takes every POST (traces, metrics, logs), answers 200 at once and
keeps a count of requests and bytes per path in a file, so a benchmark can show that the platform did export.

    python3 bench/lib/otlp_sink.py PORT STATS_FILE
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, stats_path = int(sys.argv[1]), sys.argv[2]
stats = {}


class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        seen = stats.setdefault(self.path, {"requests": 0, "bytes": 0})
        seen["requests"] += 1
        seen["bytes"] += len(body)
        with open(stats_path, "w") as f:
            json.dump(stats, f)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Sink).serve_forever()
