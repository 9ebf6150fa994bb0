"""The page and the function as `make run` serves them: `lambda-local --demo-agent --cors FILE --web web
--web-port P -- bootstrap`, the page on one origin and the Function URL on another. Every server binds
127.0.0.1 and is stopped by its fixture."""

import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
WEB_DIR = ROOT / "web"
CLIENT = ROOT / "clients" / "js" / "agentstream.js"
CORS_LOCAL = ROOT / "infrastructure" / "cors.local.json"
BOOTSTRAP = os.environ.get("BOOTSTRAP_BIN", str(ROOT / ".build" / "debug" / "bootstrap"))
LAMBDA_LOCAL = os.environ.get("LAMBDA_LOCAL_BIN", str(ROOT / ".build" / "debug" / "lambda-local"))
CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
OUT = pathlib.Path(os.environ.get("BROWSER_TEST_OUT", ROOT / "Tests" / "browser" / "out"))

# Settings a developer's shell must not leak into the function under test.
_SCRUB = ("AWS_", "AGENT", "JWT_", "SUPABASE", "MASTRA", "AUTH_MODE", "HEARTBEAT", "DEADLINE", "UPSTREAM_",
          "STATUS_FRAMES", "DEMO_AGENT", "LOG_LEVEL")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def vendor_client():
    """The page imports vendor/agentstream.js; lambda-local serves nothing outside --web, so the client is
    copied in, as `make web-vendor` does for `make run`."""
    target = WEB_DIR / "vendor" / "agentstream.js"
    if not target.exists() or target.read_bytes() != CLIENT.read_bytes():
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(CLIENT, target)


class LocalStack:
    """`lambda-local [--demo-agent] --cors FILE --web web --web-port P -- bootstrap` and what it printed."""

    def __init__(self, log_path, env=None, demo_agent=True, cors_file=None, web_port=None, extra_origins=(), extra_args=()):
        vendor_client()
        self.web_port = web_port or free_port()
        if cors_file is None:
            # make run's CORS file plus this test's page origin (a free port rather than 8080, which a
            # developer's `make run` may hold).
            config = json.loads(CORS_LOCAL.read_text())
            config["AllowOrigins"] += [f"http://127.0.0.1:{self.web_port}", *extra_origins]
            handle, path = tempfile.mkstemp(prefix="cors-", suffix=".json")
            with os.fdopen(handle, "w") as f:
                json.dump(config, f)
            self._temp_cors = path
            cors_file = path
        else:
            self._temp_cors = None
        child_env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB)}
        child_env.update(env or {})
        args = [LAMBDA_LOCAL, "--port", "0"]
        if demo_agent:
            args.append("--demo-agent")
        args += [*extra_args, "--cors", str(cors_file), "--web", str(WEB_DIR), "--web-port", str(self.web_port), "--", BOOTSTRAP]
        self.log_path = log_path
        self._log_file = open(log_path, "wb")
        self.proc = subprocess.Popen(args, env=child_env, stdout=subprocess.PIPE, stderr=self._log_file, start_new_session=True)
        self.api = self.page = None
        lines = []
        reader = threading.Thread(target=self._read_banner, args=(lines,), daemon=True)
        reader.start()
        reader.join(timeout=60)
        if not (self.api and self.page):
            self.stop()
            raise RuntimeError(f"lambda-local did not print both URLs (stdout {lines!r}); log:\n{self.log()}")
        self.agent_url = None
        if demo_agent:
            match = self.wait_for_log(r"demo agent at (http://127\.0\.0\.1:\d+)")
            self.agent_url = match.group(1) if match else None

    def _read_banner(self, lines):
        for raw in iter(self.proc.stdout.readline, b""):
            line = raw.decode(errors="replace").strip()
            lines.append(line)
            if line.startswith("listening on "):
                self.api = line.split("listening on ", 1)[1].rstrip("/")
            elif line.startswith("web page on "):
                self.page = line.split("web page on ", 1)[1]
            if self.api and self.page:
                return

    def log(self):
        return pathlib.Path(self.log_path).read_text(errors="replace")

    def wait_for_log(self, pattern, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.log())
            if match:
                return match
            time.sleep(0.05)
        return None

    def stop_records(self):
        """What the demo agent says StopRuntimeSession was called for (GET <agent>/__stops)."""
        import urllib.request

        with urllib.request.urlopen(f"{self.agent_url}/__stops", timeout=5) as response:
            return json.loads(response.read())

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)
        self._log_file.close()
        if self._temp_cors:
            os.unlink(self._temp_cors)


