"""Start/stop helpers for the AgentCore end-to-end fixtures (agent_app.py + front.py), usable from any test.

    from agentcore_servers import start_agent, start_front, invocation_url, signed_invoke
    agent = start_agent()                       # real BedrockAgentCoreApp on 127.0.0.1:<free port>
    front = start_front(agent.url)              # SigV4-checking front door on 127.0.0.1:<free port>
    url = invocation_url(front.url, make_arn("my_agent-AbCdEf1234"))
    ...
    front.stop(); agent.stop()

Both bind 127.0.0.1 only. Each stop() terminates its own process (by PID) and waits for it.
"""

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
AGENT_APP = os.path.join(HERE, "agent_app.py")
FRONT = os.path.join(HERE, "front.py")

# The AWS documentation example keys: obviously fake, and the same ones the SigV4 test vectors use.
TEST_ACCESS_KEY_ID = "AKIDEXAMPLE"
TEST_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TEST_REGION = "us-east-1"
TEST_ACCOUNT = "123456789012"
SESSION_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"


class ServerProcess:
    """A child server process with its loopback port; stop() is idempotent."""

    def __init__(self, name, popen, port, log_path):
        self.name = name
        self.popen = popen
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path

    def alive(self):
        return self.popen.poll() is None

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self, timeout=5):
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def free_port():
    """A port that was free a moment ago (uvicorn cannot report the port it picked for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_file(name):
    directory = os.environ.get("AGENTCORE_FIXTURE_LOGS") or os.path.join(tempfile.gettempdir(), "agentcore-fixtures")
    os.makedirs(directory, exist_ok=True)
    return os.path.join(directory, f"{name}-{os.getpid()}-{time.time_ns()}.log")


def _wait_http(url, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.05)
    return False


def start_agent(mode="stream", python=None, port=None, env=None, timeout=20):
    """Starts agent_app.py (needs bedrock-agentcore: defaults to the running interpreter) and waits for /ping."""
    python = python or sys.executable
    for attempt in range(3):
        chosen = port or free_port()
        log_path = _log_file("agent")
        child_env = dict(os.environ, MODE=mode, PORT=str(chosen))
        child_env.update(env or {})
        with open(log_path, "wb") as log:
            popen = subprocess.Popen([python, AGENT_APP, str(chosen)], stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=child_env)
        server = ServerProcess("agent", popen, chosen, log_path)
        if _wait_http(server.url + "/ping", popen, timeout):
            return server
        server.stop()
        if port:  # a fixed port that failed will not get better
            break
    raise RuntimeError(f"agent_app.py did not start:\n{server.log()}")


def start_front(agent_url, port=0, python=None, access_key_id=TEST_ACCESS_KEY_ID,
                secret_access_key=TEST_SECRET_ACCESS_KEY, extra_args=(), timeout=20):
    """Starts front.py (needs botocore) bound to 127.0.0.1; port 0 lets it pick a free port and report it."""
    python = python or sys.executable
    log_path = _log_file("front")
    args = [python, FRONT, "--port", str(port), "--agent-url", agent_url,
            "--access-key-id", access_key_id, "--secret-access-key", secret_access_key, *extra_args]
    log = open(log_path, "wb")
    popen = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
    log.close()
    line = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and popen.poll() is None:
        line = popen.stdout.readline()
        if line.startswith(b"LISTENING "):
            break
    if not line.startswith(b"LISTENING "):
        popen.kill()
        popen.wait()
        with open(log_path, encoding="utf-8", errors="replace") as f:
            raise RuntimeError(f"front.py did not start:\n{f.read()}")
    chosen = int(line.split(b":")[-1])
    server = ServerProcess("front", popen, chosen, log_path)
    if not _wait_http(server.url + "/__health", popen, timeout):
        server.stop()
        raise RuntimeError(f"front.py not answering:\n{server.log()}")
    return server


# ---------- talking to the front ----------

def make_arn(name="test_agent-AbCdEf1234", region=TEST_REGION, account=TEST_ACCOUNT):
    return f"arn:aws:bedrock-agentcore:{region}:{account}:runtime/{name}"


def invocation_url(front_url, arn, qualifier="DEFAULT"):
    """The wire URL: the ARN is one path segment (':' -> %3A, '/' -> %2F), as boto3 and the CLI send it."""
    url = f"{front_url}/runtimes/{urllib.parse.quote(arn, safe='')}/invocations"
    return url + (f"?qualifier={urllib.parse.quote(qualifier, safe='')}" if qualifier else "")


def _json_request(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def control(front_url, fault=None, **fields):
    """Queues one fault for the next invocation(s), e.g. control(url, status=429, times=3)."""
    return _json_request("POST", front_url + "/__control", fault if fault is not None else fields)


def clear(front_url):
    """Forgets queued faults and recorded requests (call between tests sharing one front)."""
    _json_request("DELETE", front_url + "/__control")
    _json_request("DELETE", front_url + "/__requests")


def recorded_requests(front_url):
    return _json_request("GET", front_url + "/__requests")


def sign_headers(method, url, body, headers=None, access_key_id=TEST_ACCESS_KEY_ID,
                 secret_access_key=TEST_SECRET_ACCESS_KEY, session_token=None, region=TEST_REGION):
    """botocore-signed headers for a raw request (for tests that need to send or tamper bytes themselves)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    SigV4Auth(Credentials(access_key_id, secret_access_key, session_token), "bedrock-agentcore",
              region).add_auth(request)
    return dict(request.headers.items())


def raw_post(url, body, headers, timeout=30):
    """Sends a POST with exactly these headers; returns the open http.client response (caller reads/closes)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    conn.putrequest("POST", target, skip_host=True, skip_accept_encoding=True)
    sent = {k.lower() for k in headers}
    if "host" not in sent:
        conn.putheader("Host", parts.netloc)
    for name, value in headers.items():
        conn.putheader(name, value)
    if "content-length" not in sent:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    return conn.getresponse()


def stop_url(front_url, arn, qualifier="DEFAULT"):
    """The StopRuntimeSession wire URL (same ARN encoding as invocations)."""
    url = f"{front_url}/runtimes/{urllib.parse.quote(arn, safe='')}/stopruntimesession"
    return url + (f"?qualifier={urllib.parse.quote(qualifier, safe='')}" if qualifier else "")


def signed_stop(front_url, session_id=None, arn=None, client_token=None, qualifier="DEFAULT", body=None,
                **sign_kwargs):
    """A StopRuntimeSession signed with botocore over http.client; `body` overrides the {"clientToken"} body
    (sent as signed, so a test can tamper afterwards with sign_headers + raw_post instead)."""
    url = stop_url(front_url, arn or make_arn(), qualifier)
    if body is None:
        body = json.dumps({"clientToken": client_token} if client_token else {}).encode()
    headers = {"Content-Type": "application/json"}
    if session_id is not None:
        headers[SESSION_HEADER] = session_id
    return raw_post(url, body, sign_headers("POST", url, body, headers, **sign_kwargs))


def recorded_stops(front_url):
    return _json_request("GET", front_url + "/__stops")


def signed_invoke(front_url, payload, arn=None, session_id=None, extra_headers=None, qualifier="DEFAULT",
                  **sign_kwargs):
    """A correctly signed InvokeAgentRuntime over http.client; returns the response (stream it with read1)."""
    url = invocation_url(front_url, arn or make_arn(), qualifier)
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    if session_id is not None:
        headers[SESSION_HEADER] = session_id
    headers.update(extra_headers or {})
    signed = sign_headers("POST", url, body, headers, **sign_kwargs)
    return raw_post(url, body, signed)
