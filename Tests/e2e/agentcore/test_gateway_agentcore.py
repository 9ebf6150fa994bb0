"""bootstrap (the gateway) under lambda-local, calling a real bedrock-agentcore agent through the SigV4-checking
front door: frames, sessions, unicode, agent errors, non-streaming agents, and upstream faults."""

import base64
import json
import os
import socket
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import agentcore_servers as servers  # noqa: E402
from rawhttp import request  # noqa: E402
from local_function import LocalFunction  # noqa: E402

ARN = servers.make_arn("gateway_agent-AbCdEf1234")
SESSION = "e2e-session-" + "x" * 30


def gateway_env(front_url, **extra):
    env = {
        "AGENTCORE_RUNTIME_ARN": ARN,
        "AGENTCORE_ENDPOINT": front_url,
        "AWS_REGION": servers.TEST_REGION,
        "AWS_ACCESS_KEY_ID": servers.TEST_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": servers.TEST_SECRET_ACCESS_KEY,
        "AWS_SESSION_TOKEN": "FQoGZXIvYXdzEXAMPLETOKEN",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.fixture
def function(front):
    with LocalFunction(env=gateway_env(front.url)) as f:
        yield f


def invoke(function, body, **kw):
    return request(function.url + "/", method="POST", body=body, **kw)


def assert_single_terminal(frames):
    ends = [f for f in frames if f["type"] in ("complete", "error")]
    assert len(ends) == 1 and frames[-1] is ends[0], frames
    assert frames[0]["type"] == "metadata"


def test_streams_frames_with_session_and_unicode(function, front):
    r = invoke(function, {"prompt": "Flight EY123 délai ✈", "session_id": SESSION, "chunks": 3, "delay": 0.2})
    assert r.status == 200, r.body
    assert r.header("content-type") == "text/event-stream"
    assert r.header("cache-control") == "no-cache" and r.header("x-accel-buffering") == "no"
    frames = r.data_frames()
    assert_single_terminal(frames)
    meta = frames[0]
    assert meta["session_id"] == SESSION and meta["agent"] == "default" and meta["request_id"]
    chunks = [f["data"] for f in frames if f["type"] == "chunk"]
    assert chunks == [f'chunk {i} for Flight EY123 délai ✈ [session {SESSION}] é ✈ "q"\nline2' for i in range(3)]
    assert frames[-1]["type"] == "complete" and frames[-1]["execution_time_ms"] >= 400
    # The agent's events were 200 ms apart: each chunk frame must arrive on its own.
    times = [t for t, kind, f in r.frames() if kind == "data" and f["type"] == "chunk"]
    assert all(b - a > 0.1 for a, b in zip(times, times[1:])), times
    # The front verified the SigV4 signature (it answers 403 otherwise) and saw the session header.
    (seen,) = servers.recorded_requests(front.url)
    headers = {k.lower(): v for k, v in seen["headers"].items()} if isinstance(seen["headers"], dict) else {
        k.lower(): v for k, v in seen["headers"]}
    assert headers["x-amzn-bedrock-agentcore-runtime-session-id"] == SESSION
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "x-amz-security-token" in headers["authorization"]
    assert headers["accept"] == "text/event-stream" and headers["content-type"] == "application/json"


def test_generates_a_session_id_when_absent(function):
    r = invoke(function, {"prompt": "hi", "chunks": 1})
    frames = r.data_frames()
    sid = frames[0]["session_id"]
    assert len(sid) == 36 and sid.count("-") == 4
    first_chunk = next(f for f in frames if f["type"] == "chunk")
    assert f"[session {sid}]" in first_chunk["data"]


def test_object_events_are_relayed_as_objects(function):
    r = invoke(function, {"prompt": "x", "mode": "dicts", "chunks": 2, "session_id": SESSION})
    chunks = [f["data"] for f in r.data_frames() if f["type"] == "chunk"]
    assert chunks == [
        {"event": {"contentBlockDelta": {"delta": {"text": f"tok{i}"}}}, "session": SESSION} for i in range(2)
    ]


def test_agent_exception_mid_stream_becomes_the_last_error_frame(function):
    r = invoke(function, {"prompt": "x", "mode": "error"})
    frames = r.data_frames()
    assert_single_terminal(frames)
    assert [f["data"] for f in frames if f["type"] == "chunk"] == ["chunk 0", "chunk 1"]
    err = frames[-1]
    assert err["type"] == "error" and err["error_code"] == "AgentError"
    assert "boom mid-stream" in err["error_message"] and err["retryable"] is False


def test_non_streaming_agent_gives_one_chunk(function):
    r = invoke(function, {"prompt": "there", "mode": "plain", "session_id": SESSION})
    frames = r.data_frames()
    assert_single_terminal(frames)
    assert [f["type"] for f in frames] == ["metadata", "status", "status", "chunk", "complete"]
    assert [f["phase"] for f in frames if f["type"] == "status"] == ["connecting", "streaming"]
    assert frames[3]["data"] == {"result": "hello there", "session": SESSION}


def test_agent_failing_before_streaming_is_an_http_error(function):
    r = invoke(function, {"prompt": "x", "mode": "raise"})
    # The SDK answers 500 {"error": ...}; the front passes it through like AgentCore's RuntimeClientError.
    assert r.status in (502, 503), r.body
    body = r.json()
    assert body["error"] == "upstream" and body["upstream_status"] == 500


@pytest.mark.parametrize(
    "body, field",
    [
        ({"session_id": SESSION}, "prompt"),
        ({"prompt": ""}, "prompt"),
        ({"prompt": 3}, "prompt"),
        ({"prompt": "x", "session_id": "short"}, "session_id"),
        ({"prompt": "x", "session_id": "-" + "a" * 40}, "session_id"),
        ({"prompt": "x", "agent": 5}, "agent"),
        ([1, 2], "body"),
    ],
)
def test_validation_errors_name_the_field(function, front, body, field):
    r = invoke(function, body)
    assert r.status == 400
    doc = r.json()
    assert doc["error"] == "validation" and doc["fields"] == [field] and doc["message"]
    assert servers.recorded_requests(front.url) == []


def test_invalid_json_and_unknown_agent_and_route(function):
    r = request(function.url + "/invoke", method="POST", body=b"{nope", headers={"Content-Type": "application/json"})
    assert r.status == 400 and r.json()["fields"] == ["body"]
    r = invoke(function, {"prompt": "x", "agent": "nobody"})
    assert r.status == 404 and "nobody" in r.json()["message"]
    r = request(function.url + "/nowhere", method="GET")
    assert r.status == 404 and r.json()["error"] == "not_found"


def test_body_over_one_megabyte_is_413(function):
    r = invoke(function, {"prompt": "x" * (1024 * 1024 + 10)})
    assert r.status == 413 and r.json()["error"] == "payload_too_large"


@pytest.mark.parametrize(
    "status, error_type, expected_status, retryable",
    [
        (403, "AccessDeniedException", 502, False),
        (424, "RuntimeClientError", 502, False),
        (429, "ThrottlingException", 503, True),
        (500, "InternalServerException", 502, True),
    ],
)
def test_aws_errors_map_to_http_errors(function, front, status, error_type, expected_status, retryable):
    servers.control(front.url, status=status, error_type=error_type, message=f"simulated {error_type}")
    r = invoke(function, {"prompt": "x"})
    assert r.status == expected_status
    doc = r.json()
    assert doc["code"] == error_type and doc["upstream_status"] == status and doc["retryable"] is retryable
    assert f"simulated {error_type}" in doc["message"]


def test_upstream_refused(front):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    s.close()
    with LocalFunction(env=gateway_env(dead)) as f:
        r = invoke(f, {"prompt": "x"})
    assert r.status == 502
    assert r.json()["code"] == "UpstreamUnreachable" and r.json()["retryable"] is True


def test_connection_reset_mid_stream(function, front):
    servers.control(front.url, reset_after_bytes=60)
    r = invoke(function, {"prompt": "x", "chunks": 5, "delay": 0.05})
    frames = r.data_frames()
    assert_single_terminal(frames)
    assert frames[-1]["type"] == "error" and frames[-1]["error_code"] == "UpstreamConnectionLost"
    assert frames[-1]["retryable"] is True


def test_comment_heartbeats_while_the_agent_is_silent_with_status_frames_off(front):
    with LocalFunction(env=gateway_env(front.url, HEARTBEAT_MS=300, STATUS_FRAMES="off")) as f:
        r = invoke(f, {"prompt": "x", "mode": "slow", "chunks": 2, "silence": 1.2})
    kinds = [kind for _, kind, _ in r.frames()]
    assert kinds.count("comment") >= 2, kinds
    frames = r.data_frames()
    assert_single_terminal(frames)
    assert [f["type"] for f in frames if f["type"] == "status"] == []
    assert [f["data"] for f in frames if f["type"] == "chunk"] == ["slow 0", "slow 1"]


def test_status_frames_show_progress_while_the_agent_is_silent(front):
    with LocalFunction(env=gateway_env(front.url, HEARTBEAT_MS=300)) as f:
        r = invoke(f, {"prompt": "x", "mode": "slow", "chunks": 2, "silence": 1.2})
    kinds = [kind for _, kind, _ in r.frames()]
    assert "comment" not in kinds, kinds
    frames = r.data_frames()
    assert_single_terminal(frames)
    types = [f["type"] if f["type"] != "status" else f["phase"] for f in frames]
    # metadata, connecting, streaming once right before the first chunk, then `waiting` every 300 ms while the
    # agent is silent between its chunks.
    assert types[:2] == ["metadata", "connecting"], types
    first_chunk = types.index("chunk")
    assert types[first_chunk - 1] == "streaming" and types.count("streaming") == 1, types
    second_chunk = len(types) - 1 - types[::-1].index("chunk")
    waiting = [f for f in frames[first_chunk:second_chunk] if f.get("phase") == "waiting"]
    assert len(waiting) >= 2, types
    elapsed = [f["elapsed_ms"] for f in waiting]
    assert elapsed == sorted(elapsed) and elapsed[-1] - elapsed[0] >= 250, elapsed
    assert [f["data"] for f in frames if f["type"] == "chunk"] == ["slow 0", "slow 1"]


def test_idle_timeout_ends_with_error(front):
    with LocalFunction(env=gateway_env(front.url, HEARTBEAT_MS=200, UPSTREAM_IDLE_TIMEOUT_MS=800)) as f:
        started = time.monotonic()
        r = invoke(f, {"prompt": "x", "mode": "slow", "chunks": 2, "silence": 5})
        elapsed = time.monotonic() - started
    frames = r.data_frames()
    assert_single_terminal(frames)
    assert frames[-1]["error_code"] == "UpstreamIdleTimeout" and frames[-1]["retryable"] is True
    assert elapsed < 4, elapsed


def test_deadline_ends_the_stream_before_the_function_times_out(front):
    with LocalFunction(env=gateway_env(front.url, DEADLINE_MARGIN_MS=1000), timeout=3) as f:
        started = time.monotonic()
        r = invoke(f, {"prompt": "x", "mode": "slow", "chunks": 10, "silence": 0.5})
        elapsed = time.monotonic() - started
        # lambda-local logs the error trailers after the client's body has ended: wait for the line.
        wait_until = time.monotonic() + 5
        while "Function.Deadline" not in f.logs() and time.monotonic() < wait_until:
            time.sleep(0.05)
        logs = f.logs()
    frames = r.data_frames()
    assert_single_terminal(frames)
    assert frames[-1]["type"] == "error" and frames[-1]["error_code"] == "Deadline"
    assert r.complete, "the stream must end cleanly, not be cut by the function timeout"
    assert 1.5 < elapsed < 3.0, elapsed
    assert "Function.Deadline" in logs


@pytest.mark.parametrize("event_bytes, total", [(65536, 5 * 1024 * 1024), (1, 10_000)])
def test_large_answers_arrive_intact(front, event_bytes, total):
    with LocalFunction(env=gateway_env(front.url)) as f:
        r = invoke(f, {"prompt": "x", "mode": "big", "total_bytes": total, "event_bytes": event_bytes}, timeout=300)
    frames = r.data_frames()
    assert_single_terminal(frames)
    assert frames[-1]["type"] == "complete"
    text = "".join(f["data"] for f in frames if f["type"] == "chunk")
    assert len(text) == total
    if event_bytes > 8:
        # Each event starts with its index: order and boundaries are preserved.
        for i, f in enumerate(x for x in frames if x["type"] == "chunk"):
            assert f["data"].startswith(f"{i:08d}:")


def test_invocation_log_line_has_no_secrets_or_prompt(front):
    with LocalFunction(env=gateway_env(front.url, LOG_LEVEL="debug")) as f:
        r = invoke(f, {"prompt": "top secret prompt text", "session_id": SESSION, "chunks": 1})
        assert r.status == 200
        time.sleep(0.3)
        logs = f.logs()
    lines = [json.loads(l) for l in logs.splitlines() if l.startswith("{") and '"msg":"invocation"' in l]
    assert lines, logs
    line = lines[-1]
    for key in ("request_id", "session_id", "agent", "status", "first_byte_ms", "frames", "bytes", "duration_ms"):
        assert key in line, (key, line)
    assert line["session_id"] == SESSION and line["status"] == 200 and line["outcome"] == "complete"
    for secret in (servers.TEST_SECRET_ACCESS_KEY, "FQoGZXIvYXdzEXAMPLETOKEN", "top secret prompt text"):
        assert secret not in logs
    assert base64.b64encode(servers.TEST_SECRET_ACCESS_KEY.encode()).decode() not in logs
