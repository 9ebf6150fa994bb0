#!/usr/bin/env python3
"""TLS check of a built `bootstrap` (run by package_lambda.sh on every package; Python stdlib + openssl CLI).

    scripts/package/check_tls.py BOOTSTRAP [--expect-static-openssl]

With a static OpenSSL the binary keeps the build machine's default certificate paths, which Amazon Linux does
not have, so the runtime must hand curl a CA bundle itself (SSL_CERT_FILE, else the first bundle that exists).
This drives the real binary as the gateway against an AgentCore-compatible HTTPS upstream on 127.0.0.1 whose
certificate comes from a throw-away CA:

  1. SSL_CERT_FILE = that CA: the relay must deliver every upstream event and a `complete` frame, and the
     upstream must have seen a SigV4-signed POST over TLS.
  2. SSL_CERT_FILE = an unrelated CA: certificate verification must fail — a 502 (or an `error` frame) naming
     the certificate, no chunk, and the upstream never sees a request. (Without this half, a build that skipped
     verification would pass.)
  3. No SSL_CERT_FILE, the test CA at Amazon Linux's /etc/pki/tls/certs/ca-bundle.crt: the relay must work, so
     the runtime finds Amazon Linux's bundle before Debian's. The file is put there by an overlay on /etc in a
     private mount namespace (root and `unshare` needed; otherwise this case is reported as skipped), so the host
     never sees it.

With --expect-static-openssl it also fails when the binary loads libssl/libcrypto dynamically, and prints the
OpenSSL version compiled in. Exit 0 = all good; 1 = a check failed (the reason is printed).
"""

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/tls-check"
EVENTS = ["tls-one", "tls-two", "tls-three"]


def fail(msg):
    print(f"check_tls: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"openssl {' '.join(args)}: {r.stderr.strip()}")


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.pem",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign", cwd=d)


def make_server_cert(d):
    make_ca(d, "ca")
    make_ca(d, "other-ca")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", "server.key", "-out", "server.csr", cwd=d)
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem", cwd=d)


def read_head(conn, buf=b""):
    while b"\r\n\r\n" not in buf:
        d = conn.recv(65536)
        if not d:
            raise EOFError("closed before the request head")
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:] if ":" in l)}
    return method, path, headers, rest


def read_exact(conn, rest, n):
    while len(rest) < n:
        d = conn.recv(65536)
        if not d:
            raise EOFError("closed mid-body")
        rest += d
    return rest[:n], rest[n:]


class Upstream:
    """AgentCore-compatible HTTPS upstream: one SSE stream of EVENTS per POST …/invocations."""

    def __init__(self, d):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(d, "server.pem"), os.path.join(d, "server.key"))
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.ctx = ctx
        self.requests = []  # (path, authorization header) of requests that completed the handshake
        self.handshake_errors = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw):
        try:
            conn = self.ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.handshake_errors.append(str(e))
            raw.close()
            return
        try:
            method, path, headers, rest = read_head(conn)
            read_exact(conn, rest, int(headers.get("content-length", "0")))
            self.requests.append((method, path, headers.get("authorization", "")))
            body = b"".join(b'data: "%s"\n\n' % e.encode() for e in EVENTS)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" + body)
            conn.close()
        except (EOFError, OSError, ValueError):
            conn.close()


class RuntimeAPI:
    """Plain-HTTP Runtime API stub: answers the first GET /next with one Function URL event, returns the
    streamed /response body (chunk payloads joined), holds later GET /next open."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.result = None
        self.done = threading.Event()
        self.served = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        rest = b""
        try:
            while True:
                method, path, headers, rest = read_head(conn, rest)
                if path.endswith("/invocation/next"):
                    if self.served:
                        time.sleep(3600)
                    self.served = True
                    event = json.dumps({
                        "version": "2.0", "rawPath": "/", "rawQueryString": "",
                        "headers": {"content-type": "application/json"},
                        "requestContext": {"http": {"method": "POST", "path": "/", "sourceIp": "127.0.0.1"}, "requestId": "tls"},
                        "body": json.dumps({"prompt": "tls check"}), "isBase64Encoded": False,
                    }).encode()
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        b"Lambda-Runtime-Aws-Request-Id: %s\r\nLambda-Runtime-Deadline-Ms: %d\r\n"
                        b"Content-Length: %d\r\n\r\n" % (str(uuid.uuid4()).encode(), int(time.time() * 1000) + 60_000, len(event)) + event)
                    continue
                if headers.get("transfer-encoding", "").lower() == "chunked":
                    payload = b""
                    while True:
                        while b"\r\n" not in rest:
                            rest += conn.recv(65536) or b""
                        line, rest = rest.split(b"\r\n", 1)
                        size = int(line.split(b";")[0], 16)
                        if size == 0:
                            while b"\r\n\r\n" not in b"\r\n" + rest:
                                rest += conn.recv(65536) or b""
                            rest = (b"\r\n" + rest).split(b"\r\n\r\n", 1)[1]
                            break
                        chunk, rest = read_exact(conn, rest, size + 2)
                        payload += chunk[:size]
                else:
                    payload, rest = read_exact(conn, rest, int(headers.get("content-length", "0")))
                conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
                self.result = (path, payload)
                self.done.set()
        except (EOFError, OSError, ValueError):
            conn.close()


def run_once(bootstrap, ca_file, upstream, log, wrapper=()):
    api = RuntimeAPI()
    env = {
        "PATH": "/usr/bin:/bin",
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{api.port}",
        "AGENTCORE_RUNTIME_ARN": ARN,
        "AGENTCORE_ENDPOINT": f"https://127.0.0.1:{upstream.port}",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIDTLSCHECKTLSCHECK",
        "AWS_SECRET_ACCESS_KEY": "tlschecktlschecktlschecktlschecktlscheck",
        "AWS_LAMBDA_FUNCTION_NAME": "tls-check",
    }
    if ca_file:
        env["SSL_CERT_FILE"] = ca_file
    proc = subprocess.Popen([*wrapper, bootstrap], env=env, stdout=log, stderr=log)
    try:
        if not api.done.wait(30):
            fail(f"no response from bootstrap within 30 s (exit status {proc.poll()}; log {log.name})")
        return api.result
    finally:
        proc.kill()
        proc.wait()


def amazon_linux_ca_namespace(d):
    """A command prefix that runs its command with the test CA at /etc/pki/tls/certs/ca-bundle.crt, through an
    overlay on /etc in a private mount namespace; None where that cannot be done (not root, no unshare/overlay)."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return None
    upper, work = os.path.join(d, "etc-upper"), os.path.join(d, "etc-work")
    os.makedirs(os.path.join(upper, "pki", "tls", "certs"))
    os.makedirs(work)
    shutil.copy(os.path.join(d, "ca.pem"), os.path.join(upper, "pki", "tls", "certs", "ca-bundle.crt"))
    wrapper = ["unshare", "-m", "--propagation", "private", "sh", "-c",
               f"mount -t overlay overlay -o lowerdir=/etc,upperdir={upper},workdir={work} /etc && exec \"$0\""]
    probe = subprocess.run(wrapper + ["/bin/true"], capture_output=True)
    return wrapper if probe.returncode == 0 else None


def frames_of(payload):
    out = []
    for m in re.finditer(rb"data: (\{.*?\})\n\n", payload):
        try:
            out.append(json.loads(m.group(1)))
        except ValueError:
            pass
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1 or not os.access(args[0], os.X_OK):
        print(__doc__, file=sys.stderr)
        return 2
    bootstrap = os.path.abspath(args[0])
    if "--expect-static-openssl" in sys.argv:
        ldd = subprocess.run(["ldd", bootstrap], capture_output=True, text=True).stdout
        if re.search(r"lib(ssl|crypto)\.so", ldd):
            fail(f"OpenSSL should be linked statically, but the binary loads it:\n{ldd}")
        with open(bootstrap, "rb") as f:
            m = re.search(rb"OpenSSL \d+\.\d+\.\d+[a-z]*\s+\d+ \w+ \d{4}", f.read())
        if not m:
            fail("no OpenSSL version string in the binary")
        print(f"check_tls: static {m.group(0).decode()} (no libssl/libcrypto loaded)")
    with tempfile.TemporaryDirectory(prefix="check_tls.") as d:
        make_server_cert(d)
        upstream = Upstream(d)
        with open(os.path.join(d, "bootstrap.log"), "w+b") as log:
            path, payload = run_once(bootstrap, os.path.join(d, "ca.pem"), upstream, log)
            frames = frames_of(payload)
            chunks = [f.get("data") for f in frames if f.get("type") == "chunk"]
            if chunks != EVENTS or frames[-1].get("type") != "complete":
                log.seek(0)
                fail(f"relay over TLS with SSL_CERT_FILE=ca.pem: expected chunks {EVENTS} then complete, got {frames} "
                     f"(response to {path}; upstream handshake errors {upstream.handshake_errors}; bootstrap log: {log.read().decode()[-2000:]})")
            if len(upstream.requests) != 1 or not upstream.requests[0][2].startswith("AWS4-HMAC-SHA256 "):
                fail(f"upstream requests over TLS: {upstream.requests}")
            print(f"check_tls: ok  SSL_CERT_FILE=<test CA>: {len(chunks)} events relayed over TLS from https://127.0.0.1:{upstream.port}")

            upstream.requests.clear()
            path, payload = run_once(bootstrap, os.path.join(d, "other-ca.pem"), upstream, log)
            frames = frames_of(payload)
            prelude = re.match(rb'\{"statusCode":(\d+)', payload)
            refused = (frames and frames[-1].get("type") == "error") or (prelude and int(prelude.group(1)) >= 500)
            if not refused or any(f.get("type") == "chunk" for f in frames) or upstream.requests or b"certificate" not in payload:
                fail(f"with an unrelated CA the certificate must be refused; upstream saw {upstream.requests}; "
                     f"response to {path}: {payload[:500]!r}")
            print(f"check_tls: ok  SSL_CERT_FILE=<unrelated CA>: refused, upstream saw no request "
                  f"({payload.split(bytes(8))[-1][:160].decode(errors='replace')})")

            wrapper = amazon_linux_ca_namespace(d)
            if wrapper is None:
                print("check_tls: skipped  Amazon Linux CA path (needs root and unshare for a private mount namespace)")
                return 0
            upstream.requests.clear()
            path, payload = run_once(bootstrap, None, upstream, log, wrapper)
            frames = frames_of(payload)
            chunks = [f.get("data") for f in frames if f.get("type") == "chunk"]
            if chunks != EVENTS or frames[-1].get("type") != "complete" or len(upstream.requests) != 1:
                fail(f"without SSL_CERT_FILE, the CA at /etc/pki/tls/certs/ca-bundle.crt was not used: frames {frames}; "
                     f"response to {path}: {payload[:500]!r}")
            print("check_tls: ok  no SSL_CERT_FILE, CA at /etc/pki/tls/certs/ca-bundle.crt (Amazon Linux's path): relayed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
