"""Drives the real `bootstrap` (gateway handler) under the recording Runtime API stub.

    gw = GatewayProcess(env, log_dir)          # starts bootstrap, stdout/stderr captured to files
    r = gw.request("POST", "/api/streaming/stream", body={...}, headers={...})
    r.status, r.headers, r.body, r.frames, r.trailers
    gw.logs()                                  # everything bootstrap printed
    gw.close()
"""

import contextlib
import json
import os
import pathlib
import signal
import subprocess

import emf_lines
from runtime_stub import RuntimeStub, url_event

ROOT = pathlib.Path(__file__).resolve().parents[2]
BOOTSTRAP = os.environ.get("BOOTSTRAP_BIN", str(ROOT / ".build" / "debug" / "bootstrap"))

# Prefixes of settings that must not leak in from a developer's shell.
_SCRUB = ("AWS_", "AGENT", "JWT_", "SUPABASE", "MASTRA", "AUTH_MODE", "CREDENTIALS_", "HEARTBEAT", "DEADLINE", "UPSTREAM_", "LOG_LEVEL")

# Fake AWS credentials for the function's own role (AgentCore signing); never a real key.
FUNCTION_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIDFUNCTIONROLE0000",
    "AWS_SECRET_ACCESS_KEY": "functionRoleSecretKeyForTestsOnly000000",
    "AWS_REGION": "us-east-1",
}
TEST_ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/test_agent-AbCdEf1234"


class Response:
    def __init__(self, recorded):
        self.recorded = recorded
        self.path = recorded.path
        chunks = [c for _, c in recorded.chunks]
        if recorded.path.endswith("/error"):
            self.status = None
            self.error = json.loads(recorded.body)
            self.headers, self.body, self.chunks = {}, b"", []
        else:
            self.error = None
            prelude = json.loads(chunks[0])
            assert chunks[1] == b"\x00" * 8
            self.status = prelude["statusCode"]
            self.headers = prelude["headers"]
            self.chunks = chunks[2:]
            self.body = b"".join(self.chunks)
        self.trailers = dict(recorded.trailers)

    def json(self):
        return json.loads(self.body)

    @property
    def frames(self):
        out = []
        for block in self.body.split(b"\n\n"):
            if block.startswith(b"data: "):
                out.append(json.loads(block[6:]))
        return out

    def text_of_chunks(self):
        return "".join(f["data"] for f in self.frames if f["type"] == "chunk" and isinstance(f["data"], str))


class GatewayProcess:
    def __init__(self, env, log_dir):
        self.stub = RuntimeStub()
        full = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB) and k != "AGENTSTREAM_HANDLER"}
        full.update(env)
        full["AWS_LAMBDA_RUNTIME_API"] = self.stub.address
        log_dir = pathlib.Path(log_dir)
        log_dir.mkdir(parents=True, exist_ok=True)
        self.out_path = log_dir / "bootstrap.stdout"
        self.err_path = log_dir / "bootstrap.stderr"
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen([BOOTSTRAP], env=full, stdout=out, stderr=err, start_new_session=True)

    def request(self, method, path, body=None, headers=None, timeout=20, deadline_ms=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        h = {"content-type": "application/json"}
        h.update({k.lower(): v for k, v in (headers or {}).items()})
        rid = self.stub.push(url_event(method=method, path=path, body=body or "", headers=h), deadline_ms=deadline_ms)
        rec = self.stub.wait_done(
            lambda r: r.path.endswith(f"/invocation/{rid}/response") or r.path.endswith(f"/invocation/{rid}/error"), timeout)
        return Response(rec)

    def init_error(self, timeout=10):
        rec = self.stub.wait_done(lambda r: r.path.endswith("/runtime/init/error"), timeout)
        return json.loads(rec.body)

    def logs(self):
        return self.out_path.read_text(errors="replace") + self.err_path.read_text(errors="replace")

    def log_records(self):
        out = []
        for line in self.out_path.read_text(errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.stub.close()
        emf_lines.assert_valid(self.out_path.read_text(errors="replace"), str(self.out_path))


@contextlib.contextmanager
def gateway_starter(log_root, base_env):
    """Yields `start(**env)`, which runs a GatewayProcess on FUNCTION_AWS_ENV + base_env + env; all stop at exit."""
    started = []

    def start(**env):
        merged = dict(FUNCTION_AWS_ENV)
        merged.update(base_env)
        merged.update(env)
        gw = GatewayProcess(merged, log_root / f"gw{len(started)}")
        started.append(gw)
        return gw

    try:
        yield start
    finally:
        for gw in started:
            gw.close()
