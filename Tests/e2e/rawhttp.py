"""The end-to-end tests' one HTTP/1.1 client: raw sockets, so a test sees the wire — when each body chunk
arrived, whether the body ended cleanly, every header as sent. Libraries like requests/urllib hide chunk
boundaries and buffer, so they cannot tell frames sent one by one from a burst.

    r = request(port, "GET", "/path")                 # a Function URL port and a path
    r = request("http://127.0.0.1:9000/x", method="POST", body={"prompt": "hi"})   # or a whole URL
    rs = request_many(port, [{"path": "/a"}, {"method": "POST", "path": "/b", "body": "x"}])   # at once
    r.status, r.header("content-type"), r.body, r.complete, r.chunks, r.pieces, r.frames(), r.json()
"""

import json
import selectors
import socket
import time


class Response:
    def __init__(self):
        self.status = 0
        self.reason = ""
        self.headers = []       # [(lower-case name, value)] in wire order
        self.body = b""
        self.chunks = []        # [(monotonic arrival time, bytes)]: one per HTTP chunk, or per read otherwise
        self.complete = False   # the body ended properly (terminal chunk, full Content-Length, or no body)
        self.started = 0.0      # monotonic time the request was sent
        self.head_time = None   # monotonic time the response head arrived

    def header(self, name):
        """All values of `name`, comma-joined (None when absent)."""
        values = self.header_list(name)
        return ", ".join(values) if values else None

    def header_list(self, name):
        return [v for n, v in self.headers if n == name.lower()]

    @property
    def pieces(self):
        """[(seconds since the request was sent, bytes)] in arrival order."""
        return [(t - self.started, data) for t, data in self.chunks]

    def json(self):
        return json.loads(self.body)

    def frames(self):
        """SSE blocks in order: (seconds since sent, "data" | "comment" | "other", parsed JSON or text), the time
        being the arrival of the block's last byte."""
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


class _Reader:
    """Reads through `recv()` (a socket's, or a replay of recorded reads); `at` is when the last data arrived."""

    def __init__(self, recv):
        self.recv, self.buf, self.at = recv, b"", None

    def fill(self):
        got = self.recv()
        if not got:
            return False
        self.at, data = got
        self.buf += data
        return True

    def until(self, marker):
        while marker not in self.buf:
            if not self.fill():
                return None
        head, self.buf = self.buf.split(marker, 1)
        return head

    def exactly(self, n):
        while len(self.buf) < n:
            if not self.fill():
                return None
        data, self.buf = self.buf[:n], self.buf[n:]
        return data


def _encode(target, method, path, headers, body):
    """(host, port, request bytes) with the defaults `request` documents."""
    if isinstance(target, int):
        host, port, path = "127.0.0.1", target, path or "/"
    else:
        assert target.startswith("http://"), target
        hostport, _, rest = target[len("http://"):].partition("/")
        host, _, port = hostport.partition(":")
        port, path = int(port or 80), "/" + rest
    headers = dict(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
        headers.setdefault("Content-Type", "application/json")
    body = body or b""
    headers.setdefault("Host", f"{host}:{port}")
    headers.setdefault("Connection", "close")
    headers.setdefault("User-Agent", "e2e-test")
    if body or method in ("POST", "PUT", "PATCH"):
        headers.setdefault("Content-Length", str(len(body)))
    lines = [f"{method} {path} HTTP/1.1"]
    for k, v in headers.items():
        for item in (v if isinstance(v, list) else [v]):
            lines.append(f"{k}: {item}")
    return host, port, ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _parse(r, resp, method, on_head=None, on_piece=None, stop_after_chunks=None, stop_after_bytes=None):
    """Reads one response from `r` into `resp`; each chunk is stamped with the arrival of its last byte."""
    head = r.until(b"\r\n\r\n")
    if head is None:
        return resp
    resp.head_time = r.at
    text = head.decode("latin-1").split("\r\n")
    parts = text[0].split(" ", 2)
    resp.status = int(parts[1])
    resp.reason = parts[2] if len(parts) > 2 else ""
    for line in text[1:]:
        name, value = line.split(":", 1)
        resp.headers.append((name.strip().lower(), value.strip()))
    if on_head:
        on_head(resp)
    if method == "HEAD" or resp.status in (204, 304):
        resp.complete = True
        return resp

    def arrived(data):
        resp.chunks.append((r.at, data))
        resp.body += data
        if on_piece:
            on_piece(resp)
        return (stop_after_chunks is not None and len(resp.chunks) >= stop_after_chunks) or \
            (stop_after_bytes is not None and len(resp.body) >= stop_after_bytes)

    if "chunked" in (resp.header("transfer-encoding") or "").lower():
        while True:
            size_line = r.until(b"\r\n")
            if size_line is None:
                return resp
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                # No trailers: one CRLF; otherwise trailer lines up to an empty line.
                r.exactly(2) if r.buf.startswith(b"\r\n") else r.until(b"\r\n\r\n")
                resp.complete = True
                return resp
            data = r.exactly(size)
            if data is None or r.exactly(2) is None:
                return resp
            if arrived(data):
                return resp
    elif resp.header("content-length") is not None:
        n = int(resp.header("content-length"))
        data = r.exactly(n) if n else b""
        if data is not None:
            if data:
                arrived(data)
            resp.complete = True
    else:
        if r.buf and arrived(r.buf):
            return resp
        r.buf = b""
        while r.fill():
            data, r.buf = r.buf, b""
            if arrived(data):
                return resp
    return resp


def request(target, method="GET", path=None, headers=None, body=None, timeout=60.0, on_head=None, on_piece=None,
            stop_after_chunks=None, stop_after_bytes=None):
    """Sends one request on a fresh connection and reads the response until it ends or the server closes.

    target: a port on 127.0.0.1 (then `path`, default "/") or an `http://host:port/path?query` URL.
    body: bytes as they are; a dict/list (JSON) or str is encoded and defaults Content-Type to application/json.
    headers: {name: value or [values]}; Host, Connection: close, User-Agent and Content-Length are filled in.
    on_head(response) runs when the head arrived, on_piece(response) after each body chunk.
    stop_after_chunks / stop_after_bytes: close the socket early, to play a client that goes away.
    Connection resets and timeouts end the read; the response then has complete == False.
    """
    host, port, raw = _encode(target, method, path, headers, body)
    sock = socket.create_connection((host, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    resp = Response()

    def recv():
        data = sock.recv(65536)
        return (time.monotonic(), data) if data else None

    try:
        resp.started = time.monotonic()
        sock.sendall(raw)
        return _parse(_Reader(recv), resp, method, on_head, on_piece, stop_after_chunks, stop_after_bytes)
    except (ConnectionResetError, BrokenPipeError, socket.timeout):
        return resp
    finally:
        sock.close()


def request_many(target, requests, timeout=60.0):
    """Sends several requests at once, each on its own connection, from one thread, and returns their responses.

    requests: [{"method", "path", "headers", "body"}] (keys optional, as for `request`). One thread reading
    every socket as data arrives stamps arrivals more faithfully than a thread per request would: no request
    waits for the interpreter to get round to its thread.
    """
    socks, raws, reads, responses = [], [], [], []
    selector = selectors.DefaultSelector()
    try:
        for spec in requests:
            method = spec.get("method", "GET")
            host, port, raw = _encode(target, method, spec.get("path"), spec.get("headers"), spec.get("body"))
            sock = socket.create_connection((host, port), timeout=timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            socks.append(sock)
            raws.append(raw)
            reads.append([])
            responses.append(Response())
        # Connected first, then sent back to back: the requests reach the server as close together as they can.
        for i, raw in enumerate(raws):
            responses[i].started = time.monotonic()
            socks[i].sendall(raw)
            socks[i].setblocking(False)
            selector.register(socks[i], selectors.EVENT_READ, i)
        open_count = len(socks)
        deadline = time.monotonic() + timeout
        while open_count and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=max(0.0, deadline - time.monotonic())):
                i = key.data
                try:
                    data = socks[i].recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except ConnectionResetError:
                    data = b""
                if data:
                    reads[i].append((time.monotonic(), data))
                else:
                    selector.unregister(socks[i])
                    open_count -= 1
    finally:
        selector.close()
        for sock in socks:
            sock.close()
    for i, spec in enumerate(requests):
        replay = iter(reads[i])
        _parse(_Reader(lambda replay=replay: next(replay, None)), responses[i], spec.get("method", "GET"))
    return responses
