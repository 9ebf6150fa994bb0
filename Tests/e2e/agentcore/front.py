"""A local stand-in for the Bedrock AgentCore data-plane front door (InvokeAgentRuntime, StopRuntimeSession), for
end-to-end tests.

It does what the real service does on the path the gateway uses, so the gateway's SigV4 signing, URL encoding,
header forwarding, streaming relay and error mapping are tested against something that can say no:

* accepts `POST /runtimes/{percent-encoded ARN}/invocations?qualifier=...`;
* verifies SigV4 by recomputing the signature with botocore (`botocore.auth.SigV4Auth`) over exactly the headers
  the request lists in SignedHeaders, at the request's own X-Amz-Date, with the known test secret; a bad or
  missing signature gets AWS's 403 JSON (`x-amzn-ErrorType: InvalidSignatureException` /
  `MissingAuthenticationTokenException` / `UnrecognizedClientException`);
* checks the session id length like AWS (33-256, else 400 ValidationException);
* forwards the body and the session / user / custom headers to the agent's `POST /invocations` and relays the
  answer chunk by chunk as it arrives (no buffering; TCP_NODELAY), adding the session id response header;
* fault injection: runtime names `fault-<status>[-...]`, `fault-reset-<bytes>[-...]`, `fault-refuse[-...]`,
  `fault-hang-<seconds>[-...]`, or `POST /__control` (JSON below), consumed by the next invocation(s);
* StopRuntimeSession (`POST /runtimes/{ARN}/stopruntimesession?qualifier=...`, session header, body
  `{"clientToken"}`): signature verified the same way; a session with an invocation since its last stop is
  stopped — its in-flight streams are cut at once (the agent connection is shut, the client's chunked body ends,
  the connection closes) — and the answer is 200 with the session header and `{}` (botocore's model has no body
  members). Anything else as AWS answers it: 404 ResourceNotFoundException for a session that is not running,
  200 again for a repeated clientToken, 409 ConflictException for a clientToken reused on another session,
  400 ValidationException for a missing session header or a bad clientToken;
* records every request; `GET /__requests` returns them, `DELETE /__requests` clears them (and the stop
  records); `GET /__stops` lists the StopRuntimeSession calls (session, arn, qualifier, clientToken, status,
  streams_cut, signature_valid, time).

Control: POST /__control with one fault object or {"faults": [...]} (queued FIFO), or {"clear": true}.
  {"status": 429, "error_type": "ThrottlingException", "message": "Rate exceeded", "times": 3}
  {"reset_after_bytes": 100}          relay the agent's body, then RST the connection after 100 body bytes
  {"action": "refuse"}                RST right after reading the request (no response at all)
  {"action": "hang", "seconds": 30}   send nothing for that long, then close
  {"delay_ms": 500}                   wait before answering (time to first byte)
  "times": n (default 1; -1 = until cleared). Faults apply after the signature check, to InvokeAgentRuntime
  unless the fault says "operation": "StopRuntimeSession" (only "status" faults apply to stops; so do the
  runtime-name `fault-<status>` ones).
GET /__control shows the queue. GET /__health answers 200.

Run: python front.py --port 0 --agent-url http://127.0.0.1:PORT --access-key-id AKID --secret-access-key SECRET
Prints `LISTENING 127.0.0.1:<port>` on stdout once bound (port 0 = any free port).
"""

import argparse
import base64
import calendar
import hmac
import json
import os
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid
import http.client
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

SERVICE = "bedrock-agentcore"
SESSION_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"
USER_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-User-Id"
CUSTOM_PREFIX = "x-amzn-bedrock-agentcore-runtime-custom-"
INVOKE_PATH = re.compile(r"^/runtimes/([^/]+)/invocations$")
STOP_PATH = re.compile(r"^/runtimes/([^/]+)/stopruntimesession$")
INVOKE, STOP = "InvokeAgentRuntime", "StopRuntimeSession"
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
DEFAULT_ERROR_TYPES = {
    400: "ValidationException",
    402: "ServiceQuotaExceededException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    409: "RetryableConflictException",
    424: "RuntimeClientError",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}


class PinnedSigV4(SigV4Auth):
    """botocore's SigV4 computation over exactly the headers the client said it signed.

    botocore as a *client* drops User-Agent/X-Amzn-Trace-Id and adds Host; as a *verifier* we must sign what the
    request lists, as AWS does, so headers_to_sign is overridden. The timestamp comes from the request (set in
    request.context), never from the clock, so no global patching is needed and threads stay independent.
    """

    def __init__(self, credentials, service, region, signed_names, received_headers):
        super().__init__(credentials, service, region)
        self._signed_names = signed_names
        self._received = received_headers

    def headers_to_sign(self, request):
        header_map = HTTPHeaders()
        for name in self._signed_names:
            for value in self._received.get_all(name) or []:
                header_map[name] = value
        return header_map

    def compute(self, request, amz_date):
        request.context["timestamp"] = amz_date
        canonical = self.canonical_request(request)
        string_to_sign = self.string_to_sign(request, canonical)
        return self.signature(string_to_sign, request), canonical, string_to_sign


class Relay:
    """One invocation being relayed, so StopRuntimeSession can cut it from another thread."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.stopped = threading.Event()

    def cut(self):
        self.stopped.set()
        sock = getattr(self.upstream, "sock", None)
        if sock is not None:
            try:
                # Unblocks the relay's read from the agent at once; the agent sees its client go away.
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.faults = []
        self.requests = []
        self.stops = []
        self.running = set()     # sessions with an invocation since their last stop (their "microVM" is up)
        self.relays = {}         # session -> set of Relay in flight
        self.tokens = {}         # clientToken -> session it stopped

    def next_fault(self, operation=INVOKE):
        with self.lock:
            for index, fault in enumerate(self.faults):
                if fault.get("operation", INVOKE) != operation:
                    continue
                times = fault.get("times", 1)
                if times != -1:
                    times -= 1
                    if times <= 0:
                        self.faults.pop(index)
                    else:
                        fault["times"] = times
                return dict(fault)
            return None


def fault_from_runtime_name(name):
    """Per-request faults chosen by the ARN's runtime name, so parallel tests need no shared control state."""
    m = re.match(r"^fault-(\d{3})(?:[-_].*)?$", name)
    if m:
        return {"status": int(m.group(1))}
    m = re.match(r"^fault-reset-(\d+)(?:[-_].*)?$", name)
    if m:
        return {"reset_after_bytes": int(m.group(1))}
    if re.match(r"^fault-refuse(?:[-_].*)?$", name):
        return {"action": "refuse"}
    m = re.match(r"^fault-hang-(\d+)(?:[-_].*)?$", name)
    if m:
        return {"action": "hang", "seconds": int(m.group(1))}
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AgentCoreFront/1.0"

    def setup(self):
        super().setup()
        # Each relayed chunk must leave at once; Nagle would hold small SSE events back.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        if self.server.state.args.verbose:
            sys.stderr.write("front: " + (fmt % args) + "\n")

    @property
    def state(self):
        return self.server.state

    # ---------- helpers ----------

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = bytearray()
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_json(self, status, obj, error_type=None, extra_headers=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type)
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_aws_error(self, status, error_type, message, **extra):
        body = {"message": message}
        body.update(extra)
        self.send_json(status, body, error_type=error_type)

    def reset_connection(self):
        # SO_LINGER 0 makes close() send RST: the client sees a reset, not a clean EOF.
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    def record(self, body, **info):
        entry = {
            "method": self.command,
            "path": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": body.decode("utf-8", "replace"),
            "body_b64": base64.b64encode(body).decode(),
            "time": time.time(),
        }
        entry.update(info)
        with self.state.lock:
            self.state.requests.append(entry)
        return entry

    def end_relay_cut(self):
        """Ends the client's chunked body after a cut: no more events; the connection then closes."""
        self.close_connection = True
        try:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            pass

    # ---------- routes ----------

    def do_GET(self):
        if self.path == "/__requests":
            with self.state.lock:
                self.send_json(200, list(self.state.requests))
        elif self.path == "/__control":
            with self.state.lock:
                self.send_json(200, {"faults": list(self.state.faults)})
        elif self.path == "/__stops":
            with self.state.lock:
                self.send_json(200, list(self.state.stops))
        elif self.path in ("/__health", "/ping"):
            self.send_json(200, {"status": "ok"})
        else:
            self.read_body()
            self.send_aws_error(403, "MissingAuthenticationTokenException", "Missing Authentication Token")

    def do_DELETE(self):
        if self.path == "/__requests":
            with self.state.lock:
                self.state.requests.clear()
                self.state.stops.clear()
            self.send_json(200, {"cleared": True})
        elif self.path == "/__control":
            with self.state.lock:
                self.state.faults.clear()
            self.send_json(200, {"cleared": True})
        else:
            self.send_aws_error(403, "MissingAuthenticationTokenException", "Missing Authentication Token")

    def do_POST(self):
        body = self.read_body()
        if self.path == "/__control":
            return self.control(body)
        parsed = urllib.parse.urlsplit(self.path)
        if STOP_PATH.match(parsed.path):
            return self.stop_runtime_session(body, parsed)
        match = INVOKE_PATH.match(parsed.path)
        if not match:
            # AWS answers unroutable paths (e.g. an ARN whose '/' was not encoded) like this, not with 404.
            self.record(body, outcome="no-route")
            return self.send_aws_error(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
        arn = urllib.parse.unquote(match.group(1))
        verdict = self.verify_signature(body)
        entry = self.record(body, arn=arn, query=parsed.query, signature_valid=verdict is None,
                            outcome="rejected" if verdict else "accepted")
        if verdict:
            entry["rejection"] = verdict[1]
            return self.send_aws_error(*verdict)

        session = self.headers.get(SESSION_HEADER)
        if session is not None and not (33 <= len(session) <= 256):
            entry["outcome"] = "invalid-session"
            return self.send_aws_error(
                400, "ValidationException",
                "1 validation error detected: Value at 'runtimeSessionId' failed to satisfy constraint: "
                "Member must have length between 33 and 256",
                reason="FieldValidationFailed",
                fieldList=[{"name": "runtimeSessionId", "message": "Member must have length between 33 and 256"}],
            )
        if not arn.startswith("arn:aws") or ":runtime/" not in arn:
            entry["outcome"] = "bad-arn"
            return self.send_aws_error(400, "ValidationException", f"Invalid agent runtime ARN: {arn}",
                                       reason="FieldValidationFailed")
        session = session or str(uuid.uuid4())
        with self.state.lock:
            self.state.running.add(session)
        fault = self.state.next_fault() or fault_from_runtime_name(arn.split(":runtime/", 1)[1]) or {}
        entry["fault"] = fault
        if fault.get("delay_ms"):
            time.sleep(fault["delay_ms"] / 1000.0)
        if fault.get("action") == "refuse":
            return self.reset_connection()
        if fault.get("action") == "hang":
            time.sleep(float(fault.get("seconds", 30)))
            self.close_connection = True
            return None
        if fault.get("status"):
            status = int(fault["status"])
            error_type = fault.get("error_type") or DEFAULT_ERROR_TYPES.get(status, "InternalServerException")
            return self.send_aws_error(status, error_type, fault.get("message") or f"injected {error_type}")
        return self.relay(body, session, fault.get("reset_after_bytes"))

    def stop_runtime_session(self, body, parsed):
        """StopRuntimeSession as botocore's model describes it: idempotent by clientToken, 200 with the session
        header and no body members, and the session's running invocation ends ("stops any ongoing streaming
        responses")."""
        arn = urllib.parse.unquote(STOP_PATH.match(parsed.path).group(1))
        qualifier = urllib.parse.parse_qs(parsed.query).get("qualifier", [None])[0]
        session = self.headers.get(SESSION_HEADER)
        verdict = self.verify_signature(body)
        entry = self.record(body, operation=STOP, arn=arn, query=parsed.query, signature_valid=verdict is None,
                            outcome="rejected" if verdict else "accepted")
        stop = {"session": session, "arn": arn, "qualifier": qualifier, "clientToken": None,
                "signature_valid": verdict is None, "streams_cut": 0, "time": time.time()}

        def answer(status, error_type=None, message=None, **extra):
            stop["status"] = status
            with self.state.lock:
                self.state.stops.append(stop)
            if error_type:
                entry["outcome"] = error_type
                return self.send_aws_error(status, error_type, message, **extra)
            return self.send_json(200, {}, extra_headers=[(SESSION_HEADER, session)])

        if verdict:
            entry["rejection"] = verdict[1]
            return answer(*verdict)
        if session is None or not (33 <= len(session) <= 256):
            return answer(400, "ValidationException",
                          "1 validation error detected: Value at 'runtimeSessionId' failed to satisfy constraint: "
                          "Member must have length between 33 and 256", reason="FieldValidationFailed",
                          fieldList=[{"name": "runtimeSessionId",
                                      "message": "Member must have length between 33 and 256"}])
        if not arn.startswith("arn:aws") or ":runtime/" not in arn:
            return answer(400, "ValidationException", f"Invalid agent runtime ARN: {arn}", reason="FieldValidationFailed")
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return answer(400, "ValidationException", "Could not parse the request body", reason="CannotParse")
        token = payload.get("clientToken") if isinstance(payload, dict) else None
        # botocore's ClientToken shape: 33-256 characters, pattern [a-zA-Z0-9](-*[a-zA-Z0-9]){0,256} (a UUID fits).
        if token is not None and not (isinstance(token, str) and 33 <= len(token) <= 256
                                      and re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,256}", token)):
            return answer(400, "ValidationException", "Value at 'clientToken' failed to satisfy constraint",
                          reason="FieldValidationFailed",
                          fieldList=[{"name": "clientToken", "message": "Member must have length between 33 and 256"}])
        stop["clientToken"] = token
        fault = self.state.next_fault(STOP) or fault_from_runtime_name(arn.split(":runtime/", 1)[1]) or {}
        if fault.get("status"):
            status = int(fault["status"])
            error_type = fault.get("error_type") or DEFAULT_ERROR_TYPES.get(status, "InternalServerException")
            return answer(status, error_type, fault.get("message") or f"injected {error_type}")
        with self.state.lock:
            owner = self.state.tokens.get(token) if token else None
            relays = []
            if owner is not None:
                outcome = "stopped-again" if owner == session else "token-conflict"
            elif session in self.state.running:
                outcome = "stopped"
                self.state.running.discard(session)
                relays = list(self.state.relays.pop(session, ()))
                if token:
                    self.state.tokens[token] = session
            else:
                outcome = "not-running"
        if outcome == "token-conflict":
            return answer(409, "ConflictException", "The clientToken was already used to stop another session")
        if outcome == "not-running":
            return answer(404, "ResourceNotFoundException", f"Session {session} not found")
        for relay in relays:
            relay.cut()
        stop["streams_cut"] = len(relays)
        entry["outcome"] = outcome
        return answer(200)

    def control(self, body):
        try:
            spec = json.loads(body or b"{}")
        except ValueError as e:
            return self.send_json(400, {"message": f"bad control JSON: {e}"})
        with self.state.lock:
            if isinstance(spec, dict) and spec.get("clear"):
                self.state.faults.clear()
            elif isinstance(spec, dict) and "faults" in spec:
                self.state.faults.extend(spec["faults"])
            else:
                self.state.faults.append(spec)
            queue = list(self.state.faults)
        self.send_json(200, {"faults": queue})

    # ---------- SigV4 ----------

    def verify_signature(self, body):
        """None when valid, else (status, error_type, message) as AWS would answer."""
        args = self.state.args
        auth = self.headers.get("Authorization")
        if not auth:
            return 403, "MissingAuthenticationTokenException", "Missing Authentication Token"
        m = re.match(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,\s*"
                     r"SignedHeaders=([a-z0-9;\-]+),\s*Signature=([0-9a-f]{64})$", auth.strip())
        if not m:
            return 403, "IncompleteSignatureException", f"Authorization header requires 'Credential', " \
                                                        f"'SignedHeaders' and 'Signature': {auth}"
        access_key, date_stamp, region, service, signed, signature = m.groups()
        if access_key != args.access_key_id:
            return 403, "UnrecognizedClientException", "The security token included in the request is invalid."
        if service != SERVICE:
            return 403, "InvalidSignatureException", f"Credential should be scoped to correct service: '{SERVICE}'."
        if args.region and region != args.region:
            return 403, "InvalidSignatureException", \
                f"Credential should be scoped to a valid region, not '{region}'."
        amz_date = self.headers.get("X-Amz-Date")
        if not amz_date or not re.match(r"^\d{8}T\d{6}Z$", amz_date):
            return 403, "IncompleteSignatureException", "Authorization header requires existence of X-Amz-Date."
        if amz_date[:8] != date_stamp:
            return 403, "InvalidSignatureException", "Credential should be scoped to a valid date."
        if args.max_skew > 0:
            signed_at = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
            if abs(time.time() - signed_at) > args.max_skew:
                return 403, "InvalidSignatureException", \
                    f"Signature expired: {amz_date} is now earlier/later than the allowed {args.max_skew}s window."
        signed_names = signed.split(";")
        if "host" not in signed_names:
            return 403, "InvalidSignatureException", "'Host' must be a signed header."
        token = self.headers.get("X-Amz-Security-Token")
        if args.session_token and token != args.session_token:
            return 403, "UnrecognizedClientException", "The security token included in the request is invalid."
        # The client signed the Host it connected to (127.0.0.1:port): verify against the Host we received.
        url = f"http://{self.headers.get('Host', '')}{self.path}"
        # Signed headers also go on the AWSRequest so a signed X-Amz-Content-SHA256 is honoured as the payload hash.
        request = AWSRequest(method=self.command, url=url, data=body,
                             headers={n: self.headers.get(n, "") for n in signed_names if n != "host"})
        auth_calc = PinnedSigV4(Credentials(args.access_key_id, args.secret_access_key, token),
                                SERVICE, region, signed_names, self.headers)
        expected, canonical, string_to_sign = auth_calc.compute(request, amz_date)
        if not hmac.compare_digest(expected, signature):
            if args.verbose:
                sys.stderr.write(f"front: signature mismatch\n--- canonical\n{canonical}\n--- sts\n{string_to_sign}\n")
            # AWS's message includes the canonical string it computed; so do we (helps debugging the gateway).
            return 403, "InvalidSignatureException", (
                f"{SIGNATURE_MISMATCH}\n\nThe Canonical String for this request should have been\n'{canonical}'\n\n"
                f"The String-to-Sign should have been\n'{string_to_sign}'\n")
        return None

    # ---------- relay ----------

    def relay(self, body, session, reset_after):
        agent = urllib.parse.urlsplit(self.state.args.agent_url)
        forward = {"Content-Type": self.headers.get("Content-Type") or "application/json",
                   SESSION_HEADER: session,
                   "X-Amzn-Bedrock-AgentCore-Runtime-Request-Id": str(uuid.uuid4())}
        if self.headers.get("Accept"):
            forward["Accept"] = self.headers["Accept"]
        if self.headers.get(USER_HEADER):
            forward[USER_HEADER] = self.headers[USER_HEADER]
        for name, value in self.headers.items():
            if name.lower().startswith(CUSTOM_PREFIX):
                forward[name] = value
        conn = HTTPConnection(agent.hostname, agent.port or 80, timeout=None)
        relay = Relay(conn)
        with self.state.lock:
            self.state.relays.setdefault(session, set()).add(relay)
        try:
            conn.request("POST", (agent.path.rstrip("/") or "") + "/invocations", body=body, headers=forward)
            resp = conn.getresponse()
        except OSError as e:
            conn.close()
            self.forget(session, relay)
            if relay.stopped.is_set():
                return self.send_aws_error(424, "RuntimeClientError", "The session was stopped")
            return self.send_aws_error(424, "RuntimeClientError", f"Runtime unreachable: {e}")
        try:
            status = resp.status
            if self.state.args.map_agent_errors and status >= 400:
                resp.read()
                return self.send_aws_error(
                    424, "RuntimeClientError",
                    f"Received error ({status}) from runtime. Please check your CloudWatch logs for more information.")
            self.send_response(status)
            self.send_header("Content-Type", resp.getheader("Content-Type") or "application/octet-stream")
            self.send_header(SESSION_HEADER, session)
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            length = resp.getheader("Content-Length")
            chunked = length is None or reset_after is not None
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", length)
            self.end_headers()
            sent = 0
            while True:
                # read1 returns whatever has arrived (within the agent's current chunk) without waiting for more.
                try:
                    data = b"" if relay.stopped.is_set() else resp.read1(65536)
                except (OSError, ValueError, http.client.HTTPException):
                    if not relay.stopped.is_set():
                        raise
                    data = b""
                if relay.stopped.is_set():
                    if chunked:
                        self.end_relay_cut()
                    self.close_connection = True
                    return None
                if not data:
                    break
                if reset_after is not None and sent + len(data) >= reset_after:
                    data = data[: reset_after - sent]
                    if data:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                        self.wfile.flush()
                    return self.reset_connection()
                sent += len(data)
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                else:
                    self.wfile.write(data)
                self.wfile.flush()
            if reset_after is not None:
                return self.reset_connection()
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            conn.close()
            self.forget(session, relay)
        return None

    def forget(self, session, relay):
        with self.state.lock:
            relays = self.state.relays.get(session)
            if relays is not None:
                relays.discard(relay)
                if not relays:
                    del self.state.relays[session]


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=int(os.environ.get("FRONT_PORT", "0")))
    p.add_argument("--agent-url", default=os.environ.get("AGENT_URL", "http://127.0.0.1:8080"))
    p.add_argument("--access-key-id", default=os.environ.get("FRONT_ACCESS_KEY_ID", "AKIDEXAMPLE"))
    p.add_argument("--secret-access-key", default=os.environ.get("FRONT_SECRET_ACCESS_KEY",
                                                                  "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"))
    p.add_argument("--session-token", default=os.environ.get("FRONT_SESSION_TOKEN"),
                   help="when set, X-Amz-Security-Token must equal it")
    p.add_argument("--region", default=os.environ.get("FRONT_REGION"),
                   help="when set, the credential scope must name this region")
    p.add_argument("--max-skew", type=int, default=int(os.environ.get("FRONT_MAX_SKEW", "300")),
                   help="reject X-Amz-Date further than this from now (seconds; 0 = off). AWS uses 300.")
    p.add_argument("--map-agent-errors", action="store_true",
                   default=os.environ.get("FRONT_MAP_AGENT_ERRORS") == "1",
                   help="turn agent 4xx/5xx into 424 RuntimeClientError (what AWS appears to do) instead of "
                        "relaying them verbatim")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    server = Server(("127.0.0.1", args.port), Handler)
    server.state = State(args)
    print(f"LISTENING 127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
