"""bootstrap against a recording Runtime API: the exact bytes it sends (docs/ARCHITECTURE.md, "Runtime API") and its fault handling."""

import base64
import json
import os
import pathlib
import signal
import subprocess
import time

import pytest

from runtime_stub import RuntimeStub, url_event
from procfs import status_kb

ROOT = pathlib.Path(__file__).resolve().parents[2]
BOOTSTRAP = os.environ.get("BOOTSTRAP_BIN", str(ROOT / ".build" / "debug" / "bootstrap"))


@pytest.fixture
def stub():
    s = RuntimeStub()
    yield s
    s.close()


@pytest.fixture
def start_bootstrap(stub):
    procs = []

    def start(env_extra=None, runtime_api=None):
        env = dict(os.environ)
        env["AWS_LAMBDA_RUNTIME_API"] = runtime_api or stub.address
        env.pop("AGENTSTREAM_HANDLER", None)
        env["AGENTSTREAM_HANDLER"] = "echo"
        env.update(env_extra or {})
        p = subprocess.Popen([BOOTSTRAP], env=env, stderr=subprocess.PIPE, start_new_session=True)
        procs.append(p)
        return p

    yield start
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=5)
        if p.stderr:
            p.stderr.close()


def response_of(stub, rid, timeout=10):
    return stub.wait_done(lambda r: r.path.endswith(f"/invocation/{rid}/response"), timeout)


def error_of(stub, rid, timeout=10):
    return stub.wait_done(lambda r: r.path.endswith(f"/invocation/{rid}/error"), timeout)


def test_streamed_response_wire_bytes(stub, start_bootstrap):
    rid = stub.push(url_event(body="alpha beta gamma"))
    start_bootstrap()
    r = response_of(stub, rid)
    head = r.head_bytes.decode("latin-1")
    lines = head.split("\r\n")
    assert lines[0] == f"POST /2018-06-01/runtime/invocation/{rid}/response HTTP/1.1"
    assert head.endswith("\r\n\r\n")
    assert r.header("Lambda-Runtime-Function-Response-Mode") == "streaming"
    assert r.header("Transfer-Encoding") == "chunked"
    assert r.header("Trailer") == "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"
    assert r.header("Content-Type") == "application/vnd.awslambda.http-integration-response"
    assert r.header("Expect") is None and r.header("Content-Length") is None

    chunks = [c for _, c in r.chunks]
    prelude = chunks[0]
    assert b"\x00" not in prelude
    doc = json.loads(prelude)
    assert doc == {
        "statusCode": 200,
        "headers": {"content-type": "text/event-stream", "cache-control": "no-cache", "x-accel-buffering": "no"},
        "cookies": [],
    }
    assert chunks[1] == b"\x00" * 8
    frames = chunks[2:]
    # One HTTP chunk per SSE frame, each exactly one `data: <json>\n\n` line.
    assert len(frames) == 5
    for f in frames:
        assert f.startswith(b"data: ") and f.endswith(b"\n\n") and f.count(b"\n") == 2
    parsed = [json.loads(f[6:]) for f in frames]
    assert parsed[0] == {"type": "metadata", "request_id": rid, "session_id": "echo", "agent": "echo"}
    assert [p["data"] for p in parsed[1:4]] == ["alpha", "beta", "gamma"]
    assert parsed[4]["type"] == "complete" and isinstance(parsed[4]["execution_time_ms"], int)
    assert r.raw_tail == b"0\r\n\r\n" and r.trailers == []
    assert r.status_sent == 202


def test_each_frame_is_sent_when_written(stub, start_bootstrap):
    rid = stub.push(url_event(body="one two three four five", query={"delay_ms": "200"}))
    start_bootstrap()
    r = response_of(stub, rid)
    times = [t for t, c in r.chunks if c.startswith(b'data: {"type":"chunk"')]
    assert len(times) == 5
    gaps = [b - a for a, b in zip(times, times[1:])]
    # Written 200 ms apart, so each must have arrived on its own rather than in a burst.
    assert all(g > 0.15 for g in gaps), gaps


def test_error_after_first_write_sends_trailers(stub, start_bootstrap):
    rid = stub.push(url_event(body="a b c", query={"fail": "after"}))
    start_bootstrap()
    r = response_of(stub, rid)
    frames = [c for _, c in r.chunks[2:]]
    last = json.loads(frames[-1][6:])
    assert last["type"] == "error" and last["error_code"] == "EchoFailure"
    trailers = dict(r.trailers)
    assert trailers["Lambda-Runtime-Function-Error-Type"] == "Function.EchoFailure"
    body = json.loads(base64.b64decode(trailers["Lambda-Runtime-Function-Error-Body"], validate=True))
    assert body == {
        "errorMessage": "failure requested after the first frame",
        "errorType": "Function.EchoFailure",
        "stackTrace": [],
    }
    assert r.raw_tail.startswith(b"0\r\nLambda-Runtime-Function-Error-Type: Function.EchoFailure\r\n")
    assert r.raw_tail.endswith(b"\r\n\r\n")


def test_error_before_first_write_posts_error(stub, start_bootstrap):
    rid = stub.push(url_event(body="a b", query={"fail": "before"}))
    start_bootstrap()
    r = error_of(stub, rid)
    assert r.header("Lambda-Runtime-Function-Error-Type") == "Function.EchoFailure"
    assert json.loads(r.body) == {
        "errorMessage": "failure requested before the first byte",
        "errorType": "Function.EchoFailure",
        "stackTrace": [],
    }
    assert not any(x.path.endswith(f"{rid}/response") for x in stub.requests)


def test_malformed_event_reports_invalid_event(stub, start_bootstrap):
    rid = stub.push(b'{"version": "2.0", "rawPath": ')
    rid2 = stub.push(url_event(body="still alive"))
    start_bootstrap()
    r = error_of(stub, rid)
    assert r.header("Lambda-Runtime-Function-Error-Type") == "Function.InvalidEvent"
    assert "not valid JSON" in json.loads(r.body)["errorMessage"]
    assert response_of(stub, rid2).status_sent == 202


def test_event_that_is_not_a_function_url_event(stub, start_bootstrap):
    rid = stub.push({"hello": "world"})
    start_bootstrap()
    r = error_of(stub, rid)
    assert "requestContext.http" in json.loads(r.body)["errorMessage"]


def test_missing_deadline_header(stub, start_bootstrap):
    rid = stub.push(url_event(body="x"), omit=("Lambda-Runtime-Deadline-Ms",))
    rid2 = stub.push(url_event(body="next"))
    start_bootstrap()
    r = error_of(stub, rid)
    assert r.header("Lambda-Runtime-Function-Error-Type") == "Runtime.InvalidInvocation"
    assert "Lambda-Runtime-Deadline-Ms" in json.loads(r.body)["errorMessage"]
    assert response_of(stub, rid2).status_sent == 202


def test_missing_request_id_is_skipped(stub, start_bootstrap):
    stub.push(url_event(body="x"), omit=("Lambda-Runtime-Aws-Request-Id",))
    rid2 = stub.push(url_event(body="next"))
    p = start_bootstrap()
    assert response_of(stub, rid2).status_sent == 202
    assert p.poll() is None


def test_runtime_api_unreachable_at_start(start_bootstrap):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens here now
    p = start_bootstrap(runtime_api=f"127.0.0.1:{port}")
    assert p.wait(timeout=10) != 0
    err = p.stderr.read().decode()
    assert f"127.0.0.1:{port}" in err and "unreachable" in err


def test_runtime_api_env_with_scheme_and_slash(stub, start_bootstrap):
    rid = stub.push(url_event(body="x"))
    start_bootstrap(runtime_api=f"http://{stub.address}/")
    assert response_of(stub, rid).status_sent == 202


def test_init_error_names_the_variable(stub, start_bootstrap):
    p = start_bootstrap(env_extra={"AGENTSTREAM_HANDLER": "nope"})
    r = stub.wait_done(lambda r: r.path.endswith("/runtime/init/error"))
    assert r.header("Lambda-Runtime-Function-Error-Type") == "Function.ConfigError"
    assert "AGENTSTREAM_HANDLER" in json.loads(r.body)["errorMessage"]
    assert p.wait(timeout=10) == 1


def test_runtime_api_closes_connection_mid_stream(stub, start_bootstrap):
    stub.cut_after_chunks = 3
    rid = stub.push(url_event(body="a b c d e f", query={"delay_ms": "50"}))
    p = start_bootstrap()
    stub.wait_done(lambda r: r.path.endswith(f"{rid}/response"))
    stub.cut_after_chunks = None
    rid2 = stub.push(url_event(body="recovered"))
    r = response_of(stub, rid2)
    assert r.status_sent == 202 and b"recovered" in r.body
    assert p.poll() is None


def test_oversized_buffered_response_reports_error(stub, start_bootstrap):
    rid = stub.push(url_event(method="GET", path="/bytes", query={"n": str(7 * 1024 * 1024), "mode": "buffered"}))
    start_bootstrap()
    r = response_of(stub, rid, timeout=20)
    assert r.status_sent == 413
    e = error_of(stub, rid)
    assert e.header("Lambda-Runtime-Function-Error-Type") == "Function.ResponseSizeTooLarge"


def test_ten_thousand_sequential_invocations(stub, start_bootstrap):
    total = 10_000
    warmup = 1_000
    ids = [stub.push(url_event(body="w1 w2 w3")) for _ in range(total)]
    p = start_bootstrap()
    response_of(stub, ids[warmup - 1], timeout=120)
    before = status_kb(p.pid, "VmRSS")
    last = response_of(stub, ids[-1], timeout=600)
    after = status_kb(p.pid, "VmRSS")
    assert before is not None and after is not None, "bootstrap's VmRSS is unreadable"
    assert last.status_sent == 202
    responses = [r for r in stub.requests if r.path.endswith("/response")]
    assert len(responses) == total
    assert all(r.status_sent == 202 and r.body.endswith(b'}\n\n') for r in responses)
    assert not any(r.path.endswith("/error") for r in stub.requests)
    print(f"RSS after {warmup} invocations: {before} kB; after {total}: {after} kB")
    if os.environ.get("AGENTSTREAM_SANITIZER"):
        # `make test-sanitize`: ASan holds freed memory in quarantine and TSan keeps shadow memory, so RSS grows
        # by design there; the invocations above must still all succeed.
        return
    # A leak of even ~100 bytes per invocation would show up as ~1 MB here.
    assert after - before < 2048, (before, after)


def test_concurrent_invocations_share_one_curl_loop(stub, start_bootstrap):
    """AWS_LAMBDA_MAX_CONCURRENCY=4: four workers on one curl loop, streams overlapping. Also what
    `make test-tsan` needs to see the workers, the loop and the transfers' shared state race-free."""
    total = 60
    ids = [stub.push(url_event(body="a b c", query={"delay_ms": "20"})) for _ in range(total)]
    start_bootstrap({"AWS_LAMBDA_MAX_CONCURRENCY": "4"})
    responses = [response_of(stub, rid, timeout=120) for rid in ids]
    for r in responses:
        prelude, _, sse = r.body.partition(b"\x00" * 8)
        assert json.loads(prelude)["statusCode"] == 200
        frames = [json.loads(block[6:]) for block in sse.split(b"\n\n") if block.startswith(b"data: ")]
        assert [f["type"] for f in frames] == ["metadata", "chunk", "chunk", "chunk", "complete"], r.body
        assert [f["data"] for f in frames if f["type"] == "chunk"] == ["a", "b", "c"]
    spans = sorted((r.chunks[0][0], r.chunks[-1][0]) for r in responses)
    overlapping = sum(1 for (_, end), (start, _) in zip(spans, spans[1:]) if start < end)
    assert overlapping >= total // 4, f"only {overlapping} of {total} streams overlapped the one before"
    assert not any(r.path.endswith("/error") for r in stub.requests)
