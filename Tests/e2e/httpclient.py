"""A raw-socket HTTP/1.1 client for end-to-end tests: it records when each body byte arrived, so tests can
assert that frames reach the client one by one instead of in a burst (libraries hide that)."""

import json
import socket
import time


class Response:
    def __init__(self):
        self.status = None
        self.reason = ""
        self.headers = []  # (lower-case name, value)
        self.pieces = []  # (seconds since request sent, decoded body bytes) as they arrived
        self.body = b""
        self.complete = False  # the body ended cleanly (terminal chunk or full Content-Length)
        self.started = 0.0

    def header(self, name):
        for k, v in self.headers:
            if k == name.lower():
                return v
        return None

    def json(self):
        return json.loads(self.body)

    def frames(self):
        """SSE blocks in order: ("data", parsed JSON) or ("comment", text), with the arrival time of their last byte."""
        out = []
        buffer = b""
        for t, piece in self.pieces:
            buffer += piece
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                text = block.decode("utf-8")
                if text.startswith("data: "):
                    out.append((t, "data", json.loads(text[6:])))
                elif text.startswith(":"):
                    out.append((t, "comment", text))
                else:
                    out.append((t, "other", text))
        assert buffer == b"", f"trailing bytes after the last frame: {buffer[:200]!r}"
        return out

    def data_frames(self):
        return [f for _, kind, f in self.frames() if kind == "data"]


def request(url, method="GET", body=None, headers=None, timeout=60, on_piece=None, stop_after=None):
    """Sends one request (Connection: close) and reads the whole response.

    `on_piece(response)` runs after each body piece; `stop_after` (bytes) closes the socket early, to play a
    client that goes away.
    """
    assert url.startswith("http://")
    hostport, _, path = url[len("http://"):].partition("/")
    host, _, port = hostport.partition(":")
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    lines = [f"{method} /{path} HTTP/1.1", f"Host: {hostport}", "Connection: close"]
    all_headers = {"User-Agent": "e2e-test"}
    if body is not None:
        all_headers["Content-Length"] = str(len(body))
        all_headers.setdefault("Content-Type", "application/json")
    all_headers.update(headers or {})
    lines += [f"{k}: {v}" for k, v in all_headers.items()]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")

    sock = socket.create_connection((host, int(port)), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    resp = Response()
    resp.started = time.monotonic()
    sock.sendall(raw)
    reader = sock.makefile("rb", buffering=0)
    try:
        status_line = _readline(reader)
        parts = status_line.decode("latin-1").split(" ", 2)
        resp.status = int(parts[1])
        resp.reason = parts[2].strip() if len(parts) > 2 else ""
        while True:
            line = _readline(reader)
            if line in (b"\r\n", b"\n", b""):
                break
            k, _, v = line.decode("latin-1").partition(":")
            resp.headers.append((k.strip().lower(), v.strip()))
        received = 0
        te = (resp.header("transfer-encoding") or "").lower()
        if "chunked" in te:
            while True:
                size_line = _readline(reader)
                if not size_line:
                    break
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while _readline(reader) not in (b"\r\n", b"\n", b""):
                        pass
                    resp.complete = True
                    break
                data = _readexact(reader, size)
                _readexact(reader, 2)
                resp.pieces.append((time.monotonic() - resp.started, data))
                resp.body += data
                received += len(data)
                if on_piece:
                    on_piece(resp)
                if stop_after is not None and received >= stop_after:
                    break
        elif resp.header("content-length") is not None:
            n = int(resp.header("content-length"))
            data = _readexact(reader, n) if n else b""
            resp.pieces.append((time.monotonic() - resp.started, data))
            resp.body = data
            resp.complete = len(data) == n
        else:
            while True:
                data = reader.read(65536)
                if not data:
                    break
                resp.pieces.append((time.monotonic() - resp.started, data))
                resp.body += data
    except (ConnectionResetError, BrokenPipeError, EOFError):
        pass
    finally:
        sock.close()
    return resp


def _readline(reader):
    out = b""
    while not out.endswith(b"\n"):
        c = reader.read(1)
        if not c:
            return out
        out += c
    return out


def _readexact(reader, n):
    out = b""
    while len(out) < n:
        data = reader.read(n - len(out))
        if not data:
            raise EOFError("connection closed mid-body")
        out += data
    return out
