"""Soak: mixed traffic through lambda-local and the real bootstrap for SOAK_SECONDS, then a table.

    BOOTSTRAP_BIN=... LAMBDA_LOCAL_BIN=... SOAK_SECONDS=600 python Tests/soak/soak.py      (make soak)

One bootstrap (under lambda-local, with AUTH_MODE=jwt) serves every request, so anything that leaks, wedges or
kills it shows up: lambda-local runs it in the Managed Instances shape (`--max-concurrency`, SOAK_CONCURRENCY,
default 32), so the clients' requests and the streams left running by clients that went away overlap in one
process. (In lambda-local's default classic mode each overlapping request would start another environment, and
restarts and RSS would describe ten processes.) Upstreams are the repo's fakes on 127.0.0.1: an AgentCore-compatible server whose behaviour
the prompt selects (normal, reset mid-stream, stall past the idle timeout, an event over MAX_EVENT_BYTES,
malformed events, an in-band agent error, a 429 before streaming, a slow stream for clients that leave), the
Mastra server (both formats, a failing agent) and a JWKS host that goes down (connection refused, or HTTP 500)
and comes back while the issuer rotates keys. Bad requests (400, 401, 404, 413) are mixed in.

Checks, each of which fails the run (exit 1):
- every request ends with an outcome its scenario allows (a stream's closing frame code, or an HTTP status);
- every stream that was read to the end carries metadata first and exactly one closing frame (`complete` or
  `error`), last;
- every client that went away mid-stream still has bootstrap's invocation log line with an outcome;
- bootstrap never restarts (lambda-local's `started child pid` lines after the first, or a child exit);
- bootstrap's RSS at the end is within 10 MB (plus 25 %) of its RSS after the warm-up.

A sanitized bootstrap soaks the same way: BOOTSTRAP_BIN=.build-tsan/debug/bootstrap (or -asan),
AGENTSTREAM_SANITIZER=thread and TSAN_OPTIONS=log_path=... (reports land in files, as in `make test-sanitize`).
"""

import collections
import json
import os
import pathlib
import random
import re
import sys
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
E2E = HERE.parent / "e2e"
sys.path.insert(0, str(E2E))
sys.path.insert(0, str(E2E / "fakes"))

from common import FakeServer  # noqa: E402
from rawhttp import request  # noqa: E402
from jwks_server import FakeJWKS  # noqa: E402
from jwt_keys import Issuer  # noqa: E402
from local_function import LocalFunction  # noqa: E402
from mastra_server import FakeMastra  # noqa: E402
from procfs import status_kb  # noqa: E402

ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/soak_agent-AbCdEf1234"
MAX_EVENT_BYTES = 4096
IDLE_TIMEOUT_MS = 800
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "4"))
SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
WARMUP_SECONDS = min(30.0, SECONDS / 5)


class SoakAgentCore(FakeServer):
    """InvokeAgentRuntime answering the agent SDK's SSE (`data: <json>` events), the behaviour chosen by the
    prompt (`soak:<mode>`); StopRuntimeSession answers 200 and is counted."""

    def __init__(self):
        self.stops = 0
        super().__init__()
        # A reset or a cancelled stream makes the handler's final flush fail; that is the point, not news.
        self.server.handle_error = lambda request, address: None

    def handle(self, h, rec):
        if rec.method == "POST" and rec.path.endswith("/stopruntimesession"):
            with self.lock:
                self.stops += 1
            h.send_json(200, {"runtimeSessionId": rec.headers.get("x-amzn-bedrock-agentcore-runtime-session-id", "")})
            return
        if not (rec.method == "POST" and rec.path.startswith("/runtimes/") and rec.path.endswith("/invocations")):
            h.send_json(404, {"message": "UnknownOperationException"})
            return
        try:
            mode = json.loads(rec.body).get("prompt", "").removeprefix("soak:")
        except ValueError:
            mode = "normal"
        if mode == "throttle":
            h.send_json(429, {"message": "Rate exceeded"}, headers=[("x-amzn-ErrorType", "ThrottlingException:http://internal/")])
            return
        h.start_chunked(200, "text/event-stream")
        send = lambda obj: h.chunk(f"data: {json.dumps(obj)}\n\n")  # noqa: E731
        try:
            if mode == "normal":
                for i in range(5):
                    send(f"chunk {i} é ✈ \"q\"\n")
                    time.sleep(0.005)
                send({"event": {"contentBlockDelta": {"delta": {"text": "tok"}}}})
            elif mode == "slow":
                for i in range(20):
                    send(f"slow {i}")
                    time.sleep(0.1)
            elif mode == "reset":
                send("before the reset")
                send("and one more")
                h.wfile.flush()
                h.close_connection = True
                h.connection.shutdown(2)  # SHUT_RDWR: the chunked body never ends
                return
            elif mode == "stall":
                send("then silence")
                time.sleep(IDLE_TIMEOUT_MS / 1000 * 2.5)
                send("too late")
            elif mode == "oversized":
                send("a normal event first")
                h.chunk("data: ")
                for _ in range(3):
                    h.chunk("x" * (MAX_EVENT_BYTES // 2))
                h.chunk("\n\n")
            elif mode == "malformed":
                h.chunk("data: not json {\n\n")
                h.chunk("a line that is no field at all\n\n")
                h.chunk(b"data: \xff\xfe invalid utf-8\n\n")
                h.chunk("event: custom\nid: 9\nretry: 5\ndata: {\"a\":\n data: 1}\n\n")
                h.chunk(": a comment\n\n\r\n\r\n")
                h.chunk("data: {\"unterminated\": \n\n")
                h.chunk("data: [1,\ndata: 2]\n\n")
                send("done")
            elif mode == "agent-error":
                send("partial")
                send({"error": "boom mid-stream", "error_type": "RuntimeError", "message": "An error occurred during streaming"})
            h.end_chunked()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the gateway cancelled the call (idle cut-off, oversized event): expected


class OutageJWKS(FakeJWKS):
    """FakeJWKS closing each connection after its answer, so that stopping it is an outage: over a kept-alive
    connection the stopped server's handler thread would go on answering with the old key set."""

    def __init__(self, jwks, port=0):
        super().__init__(jwks, port)
        self.server.handle_error = lambda request, address: None

    def handle(self, h, rec):
        h.close_connection = True
        close = [("Connection", "close")]
        if rec.path != "/.well-known/jwks.json":
            h.send_json(404, {"error": "not found"}, headers=close)
        elif self.status != 200:
            h.send_json(self.status, {"error": "unavailable"}, headers=close)
        else:
            h.send_json(200, self.jwks, headers=close)


class JWKSHost:
    """The issuer's JWKS on a fixed port, which can be stopped (connection refused), made to fail (HTTP 500)
    and brought back; the issuer rotates to a new key now and then, published only while the host is up."""

    def __init__(self):
        self.issuer = Issuer(kind="rsa", kid="key-1")
        self.rotated = [Issuer(kind="rsa", kid="rot-0")]
        self.server = OutageJWKS(self.document())
        self.port = self.server.port
        self.url = self.server.jwks_url
        self.state = "up"
        self.lock = threading.Lock()

    def document(self):
        return {"keys": [self.issuer.jwk] + [k.jwk for k in self.rotated]}

    def latest(self):
        with self.lock:
            return self.rotated[-1]

    def go(self, state):
        with self.lock:
            if state == self.state:
                return
            if self.state == "down":
                self.server = OutageJWKS(self.document(), port=self.port)
            if state == "down":
                self.server.stop()
            elif state == "failing":
                self.server.status = 500
            elif state == "up":
                self.server.status = 200
                self.server.jwks = self.document()
            self.state = state

    def rotate(self):
        key = Issuer(kind="rsa", kid=f"rot-{len(self.rotated)}")
        with self.lock:
            self.rotated.append(key)
            if self.state == "up":
                self.server.jwks = self.document()

    def stop(self):
        with self.lock:
            if self.state != "down":
                self.server.stop()
            self.state = "down"


def stream_body(prompt, agent="default"):
    return {"agentName": agent, "messages": [{"role": "user", "content": prompt}]}


def classify(resp):
    """("stream complete" | "stream error <code>" | "http <status>" | "no answer", closing frames ok?)."""
    if resp.status is None:
        return "no answer", True
    ctype = resp.header("content-type") or ""
    if resp.status != 200 or "text/event-stream" not in ctype:
        return f"http {resp.status}", True
    try:
        frames = resp.data_frames()
    except (AssertionError, ValueError, UnicodeDecodeError) as e:
        return f"unreadable stream ({e})", False
    if not resp.complete:
        return "stream cut", False
    closing = [f for f in frames if f.get("type") in ("complete", "error")]
    ok = bool(frames) and frames[0].get("type") == "metadata" and len(closing) == 1 and frames[-1] is closing[0]
    if not closing:
        return "stream without closing frame", False
    last = closing[-1]
    return ("stream complete" if last["type"] == "complete" else f"stream error {last.get('error_code')}"), ok


class Soak:
    def __init__(self):
        self.agentcore = SoakAgentCore()
        self.mastra = FakeMastra(agents=["weatherAgent", "legacyAgent", "sseFailingAgent"], delay=0.005)
        self.mastra.server.handle_error = lambda request, address: None  # a cancelled stream breaks its pipe
        self.jwks = JWKSHost()
        self.results = []  # (scenario, outcome, allowed, closing ok, request id)
        self.lock = threading.Lock()
        self.stop_at = 0.0
        self.disconnected = []  # request ids of clients that went away mid-stream
        env = {
            "AGENTS": json.dumps({
                "default": {"agentcore": ARN}, "weather": {"mastra": "weatherAgent"},
                "legacy": {"mastra": "legacyAgent"}, "failing": {"mastra": "sseFailingAgent"}}),
            "AGENTCORE_ENDPOINT": self.agentcore.url,
            "MASTRA_AGENT_URL": self.mastra.url,
            "AWS_ACCESS_KEY_ID": "AKIDSOAKTEST00000000",
            "AWS_SECRET_ACCESS_KEY": "soakSecretKeyForTestsOnly0000000000000000",
            "AWS_REGION": "us-east-1",
            "MAX_EVENT_BYTES": str(MAX_EVENT_BYTES),
            "UPSTREAM_IDLE_TIMEOUT_MS": str(IDLE_TIMEOUT_MS),
            "HEARTBEAT_MS": "300",
            "STOP_SESSION_ON_CUTOFF": "on",
            "AUTH_MODE": "jwt",
            "JWT_JWKS_URL": self.jwks.url,
            "JWT_JWKS_COOLDOWN_MS": "500",
            "JWT_ISSUER": "https://clerk.test.example",
        }
        self.fn = LocalFunction(env=env, timeout=60,
                                extra_args=["--max-concurrency", os.environ.get("SOAK_CONCURRENCY", "32")])

    # --- scenarios: (weight, allowed outcomes, function returning a Response or None for a disconnect) ---

    def token(self, sub=None):
        return self.jwks.issuer.token(sub=sub or f"user_soak{random.randint(1, 5)}")

    def post(self, path, body, token="default", headers=None, **kw):
        h = {"Accept": "text/event-stream"}
        if token == "default":
            token = self.token()
        if token:
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        return request(self.fn.url + path, "POST", body=body, headers=h, timeout=90, **kw)

    def get(self, path, token="default"):
        h = {}
        if token == "default":
            token = self.token()
        if token:
            h["Authorization"] = f"Bearer {token}"
        return request(self.fn.url + path, "GET", headers=h, timeout=90)

    def scenarios(self):
        s = "/api/streaming/stream"
        complete = {"stream complete"}
        return {
            "agentcore stream": (20, complete, lambda: self.post(s, stream_body("soak:normal"))),
            "agentcore prompt API": (8, complete, lambda: self.post("/", {"prompt": "soak:normal"})),
            "mastra SSE": (8, complete, lambda: self.post(s, stream_body("hi", "weather"))),
            "mastra data stream": (5, complete, lambda: self.post(s, stream_body("hi", "legacy"))),
            "mastra agent error": (3, {"stream error AgentError"}, lambda: self.post(s, stream_body("hi", "failing"))),
            "upstream reset": (5, {"stream error UpstreamConnectionLost"}, lambda: self.post(s, stream_body("soak:reset"))),
            "upstream stall": (3, {"stream error UpstreamIdleTimeout"}, lambda: self.post(s, stream_body("soak:stall"))),
            "oversized event": (4, {"stream error UpstreamEventTooLarge"}, lambda: self.post(s, stream_body("soak:oversized"))),
            "malformed events": (4, complete, lambda: self.post(s, stream_body("soak:malformed"))),
            "agent error event": (3, {"stream error AgentError"}, lambda: self.post(s, stream_body("soak:agent-error"))),
            "upstream 429": (3, {"http 503"}, lambda: self.post(s, stream_body("soak:throttle"))),
            "client disconnect": (5, {"disconnected"}, self.disconnect),
            "agents list": (2, {"http 200"}, lambda: self.get("/api/streaming/agents")),
            "health": (1, {"http 200"}, lambda: self.get("/api/streaming/health", token=None)),
            "bad body 400": (3, {"http 400"}, lambda: self.post(s, {"agentName": "default", "messages": [], "temperature": 9})),
            "no token 401": (3, {"http 401"}, lambda: self.post(s, stream_body("soak:normal"), token=None)),
            "bad signature 401": (2, {"http 401"}, lambda: self.post(s, stream_body("soak:normal"), token=self.token()[:-4] + "AAAA")),
            "unknown route 404": (2, {"http 404"}, lambda: self.post("/nowhere", {"prompt": "x"})),
            "unknown agent 404": (2, {"http 404"}, lambda: self.post(s, stream_body("hi", "nobody"))),
            "body over 1 MB 413": (2, {"http 413"}, lambda: self.post("/", {"prompt": "x" * (1 << 20)})),
            # A token signed by the newest key: its kid is unknown until the JWKS is fetched again, which fails
            # while the host is down or failing (401: no key matches), and succeeds once it is back.
            "rotated key (JWKS outages)": (4, {"stream complete", "http 401"},
                                           lambda: self.post(s, stream_body("soak:normal"), token=self.jwks.latest().token())),
        }

    def disconnect(self):
        seen = {}

        def on_piece(resp):
            m = re.search(rb'"request_id":"([^"]+)"', resp.body)
            if m:
                seen["id"] = m.group(1).decode()

        resp = self.post("/api/streaming/stream", stream_body("soak:slow"), on_piece=on_piece, stop_after_bytes=200)
        if resp.status == 200 and "id" in seen:
            with self.lock:
                self.disconnected.append(seen["id"])
            return None
        return resp

    def client(self, seed):
        rng = random.Random(seed)
        table = self.scenarios()
        names = list(table)
        weights = [table[n][0] for n in names]
        while time.monotonic() < self.stop_at:
            name = rng.choices(names, weights)[0]
            _, allowed, run = table[name]
            try:
                resp = run()
            except Exception as e:  # a transport failure talking to lambda-local is an outcome too
                outcome, closing_ok = f"client exception {type(e).__name__}", True
            else:
                outcome, closing_ok = ("disconnected", True) if resp is None else classify(resp)
            with self.lock:
                self.results.append((name, outcome, outcome in allowed, closing_ok))

    def outages(self):
        """Every 40 s an 8 s outage, alternately refused connections and HTTP 500; the issuer rotates to a new
        key during it, so tokens signed with that key meet an unknown kid until the JWKS is back."""
        cycle = 0
        while time.monotonic() < self.stop_at:
            self.sleep(10)
            self.jwks.go("down" if cycle % 2 == 0 else "failing")
            self.sleep(2)
            self.jwks.rotate()
            self.sleep(6)
            self.jwks.go("up")
            self.sleep(22)
            cycle += 1

    def sleep(self, seconds):
        end = min(self.stop_at, time.monotonic() + seconds)
        while time.monotonic() < end:
            time.sleep(0.2)

    # --- observation ---

    def child_pids(self):
        return [int(m) for m in re.findall(r"started child pid (\d+)", self.fn.logs())]

    def child_exits(self):
        return re.findall(r"child pid \d+ (?:exited with status|killed by signal|did not call /next)[^\n]*", self.fn.logs())

    def invocation_outcomes(self):
        out = {}
        for line in self.fn.logs().splitlines():
            if '"request_id"' in line and '"outcome"' in line:
                try:
                    doc = json.loads(line[line.index("{"):])
                except ValueError:
                    continue
                out[doc.get("request_id")] = doc.get("outcome")
        return out

    def run(self):
        started = time.monotonic()
        # The JWKS is down when the first requests arrive: nothing is cached yet, so verification cannot run (503).
        self.jwks.go("down")
        cold = [self.post("/api/streaming/stream", stream_body("soak:normal")) for _ in range(3)]
        cold_outcomes = [classify(r)[0] for r in cold]
        with self.lock:
            for o in cold_outcomes:
                self.results.append(("JWKS down at start", o, o == "http 503", True))
        self.jwks.go("up")

        self.stop_at = time.monotonic() + SECONDS
        threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(CLIENTS)]
        threads.append(threading.Thread(target=self.outages, daemon=True))
        for t in threads:
            t.start()
        time.sleep(min(WARMUP_SECONDS, SECONDS))
        pids = self.child_pids()
        pid = pids[0] if pids else None
        rss_start = status_kb(pid, "VmRSS") if pid else None
        for t in threads:
            t.join(timeout=SECONDS + 180)
        time.sleep(3)  # let the last invocations log their line
        rss_end = status_kb(pid, "VmRSS") if pid else None
        return self.report(pid, rss_start, rss_end, time.monotonic() - started)

    def report(self, pid, rss_start, rss_end, elapsed):
        by_scenario = collections.OrderedDict()
        for name, outcome, allowed, closing_ok in self.results:
            entry = by_scenario.setdefault(name, {"n": 0, "outcomes": collections.Counter(), "unexpected": 0, "bad_closing": 0})
            entry["n"] += 1
            entry["outcomes"][outcome] += 1
            entry["unexpected"] += 0 if allowed else 1
            entry["bad_closing"] += 0 if closing_ok else 1
        logged = self.invocation_outcomes()
        orphaned = [rid for rid in self.disconnected if not logged.get(rid)]
        pids = self.child_pids()
        restarts = max(0, len(pids) - 1) + len(self.child_exits())
        total = sum(e["n"] for e in by_scenario.values())
        unexpected = sum(e["unexpected"] for e in by_scenario.values())
        bad_closing = sum(e["bad_closing"] for e in by_scenario.values())
        streams = sum(n for e in by_scenario.values() for o, n in e["outcomes"].items() if o.startswith("stream"))

        print()
        print(f"soak: {elapsed:.0f} s ({SECONDS:.0f} s of mixed traffic), {CLIENTS} clients, {total} requests")
        print()
        print(f"{'scenario':<28} {'requests':>8}  {'unexpected':>10}  outcomes")
        for name, e in by_scenario.items():
            outcomes = ", ".join(f"{o} ×{n}" for o, n in e["outcomes"].most_common())
            print(f"{name:<28} {e['n']:>8}  {e['unexpected']:>10}  {outcomes}")
        print()
        totals = collections.Counter()
        for e in by_scenario.values():
            totals.update(e["outcomes"])
        print("requests per outcome:")
        for o, n in totals.most_common():
            print(f"  {o:<44} {n:>7}")
        rss = lambda kb: "?" if kb is None else f"{kb / 1024:.1f} MB"  # noqa: E731
        grew = None if rss_start is None or rss_end is None else rss_end - rss_start
        # Under a sanitizer (AGENTSTREAM_SANITIZER) RSS is reported, not judged: ASan quarantines freed memory.
        rss_ok = grew is not None and (grew <= 10 * 1024 + rss_start // 4 or bool(os.environ.get("AGENTSTREAM_SANITIZER")))
        print()
        print(f"streams read to the end                        {streams:>7}")
        print(f"  without exactly one closing frame, last       {bad_closing:>7}   (must be 0)")
        print(f"clients that left mid-stream                   {len(self.disconnected):>7}")
        print(f"  with no outcome in bootstrap's log            {len(orphaned):>7}   (must be 0)")
        print(f"requests with an outcome their scenario forbids {unexpected:>7}   (must be 0)")
        print(f"bootstrap restarts                             {restarts:>7}   (must be 0; child pids {pids})")
        print(f"bootstrap RSS after {WARMUP_SECONDS:.0f} s warm-up / at the end   {rss(rss_start)} / {rss(rss_end)}"
              f"   ({'flat' if grew is not None and grew <= 10 * 1024 + rss_start // 4 else 'GREW'}; allowed: +10 MB +25 %"
              f"{', not judged under a sanitizer' if os.environ.get('AGENTSTREAM_SANITIZER') else ''})")
        print(f"StopRuntimeSession calls (early stops)         {self.agentcore.stops:>7}")
        failed = bad_closing or orphaned or unexpected or restarts or not rss_ok or total == 0
        if failed:
            print("\nSOAK FAILED", file=sys.stderr)
            if orphaned:
                print(f"request ids without a logged outcome: {orphaned[:10]}", file=sys.stderr)
            tail = self.fn.logs().splitlines()[-40:]
            print("last lambda-local/bootstrap log lines:\n" + "\n".join(tail), file=sys.stderr)
        return 1 if failed else 0

    def close(self):
        self.fn.stop()
        self.jwks.stop()
        self.agentcore.stop()
        self.mastra.stop()


def main():
    soak = Soak()
    try:
        return soak.run()
    finally:
        soak.close()


if __name__ == "__main__":
    sys.exit(main())
