"""A recording Lambda Runtime API on 127.0.0.1 for wire-level tests of bootstrap.

It serves queued invocations on GET /next and records every request exactly as it arrived:
the head bytes, each HTTP chunk of a chunked body (with the time it arrived), and trailers.
Written on raw sockets so the test sees the wire, not a framework's view of it.
"""

import json
import queue
import socket
import threading
import time
import uuid


class Recorded:
    def __init__(self, method, path, headers, head_bytes):
        self.method = method
        self.path = path
        self.headers = headers  # list of (name, value) in wire order
        self.head_bytes = head_bytes
        self.chunks = []  # list of (monotonic time, bytes) for chunked bodies
        self.body = b""
        self.trailers = []
        self.raw_tail = b""  # exact bytes of the chunked terminator and trailers
        self.done = threading.Event()
        self.status_sent = None

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


class RuntimeStub:
    """`events` are (headers dict, body bytes) tuples served in order by GET /next."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.events = queue.Queue()
        self.requests = []
        self.request_added = threading.Condition()
        self.closing = False
        # When set, a streamed /response connection is closed after this many body chunks.
        self.cut_after_chunks = None
        self.response_status = 202
        self.next_waiters = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def push(self, body, request_id=None, deadline_ms=None, extra_headers=None, omit=()):
        request_id = request_id or str(uuid.uuid4())
        headers = {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(deadline_ms or int(time.time() * 1000) + 60_000),
            "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:123456789012:function:test",
            "Lambda-Runtime-Trace-Id": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
        }
        headers.update(extra_headers or {})
        for name in omit:
            headers.pop(name, None)
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.events.put((headers, body))
        return request_id

    def wait_for(self, predicate, timeout=10):
        deadline = time.time() + timeout
        seen = 0
        with self.request_added:
            while True:
                # Only look at requests recorded since the last wake-up: long runs record 20,000 of them.
                for r in self.requests[seen:]:
                    if predicate(r):
                        return r
                seen = len(self.requests)
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError("no matching request recorded")
                self.request_added.wait(left)

    def wait_done(self, predicate, timeout=10):
        r = self.wait_for(predicate, timeout)
        if not r.done.wait(timeout):
            raise TimeoutError(f"request {r.method} {r.path} never completed")
        return r

    def close(self):
        self.closing = True
        try:
            self.sock.close()
        except OSError:
            pass

    # --- server side ---

    def _accept(self):
        while not self.closing:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        reader = conn.makefile("rb")
        try:
            while True:
                head = b""
                line = reader.readline()
                if not line:
                    return
                head += line
                request_line = line.decode("latin-1").strip()
                headers = []
                while True:
                    line = reader.readline()
                    if not line:
                        return
                    head += line
                    if line in (b"\r\n", b"\n"):
                        break
                    k, _, v = line.decode("latin-1").partition(":")
                    headers.append((k.strip(), v.strip()))
                method, path, _ = request_line.split(" ", 2)
                rec = Recorded(method, path, headers, head)
                with self.request_added:
                    self.requests.append(rec)
                    self.request_added.notify_all()
                te = rec.header("Transfer-Encoding")
                cut = False
                if te and "chunked" in te.lower():
                    count = 0
                    while True:
                        size_line = reader.readline()
                        if not size_line:
                            return
                        size = int(size_line.strip().split(b";")[0], 16)
                        if size == 0:
                            rec.raw_tail += size_line
                            while True:
                                t = reader.readline()
                                rec.raw_tail += t
                                if t in (b"\r\n", b"\n", b""):
                                    break
                                k, _, v = t.decode("latin-1").partition(":")
                                rec.trailers.append((k.strip(), v.strip()))
                            break
                        data = reader.read(size)
                        reader.read(2)
                        rec.chunks.append((time.monotonic(), data))
                        rec.body += data
                        count += 1
                        if self.cut_after_chunks is not None and "/response" in path and count >= self.cut_after_chunks:
                            cut = True
                            break
                else:
                    length = int(rec.header("Content-Length") or 0)
                    rec.body = reader.read(length) if length else b""
                if cut:
                    rec.done.set()
                    conn.shutdown(socket.SHUT_RDWR)
                    conn.close()
                    return
                self._respond(conn, rec)
                rec.done.set()
        except (OSError, ValueError):
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _respond(self, conn, rec):
        if rec.method == "GET" and rec.path.endswith("/runtime/invocation/next"):
            while True:
                try:
                    headers, body = self.events.get(timeout=0.2)
                    break
                except queue.Empty:
                    if self.closing:
                        return
            lines = ["HTTP/1.1 200 OK", "Content-Type: application/json", f"Content-Length: {len(body)}"]
            lines += [f"{k}: {v}" for k, v in headers.items()]
            conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            rec.status_sent = 200
            return
        if rec.path.endswith("/response"):
            status = self.response_status
            if rec.header("Transfer-Encoding") is None and len(rec.body) > 6 * 1024 * 1024 + 100:
                status = 413
        else:
            status = 202
        payload = b'{"status":"OK"}' if status == 202 else b'{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}'
        reason = {202: "Accepted", 413: "Request Entity Too Large"}.get(status, "Status")
        conn.sendall(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )
        rec.status_sent = status


def url_event(method="POST", path="/echo", body="", query=None, headers=None, is_base64=False):
    """A minimal Function URL (payload 2.0) event."""
    query = query or {}
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in query.items()),
        "headers": headers or {"content-type": "application/json"},
        "queryStringParameters": query or None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "127.0.0.1",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "test"},
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": "21/Nov/2026:00:00:00 +0000",
            "timeEpoch": int(time.time() * 1000),
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }
