"""lambda-local end to end: real lambda-local, real child runtimes, raw sockets (docs/LAMBDA-LOCAL.md)."""

import base64
import json
import os
import pathlib
import signal
import socket
import sys
import threading
import time

import pytest

import rawhttp
from procfs import status_kb

# Not imported from conftest: another conftest.py (Tests/e2e/agentcore) can shadow that module name.
RUNTIMES = pathlib.Path(__file__).resolve().parent / "runtimes"


def python_runtime(script="scenario_runtime.py"):
    return [sys.executable, "-u", str(RUNTIMES / script)]


def read_log(log_file, timeout=10.0, count=1, **match):
    """Waits until the runtime logged `count` JSON lines with the given fields."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log_file.exists():
            lines = [json.loads(l) for l in log_file.read_text().splitlines() if l.strip()]
            hits = [l for l in lines if all(l.get(k) == v for k, v in match.items())]
            if len(hits) >= count:
                return hits
        time.sleep(0.05)
    raise AssertionError(f"no runtime log line matching {match} in {log_file}")


@pytest.fixture
def emu(lambda_local, runtime_log):
    return lambda_local(python_runtime(), env={"RUNTIME_LOG": str(runtime_log)})


# --- streaming ------------------------------------------------------------------------------------

def test_stream_chunks_arrive_one_by_one(emu, runtime_log):
    r = rawhttp.request(emu.port, "GET", "/stream?n=5&delay_ms=200")
    assert r.status == 200 and r.complete
    assert r.header("content-type") == "text/event-stream"
    assert r.header("x-custom") == "yes"
    assert r.header("transfer-encoding") == "chunked"
    assert r.header("content-length") is None
    lines = [c.decode() for _, c in r.chunks]
    assert len(r.chunks) == 5, lines
    now_offset = time.time() - time.monotonic()
    for i, (arrived, data) in enumerate(r.chunks):
        _, index, sent = data.decode().split()
        assert int(index) == i
        # Each piece reaches the client within 100 ms of the runtime writing it: no buffering.
        assert (arrived + now_offset) - float(sent) < 0.1, (i, arrived + now_offset, sent)
    gaps = [b[0] - a[0] for a, b in zip(r.chunks, r.chunks[1:])]
    assert all(g > 0.12 for g in gaps), gaps
    assert read_log(runtime_log, path="/stream")[0]["status"] == 202
    assert emu.wait_for_log(r"status=200 duration=\d+ms bytes=\d+")


def test_prelude_and_body_in_one_write_and_content_length_remapped(emu):
    r = rawhttp.request(emu.port, "GET", "/stream-one-write")
    assert r.status == 201 and r.complete
    assert r.body == b"first second"
    assert r.header("content-length") is None
    assert r.header("x-amzn-remapped-content-length") == "999"


def test_delimiter_split_across_chunks(emu):
    r = rawhttp.request(emu.port, "GET", "/split-delimiter")
    assert r.status == 202 and r.body == b"body"


def test_raw_stream_without_prelude(emu):
    r = rawhttp.request(emu.port, "GET", "/raw-stream")
    assert r.status == 200 and r.complete
    assert r.header("content-type") == "text/plain; charset=utf-8"
    assert r.body == b"raw bytes"


def test_trailer_error_ends_body_and_is_logged(emu, runtime_log):
    r = rawhttp.request(emu.port, "GET", "/trailer-error")
    assert r.status == 200 and r.complete
    assert b"partial" in r.body
    assert "lambda-runtime" not in " ".join(n for n, _ in r.headers)
    assert read_log(runtime_log, path="/trailer-error")[0]["status"] == 202
    assert emu.wait_for_log(r"mid-stream error Function\.UpstreamTimeout: .*agent went quiet")


# --- the event --------------------------------------------------------------------------------------

def test_event_shape_cookies_duplicate_headers_query(emu):
    r = rawhttp.request(emu.port, "POST", "/echo?a=1&a=2&b=x%20y&flag", headers={
        "Cookie": "c1=v1; c2=v2", "X-Dup": ["one", "two"], "Content-Type": "application/json",
        "User-Agent": "raw-test/1",
    }, body=b'{"k":"v"}')
    assert r.status == 200
    assert r.header_list("set-cookie") == ["session=abc; Path=/", "theme=dark; HttpOnly"]
    event = json.loads(r.body)
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/echo"
    assert event["rawQueryString"] == "a=1&a=2&b=x%20y&flag"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x y", "flag": ""}
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-dup"] == "one,two"
    assert all(k == k.lower() for k in event["headers"])
    assert event["body"] == '{"k":"v"}' and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["accountId"] == "123456789012"
    assert ctx["domainName"] == f"127.0.0.1:{emu.port}"
    assert ctx["stage"] == "$default" and ctx["routeKey"] == "$default"
    assert ctx["http"] == {"method": "POST", "path": "/echo", "protocol": "HTTP/1.1",
                           "sourceIp": "127.0.0.1", "userAgent": "raw-test/1"}
    assert len(ctx["requestId"]) == 36
    assert abs(ctx["timeEpoch"] / 1000 - time.time()) < 10
    assert ctx["time"].endswith(" +0000")


def test_binary_body_is_base64_and_empty_body_omitted(emu):
    blob = bytes(range(256)) * 4
    r = rawhttp.request(emu.port, "POST", "/echo", headers={"Content-Type": "application/octet-stream"}, body=blob)
    event = json.loads(r.body)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == blob
    r = rawhttp.request(emu.port, "GET", "/echo")
    event = json.loads(r.body)
    assert "body" not in event and "queryStringParameters" not in event and "cookies" not in event
    assert event["rawQueryString"] == ""


def test_request_body_over_6mb_is_413_without_invoking(emu, runtime_log):
    r = rawhttp.request(emu.port, "POST", "/echo", headers={"Content-Type": "text/plain"},
                        body=b"y" * (6 * 1024 * 1024 + 1))
    assert r.status == 413
    assert json.loads(r.body)
    assert emu.wait_for_log(r"rejected: body over")
    # The function never saw it; it still works.
    assert rawhttp.request(emu.port, "GET", "/echo").status == 200


def test_runtime_api_headers_and_child_env(lambda_local, tmp_path):
    env = {"INHERITED_MARKER": "kept", "AWS_REGION": "", "AWS_DEFAULT_REGION": ""}
    for k in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        env.pop(k)
    saved = {k: os.environ.pop(k) for k in ("AWS_REGION", "AWS_DEFAULT_REGION") if k in os.environ}
    try:
        emu = lambda_local(python_runtime(), args=["--timeout", "30"], env=env)
    finally:
        os.environ.update(saved)
    r = rawhttp.request(emu.port, "GET", "/env")
    assert r.status == 200
    data = json.loads(r.body)
    e, h = data["env"], data["headers"]
    assert e["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    assert e["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert e["AWS_LAMBDA_FUNCTION_NAME"] and e["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"].isdigit()
    assert e["AWS_REGION"] == "us-east-1" and e["AWS_DEFAULT_REGION"] == "us-east-1"
    assert e["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/" + e["AWS_LAMBDA_FUNCTION_NAME"]
    assert e["AWS_LAMBDA_LOG_STREAM_NAME"] and e["_HANDLER"]
    assert e["LAMBDA_TASK_ROOT"] == str(RUNTIMES)
    assert e["TZ"] == "UTC" and e["INHERITED_MARKER"] == "kept"
    deadline = int(h["lambda-runtime-deadline-ms"])
    assert 20_000 < deadline - time.time() * 1000 <= 30_000
    assert h["lambda-runtime-invoked-function-arn"].startswith("arn:aws:lambda:us-east-1:123456789012:function:")
    assert h["lambda-runtime-trace-id"].startswith("Root=1-") and ";Parent=" in h["lambda-runtime-trace-id"]
    assert h["content-type"] == "application/json"


# --- buffered responses -------------------------------------------------------------------------------

def test_buffered_http_response_object(emu):
    r = rawhttp.request(emu.port, "GET", "/buffered-http")
    assert r.status == 418
    assert r.header("x-teapot") == "1" and r.header_list("set-cookie") == ["a=1; Path=/"]
    assert r.body == b"\x00\x01binary"


def test_buffered_plain_json(emu):
    r = rawhttp.request(emu.port, "GET", "/buffered-plain")
    assert r.status == 200 and r.header("content-type") == "application/json"
    assert json.loads(r.body) == {"hello": "world"}


def test_buffered_7mb_response(emu, runtime_log):
    r = rawhttp.request(emu.port, "GET", "/big-buffered?mb=7")
    assert r.status == 502
    assert json.loads(r.body)["errorType"] == "Function.ResponseSizeTooLarge"
    line = read_log(runtime_log, path="/big-buffered")[0]
    assert line["status"] == 413
    assert json.loads(line["answer"]) == {
        "errorMessage": "Exceeded maximum allowed payload size (6291556 bytes).", "errorType": "RequestEntityTooLarge"}
    assert rawhttp.request(emu.port, "GET", "/ok").status == 200


def test_response_state_errors(emu, runtime_log):
    r = rawhttp.request(emu.port, "GET", "/late-response")
    assert r.status == 200 and json.loads(r.body) == "done"
    line = read_log(runtime_log, path="/late-response")[0]
    assert line["first"] == 202
    assert line["again"] in (400, 403)
    assert line["unknown"] in (400, 404)


def test_awslambdaric_handler(lambda_local):
    emu = lambda_local([sys.executable, "-m", "awslambdaric", "echo_handler.echo"])
    r = rawhttp.request(emu.port, "POST", "/hello?x=1", headers={"Content-Type": "text/plain"}, body=b"hi")
    assert r.status == 200, emu.log()
    assert r.header_list("set-cookie") == ["ric=1; Path=/"]
    data = json.loads(r.body)
    assert data["event"]["body"] == "hi" and data["event"]["queryStringParameters"] == {"x": "1"}
    assert r.header("x-request-id") == data["event"]["requestContext"]["requestId"]
    r = rawhttp.request(emu.port, "GET", "/plain")
    assert r.status == 200 and json.loads(r.body) == {"hello": "from awslambdaric"}
    r = rawhttp.request(emu.port, "GET", "/raise")
    assert r.status == 502
    assert json.loads(r.body)["errorMessage"] == "handler raised"
    r = rawhttp.request(emu.port, "GET", "/big")
    assert r.status == 502 and json.loads(r.body)["errorType"] == "Function.ResponseSizeTooLarge"
    r = rawhttp.request(emu.port, "GET", "/plain")
    assert r.status == 200


# --- faults ------------------------------------------------------------------------------------------

def test_error_before_first_byte_is_502(emu, runtime_log):
    r = rawhttp.request(emu.port, "GET", "/error")
    assert r.status == 502
    body = json.loads(r.body)
    assert body["errorType"] == "Function.Boom" and body["errorMessage"] == "boom"
    assert read_log(runtime_log, path="/error")[0]["status"] == 202
    assert rawhttp.request(emu.port, "GET", "/ok").status == 200


def test_crash_mid_stream_closes_client_then_recovers(emu, runtime_log):
    r = rawhttp.request(emu.port, "GET", "/crash-mid")
    assert r.status == 200
    assert b"before the crash" in r.body
    assert not r.complete
    r = rawhttp.request(emu.port, "GET", "/ok")
    assert r.status == 200
    assert len(read_log(runtime_log, event="init", count=2)) >= 2


def test_crash_before_bytes_is_502_then_recovers(emu):
    r = rawhttp.request(emu.port, "GET", "/crash-before")
    assert r.status == 502 and "message" in json.loads(r.body)
    first = json.loads(rawhttp.request(emu.port, "GET", "/ok").body)["pid"]
    assert rawhttp.request(emu.port, "GET", "/ok").status == 200
    assert first in emu.child_pids()


def test_timeout_before_bytes_is_502_and_child_restarted(lambda_local, runtime_log):
    emu = lambda_local(python_runtime(), args=["--timeout", "2"], env={"RUNTIME_LOG": str(runtime_log)})
    start = time.monotonic()
    r = rawhttp.request(emu.port, "GET", "/sleep?s=30")
    elapsed = time.monotonic() - start
    assert r.status == 502
    assert 1.8 < elapsed < 5, elapsed
    assert emu.wait_for_log(r"Task timed out after 2 seconds")
    r = rawhttp.request(emu.port, "GET", "/ok")
    assert r.status == 200
    assert len(read_log(runtime_log, event="init", count=2)) >= 2


def test_timeout_after_bytes_closes_connection(lambda_local, runtime_log):
    emu = lambda_local(python_runtime(), args=["--timeout", "2"], env={"RUNTIME_LOG": str(runtime_log)})
    r = rawhttp.request(emu.port, "GET", "/sleep-after-bytes?s=30")
    assert r.status == 200 and r.body == b"started\n" and not r.complete
    assert rawhttp.request(emu.port, "GET", "/ok").status == 200


def test_client_disconnect_mid_stream(emu, runtime_log):
    r = rawhttp.request(emu.port, "GET", "/long-stream?n=30", stop_after_chunks=2)
    assert len(r.chunks) == 2
    # Lambda keeps running after the client leaves: the runtime finishes and gets its 202.
    line = read_log(runtime_log, path="/long-stream", timeout=15)[0]
    assert line["status"] == 202 and line["sent"] == 30
    r = rawhttp.request(emu.port, "GET", "/stream?n=2&delay_ms=10")
    assert r.status == 200 and len(r.chunks) == 2
    assert emu.proc.poll() is None
    assert len(emu.child_pids()) == 1


def test_slow_client_backpressures_the_runtime(emu, runtime_log):
    mb = 48
    baseline = status_kb(emu.proc.pid, "VmRSS")
    sock = socket.create_connection(("127.0.0.1", emu.port), timeout=30)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(f"GET /flood?mb={mb} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        time.sleep(2.0)  # not reading: the emulator must stop reading from the runtime, not buffer 48 MB
        peak = status_kb(emu.proc.pid, "VmRSS")
        paused_at = time.time()
        received = 0
        while True:
            data = sock.recv(1 << 20)
            if not data:
                break
            received += len(data)
    finally:
        sock.close()
    assert received > mb * 1024 * 1024
    line = read_log(runtime_log, path="/flood", timeout=30)[0]
    assert line["status"] == 202
    assert line["finished_at"] > paused_at, "runtime finished while the client was not reading"
    assert baseline is not None and peak is not None, "the emulator's VmRSS is unreadable"
    assert peak - baseline < 32 * 1024, (baseline, peak)


def test_head_request_has_no_body(emu):
    r = rawhttp.request(emu.port, "HEAD", "/stream?n=2&delay_ms=10")
    assert r.status == 200 and r.body == b""
    assert rawhttp.request(emu.port, "GET", "/ok").status == 200


def test_missing_command_gives_502_and_keeps_serving(lambda_local):
    emu = lambda_local(["/nonexistent/runtime-binary"])
    for _ in range(2):
        assert rawhttp.request(emu.port, "GET", "/").status == 502
    assert emu.proc.poll() is None


def test_init_error_then_respawn(lambda_local, tmp_path):
    marker = tmp_path / "failed-once"
    emu = lambda_local(python_runtime(), env={"INIT_FAIL_ONCE": str(marker)})
    assert emu.wait_for_log(r"init error Runtime\.Test")
    assert emu.wait_for_log(r"child pid \d+ exited")
    r = rawhttp.request(emu.port, "GET", "/ok")
    assert r.status == 200
    assert len(emu.child_pids()) == 2


def test_child_that_never_initialises_gives_502_and_emulator_survives(lambda_local):
    emu = lambda_local(python_runtime(), env={"INIT_FAIL_ALWAYS": "1"})
    for _ in range(2):
        r = rawhttp.request(emu.port, "GET", "/ok", timeout=20)
        assert r.status == 502
    assert emu.proc.poll() is None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_kills_child(lambda_local, sig):
    emu = lambda_local(python_runtime())
    assert emu.wait_for_log(r"runtime ready")
    child = emu.child_pids()[0]
    emu.proc.send_signal(sig)
    assert emu.proc.wait(timeout=5) == 0, emu.log()
    assert "stopping" in emu.log()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("child survived SIGTERM of lambda-local")


# --- CORS ----------------------------------------------------------------------------------------------

@pytest.fixture
def cors_emu(lambda_local, tmp_path, runtime_log):
    config = tmp_path / "cors.json"
    config.write_text(json.dumps({
        "AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"],
        "AllowHeaders": ["content-type", "authorization"], "ExposeHeaders": ["x-custom"],
        "AllowCredentials": True, "MaxAge": 600,
    }))
    return lambda_local(python_runtime(), args=["--cors", str(config)], env={"RUNTIME_LOG": str(runtime_log)})


def test_cors_preflight_answered_without_invoking(cors_emu):
    r = rawhttp.request(cors_emu.port, "OPTIONS", "/anything", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert r.status in (200, 204)
    assert r.header("access-control-allow-origin") == "https://app.example"
    assert "POST" in r.header("access-control-allow-methods")
    assert "content-type" in r.header("access-control-allow-headers")
    assert r.header("access-control-max-age") == "600"
    assert r.header("access-control-allow-credentials") == "true"
    assert not cors_emu.wait_for_log(r"status=", timeout=0.3)
    r = rawhttp.request(cors_emu.port, "OPTIONS", "/anything", headers={
        "Origin": "https://other.example", "Access-Control-Request-Method": "POST"})
    assert r.header("access-control-allow-origin") is None


def test_cors_headers_on_responses_override_function(cors_emu):
    r = rawhttp.request(cors_emu.port, "GET", "/cors-headers", headers={"Origin": "https://app.example"})
    assert r.status == 200
    assert r.header_list("access-control-allow-origin") == ["https://app.example"]
    assert r.header("access-control-expose-headers") == "x-custom"
    assert r.header("access-control-allow-credentials") == "true"
    assert "Origin" in r.header("vary")
    r = rawhttp.request(cors_emu.port, "GET", "/error", headers={"Origin": "https://app.example"})
    assert r.status == 502 and r.header("access-control-allow-origin") == "https://app.example"
    r = rawhttp.request(cors_emu.port, "GET", "/ok")
    assert r.header("access-control-allow-origin") is None


def test_without_cors_options_reaches_function(emu):
    r = rawhttp.request(emu.port, "OPTIONS", "/echo", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
    assert r.status == 200
    assert json.loads(r.body)["requestContext"]["http"]["method"] == "OPTIONS"
    assert r.header("access-control-allow-origin") is None
