"""An upstream whose every answer a test scripts: AgentCore's InvokeAgentRuntime and StopRuntimeSession, and
Mastra's stream route, on one raw-socket server (so a script can send any bytes, stall, or reset).

    up = ScriptedUpstream()
    up.script = [("head", 200, "text/event-stream"), ("send", b"data: \"hi\"\\n\\n"), ("sleep", 0.5), ("end",)]
    ... up.invocations (recorded requests), up.stops (StopRuntimeSession session ids), up.url

Script steps: ("head", status, content_type) starts a chunked answer; ("send", bytes) one chunk; ("sleep", s);
("wait_stop",) waits until a StopRuntimeSession names this call's session (or 30 s); ("reset",) closes the
connection abruptly; ("end",) ends the chunked body; ("json", status, obj) a whole JSON answer instead.
`script` may also be a function of the recorded request returning a script (per-call scripts).
"""

import json
import socket
import threading
import time


class Call:
    def __init__(self, method, path, headers, body):
        self.method, self.path, self.headers, self.body = method, path, headers, body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body)


class ScriptedUpstream:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.lock = threading.Condition()
        self.invocations = []
        self.stops = []
        self.stop_status = 200
        self.script = [("head", 200, "text/event-stream"), ("send", b'data: "ok"\n\n'), ("end",)]
        self.closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.closing = True
        with self.lock:
            self.lock.notify_all()
        try:
            self.sock.close()
        except OSError:
            pass

    def wait_for_stops(self, count=1, timeout=10):
        return self._wait_until(lambda: len(self.stops) >= count, timeout)

    def wait_for_invocations(self, count, timeout=10):
        return self._wait_until(lambda: len(self.invocations) >= count, timeout)

    def _wait_until(self, done, timeout):
        deadline = time.monotonic() + timeout
        with self.lock:
            while not done():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.lock.wait(left)
        return True

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
                line = reader.readline()
                if not line:
                    return
                method, path, _ = line.decode("latin-1").split(" ", 2)
                headers = {}
                while True:
                    line = reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    k, _, v = line.decode("latin-1").partition(":")
                    headers[k.strip().lower()] = v.strip()
                length = int(headers.get("content-length") or 0)
                body = reader.read(length) if length else b""
                call = Call(method, path, headers, body)
                if "/stopruntimesession" in path:
                    with self.lock:
                        self.stops.append(call)
                        self.lock.notify_all()
                    payload = json.dumps({"runtimeSessionId": headers.get("x-amzn-bedrock-agentcore-runtime-session-id"),
                                          "statusCode": self.stop_status}).encode()
                    extra = "" if self.stop_status == 200 else "x-amzn-ErrorType: ResourceNotFoundException\r\n"
                    conn.sendall(f"HTTP/1.1 {self.stop_status} X\r\nContent-Type: application/json\r\n{extra}"
                                 f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
                    continue
                if method == "GET":
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    continue
                with self.lock:
                    self.invocations.append(call)
                    self.lock.notify_all()
                script = self.script(call) if callable(self.script) else self.script
                if not self._play(conn, call, script):
                    return
        except (OSError, ValueError):
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def _play(self, conn, call, script):
        """Plays one answer; False when the connection must not be reused."""
        session = call.header("x-amzn-bedrock-agentcore-runtime-session-id")
        for step in script:
            kind = step[0]
            if kind == "head":
                conn.sendall(f"HTTP/1.1 {step[1]} X\r\nContent-Type: {step[2]}\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
            elif kind == "send":
                data = step[1]
                conn.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            elif kind == "sleep":
                time.sleep(step[1])
            elif kind == "wait_stop":
                deadline = time.monotonic() + 30
                with self.lock:
                    while not any(s.header("x-amzn-bedrock-agentcore-runtime-session-id") == session for s in self.stops):
                        left = deadline - time.monotonic()
                        if left <= 0 or self.closing:
                            break
                        self.lock.wait(left)
                return False  # a stopped session's stream ends with the connection
            elif kind == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                return False
            elif kind == "end":
                conn.sendall(b"0\r\n\r\n")
            elif kind == "json":
                payload = json.dumps(step[2]).encode() if not isinstance(step[2], bytes) else step[2]
                conn.sendall(f"HTTP/1.1 {step[1]} X\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
                             + payload)
        return True
