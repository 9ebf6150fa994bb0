"""A deliberately small raw-socket Runtime API client, so tests control every byte and chunk boundary."""

import json
import os
import socket


class RuntimeAPI:
    def __init__(self, address=None):
        address = address or os.environ["AWS_LAMBDA_RUNTIME_API"]
        host, port = address.rsplit(":", 1)
        self.host, self.port = host, int(port)
        self.sock = None

    def _connect(self):
        if self.sock is None:
            self.sock = socket.create_connection((self.host, self.port))
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.sock

    def _read_response(self):
        buf = b""
        while b"\r\n\r\n" not in buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("runtime API closed the connection")
            buf += data
        head, rest = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("runtime API closed mid-body")
            rest += data
        return status, headers, rest[:length]

    def _head(self, method, path, headers):
        lines = [f"{method} /2018-06-01/runtime/{path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def next(self):
        """Blocks until the emulator hands out an event; returns (request_id, headers, event)."""
        sock = self._connect()
        sock.sendall(self._head("GET", "invocation/next", {}))
        status, headers, body = self._read_response()
        assert status == 200, status
        return headers["lambda-runtime-aws-request-id"], headers, json.loads(body)

    def post(self, path, body, headers=None):
        """A buffered POST (Content-Length); returns (status, body)."""
        sock = self._connect()
        headers = dict(headers or {})
        headers["Content-Length"] = str(len(body))
        sock.sendall(self._head("POST", path, headers) + body)
        status, _, answer = self._read_response()
        return status, answer

    def start_stream(self, request_id, content_type="application/vnd.awslambda.http-integration-response"):
        sock = self._connect()
        sock.sendall(self._head("POST", f"invocation/{request_id}/response", {
            "Lambda-Runtime-Function-Response-Mode": "streaming",
            "Transfer-Encoding": "chunked",
            "Trailer": "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
            "Content-Type": content_type,
        }))

    def chunk(self, data):
        """Sends one HTTP chunk immediately."""
        if data:
            self.sock.sendall(b"%x\r\n" % len(data) + data + b"\r\n")

    def end_stream(self, trailers=None):
        """Sends the terminating chunk (with trailers, if any) and returns the emulator's status."""
        tail = b"0\r\n" + b"".join(f"{k}: {v}\r\n".encode() for k, v in (trailers or {}).items()) + b"\r\n"
        self.sock.sendall(tail)
        status, _, _ = self._read_response()
        return status
