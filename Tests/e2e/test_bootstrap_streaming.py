"""The real bootstrap under lambda-local, seen from an HTTP client: frames arrive one by one, as written."""

import json

from rawhttp import request
from local_function import LocalFunction


def test_frames_written_200ms_apart_arrive_separately():
    with LocalFunction(env={"AGENTSTREAM_HANDLER": "echo"}) as f:
        # A first invocation pays the child's start-up; the measured one is warm, as on Lambda.
        assert request(f.url + "/echo", method="POST", body="warm up").status == 200
        r = request(f.url + "/echo?delay_ms=200", method="POST", body="one two three four five")
    assert r.status == 200 and r.header("content-type") == "text/event-stream"
    assert r.complete
    frames = r.frames()
    chunks = [(t, f) for t, kind, f in frames if kind == "data" and f["type"] == "chunk"]
    assert [f["data"] for _, f in chunks] == ["one", "two", "three", "four", "five"]
    times = [t for t, _ in chunks]
    # Five separate arrivals: the first within 100 ms of the request, then one every ~200 ms.
    assert times[0] < 0.1, times
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(0.15 < g < 0.35 for g in gaps), gaps
    # Each frame came in its own piece: no piece carries two frames.
    assert all(piece.count(b"\n\n") == 1 for _, piece in r.pieces), [p for _, p in r.pieces]
    assert frames[-1][2]["type"] == "complete"


def test_status_headers_and_errors_pass_through_the_prelude():
    with LocalFunction(env={"AGENTSTREAM_HANDLER": "echo"}) as f:
        missing = request(f.url + "/nothing", method="GET")
        before = request(f.url + "/echo?fail=before", method="POST", body="a b")
        after = request(f.url + "/echo?fail=after", method="POST", body="a b")
        ok = request(f.url + "/echo", method="POST", body="still fine")
    assert missing.status == 404 and missing.json()["error"] == "not_found"
    # A failure before the first byte reaches the client as Lambda's 502.
    assert before.status == 502
    # After the first byte the status is already 200: the in-band error frame is the last frame.
    assert after.status == 200
    last = after.data_frames()[-1]
    assert last["type"] == "error" and last["error_code"] == "EchoFailure"
    assert [x["data"] for x in ok.data_frames() if x["type"] == "chunk"] == ["still", "fine"]
