"""lambda-local --invoke-mode BUFFERED behaves as a BUFFERED Function URL: the client gets the whole response at
once (Content-Length, never chunked); the function's payload, streamed or not, is read as a payload-2.0 result
object when it is one and otherwise returned as a 200 application/json body, prelude bytes and all; over 6 MB is
a 502 Function.ResponseSizeTooLarge and the runtime's /response gets 413."""

import json
import pathlib
import sys
import time

import pytest

import rawhttp
from local_function import BOOTSTRAP

RUNTIMES = pathlib.Path(__file__).resolve().parent / "runtimes"
BUFFERED = ["--invoke-mode", "BUFFERED"]


def read_log(log_file, timeout=15.0, **match):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log_file.exists():
            hits = [l for l in map(json.loads, log_file.read_text().splitlines())
                    if all(l.get(k) == v for k, v in match.items())]
            if hits:
                return hits[0]
        time.sleep(0.05)
    raise AssertionError(f"no runtime log line matching {match}")


@pytest.fixture
def emu(lambda_local, runtime_log):
    return lambda_local([sys.executable, "-u", str(RUNTIMES / "scenario_runtime.py")], args=BUFFERED,
                        env={"RUNTIME_LOG": str(runtime_log)})


def assert_whole(r):
    """One piece with a Content-Length: nothing was relayed before the function finished."""
    assert r.complete and r.header("transfer-encoding") is None
    assert r.header("content-length") == str(len(r.body))
    assert len(r.chunks) <= 1


def test_a_streamed_response_arrives_whole_with_its_prelude_as_body_bytes(emu, runtime_log):
    r = rawhttp.request(emu.port, "GET", "/stream?n=3&delay_ms=200")
    assert r.status == 200 and r.header("content-type") == "application/json"
    assert_whole(r)
    # Nothing reached the client until the function had written everything (0.4 s of pauses).
    assert r.head_time - r.started >= 0.35
    prelude, rest = r.body.split(b"\0" * 8, 1)
    assert json.loads(prelude)["statusCode"] == 200
    assert [line.split()[:2] for line in rest.decode().splitlines()] == [["chunk", "0"], ["chunk", "1"], ["chunk", "2"]]
    assert read_log(runtime_log, path="/stream")["status"] == 202


def test_a_streamed_payload_2_result_object_is_the_http_response(emu, runtime_log):
    r = rawhttp.request(emu.port, "GET", "/stream-result")
    assert r.status == 201
    assert_whole(r)
    assert r.header("content-type") == "text/plain" and r.header("x-result") == "yes"
    assert r.header_list("set-cookie") == ["r=1; Path=/"]
    assert r.body == b"streamed result"
    assert read_log(runtime_log, path="/stream-result")["status"] == 202


def test_buffered_responses_as_payload_2_results_or_plain_json(emu):
    r = rawhttp.request(emu.port, "GET", "/buffered-http")
    assert r.status == 418 and r.header("x-teapot") == "1" and r.body == b"\x00\x01binary"
    assert_whole(r)
    r = rawhttp.request(emu.port, "GET", "/buffered-plain")
    assert r.status == 200 and r.header("content-type") == "application/json"
    assert r.json() == {"hello": "world"}


def test_six_mib_passes_and_more_is_502_response_size_too_large(emu, runtime_log):
    r = rawhttp.request(emu.port, "GET", "/big-buffered?mb=6")
    assert r.status == 200 and len(r.body) == 6 * 1024 * 1024
    assert read_log(runtime_log, path="/big-buffered")["status"] == 202
    r = rawhttp.request(emu.port, "GET", "/flood?mb=7")
    assert r.status == 502
    assert r.json()["errorType"] == "Function.ResponseSizeTooLarge"
    # The streamed /response was read to its end and then refused, as a buffered one is.
    assert read_log(runtime_log, path="/flood")["status"] == 413
    assert rawhttp.request(emu.port, "GET", "/buffered-plain").status == 200


def test_bootstrap_streamed_and_buffered_answers_behind_a_buffered_url(lambda_local):
    emu = lambda_local([BOOTSTRAP], args=BUFFERED, env={"AGENTSTREAM_HANDLER": "echo"})
    r = rawhttp.request(emu.port, "POST", "/echo?delay_ms=100", body="one two three")
    assert r.status == 200
    assert_whole(r)
    prelude, sse = r.body.split(b"\0" * 8, 1)
    assert json.loads(prelude)["headers"]["content-type"] == "text/event-stream"
    frames = [json.loads(block[len(b"data: "):]) for block in sse.split(b"\n\n") if block.startswith(b"data: ")]
    assert [f["data"] for f in frames if f["type"] == "chunk"] == ["one", "two", "three"]
    assert frames[-1]["type"] == "complete"
    r = rawhttp.request(emu.port, "GET", "/bytes?n=10&mode=buffered")
    assert r.status == 200 and r.body == b"x" * 10 and r.header("content-type") == "application/json"
    assert_whole(r)
