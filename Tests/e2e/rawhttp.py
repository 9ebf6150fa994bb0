"""A raw-socket HTTP/1.1 client that records when each response chunk arrives.

Libraries like requests/urllib hide chunk boundaries and buffer; streaming tests need the wire view.
"""

import socket
import time


class Response:
    def __init__(self):
        self.status = 0
        self.headers = []          # [(lower-case name, value)] in wire order
        self.body = b""
        self.chunks = []           # [(monotonic arrival time, bytes)] one per HTTP chunk
        self.complete = False      # the body ended properly (0-chunk or full Content-Length)
        self.head_time = None

    def header(self, name):
        values = [v for n, v in self.headers if n == name.lower()]
        return ", ".join(values) if values else None

    def header_list(self, name):
        return [v for n, v in self.headers if n == name.lower()]


class _Reader:
    def __init__(self, sock):
        self.sock, self.buf, self.eof = sock, b"", False

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            self.eof = True
            return False
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


def request(port, method="GET", path="/", headers=None, body=b"", timeout=15.0, on_head=None, stop_after_chunks=None):
    """Sends one request on a fresh connection and reads the whole response (or until the server closes).

    stop_after_chunks: close the socket after that many body chunks (simulates a client that goes away).
    """
    headers = dict(headers or {})
    headers.setdefault("Host", f"127.0.0.1:{port}")
    headers.setdefault("Connection", "close")
    if body or method in ("POST", "PUT", "PATCH"):
        headers.setdefault("Content-Length", str(len(body)))
    lines = [f"{method} {path} HTTP/1.1"]
    for k, v in headers.items():
        for item in (v if isinstance(v, list) else [v]):
            lines.append(f"{k}: {item}")
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    resp = Response()
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        r = _Reader(sock)
        head = r.until(b"\r\n\r\n")
        if head is None:
            return resp
        resp.head_time = time.monotonic()
        text = head.decode("latin-1").split("\r\n")
        resp.status = int(text[0].split(" ")[1])
        for line in text[1:]:
            name, value = line.split(":", 1)
            resp.headers.append((name.strip().lower(), value.strip()))
        if on_head:
            on_head(resp)
        if method == "HEAD" or resp.status in (204, 304):
            resp.complete = True
            return resp
        if (resp.header("transfer-encoding") or "").lower() == "chunked":
            while True:
                size_line = r.until(b"\r\n")
                if size_line is None:
                    return resp
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    r.until(b"\r\n\r\n") if not r.buf.startswith(b"\r\n") else r.exactly(2)
                    resp.complete = True
                    return resp
                data = r.exactly(size)
                if data is None or r.exactly(2) is None:
                    return resp
                resp.chunks.append((time.monotonic(), data))
                resp.body += data
                if stop_after_chunks is not None and len(resp.chunks) >= stop_after_chunks:
                    return resp
        elif resp.header("content-length") is not None:
            data = r.exactly(int(resp.header("content-length")))
            if data is not None:
                resp.body = data
                resp.complete = True
        else:
            while r.fill():
                pass
            resp.body = r.buf
        return resp
    except (ConnectionResetError, socket.timeout):
        return resp
    finally:
        sock.close()
