"""Shared fixtures for the end-to-end tests (real processes on 127.0.0.1 only)."""

import os
import pathlib
import re
import signal
import subprocess
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
E2E = pathlib.Path(__file__).resolve().parent
RUNTIMES = E2E / "runtimes"
LAMBDA_LOCAL = os.environ.get("LAMBDA_LOCAL_BIN", str(ROOT / ".build" / "debug" / "lambda-local"))


class LambdaLocal:
    """A running `lambda-local` process; its stderr (and the child's output) goes to `log_path`."""

    def __init__(self, proc, port, log_path):
        self.proc, self.port, self.log_path = proc, port, log_path

    def log(self):
        return pathlib.Path(self.log_path).read_text(errors="replace")

    def child_pids(self):
        return [int(p) for p in re.findall(r"started child pid (\d+)", self.log())]

    def wait_for_log(self, pattern, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.log()):
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        clean = True
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                clean = self.proc.wait(timeout=5) == 0
            except subprocess.TimeoutExpired:
                clean = False
        # Belt and braces: the emulator's group, then every child group it reported.
        for pgid in [self.proc.pid] + self.child_pids():
            try:
                os.killpg(pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.proc.wait(timeout=5)
        return clean


@pytest.fixture
def lambda_local(tmp_path):
    """Factory: start(child_argv, args=[...], env={...}) -> LambdaLocal listening on a free port."""
    started = []

    def start(child, args=(), env=None, cwd=None):
        log_path = tmp_path / f"lambda-local-{len(started)}.log"
        full_env = dict(os.environ)
        full_env.update(env or {})
        with open(log_path, "wb") as log_file:
            proc = subprocess.Popen(
                [LAMBDA_LOCAL, "--port", "0", *args, "--", *child],
                stdout=subprocess.PIPE, stderr=log_file, env=full_env, cwd=cwd or str(RUNTIMES),
                start_new_session=True,
            )
        instance = LambdaLocal(proc, None, log_path)
        started.append(instance)
        line = proc.stdout.readline().decode()
        match = re.fullmatch(r"listening on http://127\.0\.0\.1:(\d+)\n", line)
        assert match, f"unexpected first line {line!r}; log:\n{instance.log()}"
        instance.port = int(match.group(1))
        return instance

    yield start
    # Every test also checks that lambda-local shuts down cleanly on SIGTERM (exit 0, not a crash).
    unclean = [i.log_path for i in started if not i.stop() and i.proc.returncode not in (0, None)]
    assert not unclean, f"lambda-local did not exit cleanly on SIGTERM; see {unclean}"


@pytest.fixture
def runtime_log(tmp_path):
    return tmp_path / "runtime.jsonl"


@pytest.fixture
def mastra():
    """A Mastra-compatible server speaking both wire formats (Tests/e2e/fakes/mastra_server.py)."""
    from fakes.mastra_server import FakeMastra

    with FakeMastra() as m:
        yield m


@pytest.fixture
def agentcore():
    """A recording AgentCore endpoint (Tests/e2e/fakes/agentcore_server.py)."""
    from fakes.agentcore_server import FakeAgentCore

    with FakeAgentCore() as a:
        yield a
