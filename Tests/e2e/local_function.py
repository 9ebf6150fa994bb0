"""Runs the real `bootstrap` under `lambda-local` on 127.0.0.1 for end-to-end tests."""

import os
import pathlib
import signal
import subprocess
import threading
import time

import emf_lines

ROOT = pathlib.Path(__file__).resolve().parents[2]
BOOTSTRAP = os.environ.get("BOOTSTRAP_BIN", str(ROOT / ".build" / "debug" / "bootstrap"))
LAMBDA_LOCAL = os.environ.get("LAMBDA_LOCAL_BIN", str(ROOT / ".build" / "debug" / "lambda-local"))


class LocalFunction:
    """`lambda-local --port 0 [--timeout T] [extra] -- bootstrap` with `env`; `.url` is the Function URL."""

    def __init__(self, env=None, timeout=None, extra_args=(), command=None):
        child_env = dict(os.environ)
        for k in list(child_env):
            # Start from a clean slate: a developer's shell must not leak AWS or gateway settings in.
            if k.startswith(("AWS_", "AGENT", "JWT_", "SUPABASE", "MASTRA", "AUTH_MODE", "HEARTBEAT", "DEADLINE", "UPSTREAM_")):
                del child_env[k]
        child_env.update(env or {})
        args = [LAMBDA_LOCAL, "--port", "0"]
        if timeout is not None:
            args += ["--timeout", str(timeout)]
        args += list(extra_args) + ["--", *(command or [BOOTSTRAP])]
        self.proc = subprocess.Popen(
            args, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        )
        self.log_lines = []
        self._stderr_thread = threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True)
        self._stderr_thread.start()
        self.url = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline().decode()
            if not line:
                break
            self.log_lines.append(line)
            if line.startswith("listening on "):
                self.url = line.split("listening on ", 1)[1].strip()
                break
        if not self.url:
            self.stop()
            raise RuntimeError("lambda-local did not start:\n" + "".join(self.log_lines))
        self._stdout_thread = threading.Thread(target=self._drain, args=(self.proc.stdout,), daemon=True)
        self._stdout_thread.start()

    def _drain(self, stream):
        for line in iter(stream.readline, b""):
            self.log_lines.append(line.decode("utf-8", "replace"))

    def logs(self):
        return "".join(self.log_lines)

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=5)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        if exc[0] is None:
            emf_lines.assert_valid(self.logs(), "lambda-local " + (self.url or ""))
