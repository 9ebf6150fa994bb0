"""A threaded HTTP/1.1 server on 127.0.0.1 that records requests; base for the fakes."""

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Recorded:
    def __init__(self, method, path, query, headers, body):
        self.method, self.path, self.query, self.headers, self.body = method, path, query, headers, body

    def json(self):
        return json.loads(self.body)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # keep pytest output clean
        pass

    @property
    def fake(self):
        return self.server.fake

    def _record(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urllib.parse.urlsplit(self.path)
        rec = Recorded(self.command, url.path, url.query, {k.lower(): v for k, v in self.headers.items()}, body)
        with self.fake.lock:
            self.fake.requests.append(rec)
        return rec

    def do_GET(self):
        self.fake.handle(self, self._record())

    def do_POST(self):
        self.fake.handle(self, self._record())

    def do_HEAD(self):
        self.fake.handle(self, self._record())

    # --- response helpers ---

    def send_json(self, status, obj, headers=()):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def start_chunked(self, status, content_type, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()

    def chunk(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def end_chunked(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class FakeServer:
    """Subclasses implement handle(handler, recorded). `port` 0 picks a free one; a fixed port lets a test stop
    a server and start it again where its clients expect it (an outage)."""

    def __init__(self, port=0):
        self.lock = threading.Lock()
        self.requests = []
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.server.fake = self
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def recorded(self, method=None, path_prefix=""):
        with self.lock:
            return [r for r in self.requests if (method is None or r.method == method) and r.path.startswith(path_prefix)]

    def clear(self):
        with self.lock:
            self.requests.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
