"""lambda-local runs concurrent requests as Lambda does: classic mode (an execution environment per concurrent
request, up to --max-environments, then 429; idle ones reaped) and --max-concurrency N (one Managed Instance
environment holding N invocations). Real lambda-local, real children (bootstrap and a Python runtime client),
raw sockets."""

import json
import os
import pathlib
import re
import statistics
import sys
import threading
import time

import pytest

import rawhttp
from local_function import BOOTSTRAP

RUNTIMES = pathlib.Path(__file__).resolve().parent / "runtimes"
ECHO = {"AGENTSTREAM_HANDLER": "echo"}
# Figures collected while the timing tests run, printed after the module's tests (pytest -s shows them).
FIGURES = {}


@pytest.fixture(scope="module", autouse=True)
def print_figures():
    yield
    for name, values in FIGURES.items():
        print(f"\n{name}: {values} ms", end="")


def python_runtime():
    return [sys.executable, "-u", str(RUNTIMES / "scenario_runtime.py")]


def read_log(log_file, count=1, timeout=15.0, **match):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log_file.exists():
            lines = [json.loads(l) for l in log_file.read_text().splitlines() if l.strip()]
            hits = [l for l in lines if all(l.get(k) == v for k, v in match.items())]
            if len(hits) >= count:
                return hits
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} runtime log lines matching {match} in {log_file}")


def at_once(count, call):
    """Runs call(i) for i in range(count) on threads released together; returns the results in order."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        barrier.wait()
        results[i] = call(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(r is not None for r in results), "a request did not finish"
    return results


def cold_starts(emu):
    return [int(ms) for ms in re.findall(r"runtime ready, cold start init (\d+) ms", emu.log())]


# --- first chunk under concurrency: classic (bootstrap's echo handler) and Managed Instance (Python runtime) ------

ECHO_REQUEST = {"method": "POST", "path": "/echo?delay_ms=100", "body": "alpha beta gamma"}
STREAM_REQUEST = {"path": "/stream?n=3&delay_ms=100"}


def echo_first_chunk(r):
    """Seconds from request to the first `chunk` frame of bootstrap's echo handler."""
    assert r.status == 200 and r.complete, (r.status, r.body[:300])
    chunks = [t for t, kind, f in r.frames() if kind == "data" and f["type"] == "chunk"]
    assert len(chunks) == 3
    return chunks[0]


def stream_first_chunk(r):
    """Seconds from request to the first body chunk of the scenario runtime's /stream."""
    assert r.status == 200 and r.complete and len(r.chunks) == 3, (r.status, r.body[:300])
    return r.pieces[0][0]


def first_chunks(port, spec, first_chunk, k):
    return [first_chunk(r) for r in rawhttp.request_many(port, [spec] * k, timeout=30)]


def assert_concurrent_first_chunks_match_lone(label, port, spec, first_chunk, counts=(3, 20)):
    """Each of K concurrent streams sees its first chunk within 100 ms of what a lone stream sees.

    The lone figure is the median of five warm runs; each K is measured after a warm-up round of K (so every
    stream has a warm environment, as it would on Lambda once scaled), taking the best of up to five rounds so
    one busy moment of a shared two-core machine does not decide. Serialised streams would miss by ~0.2 s per
    stream ahead of them, in every round.
    """
    # Under `make test-sanitize` bootstrap runs several times slower; a wider margin still tells overlapping
    # streams from serialised ones (which would miss by ~0.2 s per stream ahead of them).
    margin = 0.500 if os.environ.get("AGENTSTREAM_SANITIZER") else 0.100
    lone = statistics.median(first_chunks(port, spec, first_chunk, 1)[0] for _ in range(5))
    FIGURES[f"{label} lone"] = [round(lone * 1000, 1)]
    for k in counts:
        warm_up = first_chunks(port, spec, first_chunk, k)
        FIGURES[f"{label} {k} concurrent, first round (max)"] = [round(max(warm_up) * 1000, 1)]
        rounds = []
        for _ in range(5):
            times = first_chunks(port, spec, first_chunk, k)
            rounds.append(times)
            if max(times) <= lone + margin:
                break
        best = min(rounds, key=max)
        FIGURES[f"{label} {k} concurrent (max, median)"] = [round(max(best) * 1000, 1),
                                                              round(statistics.median(best) * 1000, 1)]
        assert max(best) <= lone + margin, (label, k, lone, rounds)


def test_classic_concurrent_streams_start_as_fast_as_a_lone_one(lambda_local):
    emu = lambda_local([BOOTSTRAP], args=["--max-environments", "20"], env=ECHO)
    assert_concurrent_first_chunks_match_lone("classic", emu.port, ECHO_REQUEST, echo_first_chunk)
    # Twenty streams at once took twenty environments, each with its own cold start.
    assert len(emu.child_pids()) == 20
    starts = cold_starts(emu)
    assert len(starts) == 20, emu.log()
    FIGURES["classic cold start init (min, median, max ms)"] = [min(starts), statistics.median(starts), max(starts)]


def test_managed_concurrent_streams_start_as_fast_as_a_lone_one(lambda_local):
    emu = lambda_local(python_runtime(), args=["--max-concurrency", "20"])
    assert_concurrent_first_chunks_match_lone("managed", emu.port, STREAM_REQUEST, stream_first_chunk)
    # One Managed Instance environment did it all.
    assert len(emu.child_pids()) == 1 and len(cold_starts(emu)) == 1


def test_managed_bootstrap_serves_concurrent_streams_as_fast_as_a_lone_one(lambda_local):
    # bootstrap itself as the Managed Instance: one process, AWS_LAMBDA_MAX_CONCURRENCY=20 workers on one curl thread.
    emu = lambda_local([BOOTSTRAP], args=["--max-concurrency", "20"], env=ECHO)
    assert_concurrent_first_chunks_match_lone("managed bootstrap", emu.port, ECHO_REQUEST, echo_first_chunk)
    assert len(emu.child_pids()) == 1 and len(cold_starts(emu)) == 1


# --- classic mode --------------------------------------------------------------------------------------------

def test_classic_each_concurrent_request_gets_its_own_environment(lambda_local, runtime_log):
    emu = lambda_local(python_runtime(), env={"RUNTIME_LOG": str(runtime_log)})
    results = at_once(3, lambda i: rawhttp.request(emu.port, "GET", f"/stream?n=3&delay_ms=200&i={i}"))
    assert [r.status for r in results] == [200] * 3 and all(r.complete for r in results)
    # Overlapping, not queued: every stream had its first chunk before any stream had its last.
    assert max(r.chunks[0][0] for r in results) < min(r.chunks[-1][0] for r in results)
    pids = {r.header("x-pid") for r in results}
    assert len(pids) == 3
    assert len(read_log(runtime_log, event="init", count=3)) == 3
    assert len(cold_starts(emu)) == 3


def test_more_concurrent_requests_than_max_environments_get_429(lambda_local):
    emu = lambda_local(python_runtime(), args=["--max-environments", "2"])
    heads = threading.Semaphore(0)
    results = []

    def slow(i):
        results.append(rawhttp.request(emu.port, "GET", f"/stream?n=3&delay_ms=300&i={i}",
                                       on_head=lambda r: heads.release()))

    threads = [threading.Thread(target=slow, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for _ in range(2):
        assert heads.acquire(timeout=15)
    extra = rawhttp.request(emu.port, "POST", "/whoami", body=b"{}")
    assert extra.status == 429
    assert extra.header("x-amzn-errortype") == "TooManyRequestsException"
    assert extra.header("content-type") == "application/json"
    assert extra.json() == {"Reason": "ReservedFunctionConcurrentInvocationLimitExceeded", "Type": "User",
                            "message": "Rate Exceeded."}
    assert emu.wait_for_log(r"throttled POST /whoami: all 2 of --max-environments 2 execution environments busy")
    for t in threads:
        t.join(timeout=30)
    assert [r.status for r in results] == [200, 200] and all(r.complete for r in results)
    # Once they are done, the next request reuses a warm environment: no third child.
    assert rawhttp.request(emu.port, "GET", "/whoami").status == 200
    assert len(emu.child_pids()) == 2


def test_idle_environments_are_reaped_and_replaced_on_demand(lambda_local):
    emu = lambda_local(python_runtime(), args=["--idle-timeout", "1"])
    first = rawhttp.request(emu.port, "GET", "/whoami").json()["pid"]
    # A busy environment is never reaped, however long its invocation runs.
    assert rawhttp.request(emu.port, "GET", "/whoami?s=1.5").json()["pid"] == first
    assert emu.wait_for_log(rf"env 1 \(pid {first}\): reaped after 1.0 s idle", timeout=5), emu.log()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(first, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the reaped environment's process is still alive")
    second = rawhttp.request(emu.port, "GET", "/whoami")
    assert second.status == 200 and second.json()["pid"] != first
    assert len(cold_starts(emu)) == 2


def test_a_crashed_environment_fails_only_its_own_request(lambda_local, runtime_log):
    emu = lambda_local(python_runtime(), env={"RUNTIME_LOG": str(runtime_log)})
    paths = ["/long-stream?n=20", "/crash-mid", "/long-stream?n=20"]
    results = at_once(3, lambda i: rawhttp.request(emu.port, "GET", paths[i]))
    crashed = results[1]
    assert crashed.status == 200 and b"before the crash" in crashed.body and not crashed.complete
    for survivor in (results[0], results[2]):
        assert survivor.status == 200 and survivor.complete
        assert survivor.body == b"".join(f"line {i}\n".encode() for i in range(20))
    assert len(read_log(runtime_log, path="/long-stream", count=2)) == 2
    assert emu.wait_for_log(r"child pid \d+ exited with status 3")
    assert rawhttp.request(emu.port, "GET", "/whoami").status == 200


def test_a_timed_out_environment_fails_only_its_own_request(lambda_local):
    emu = lambda_local(python_runtime(), args=["--timeout", "2"])
    paths = ["/sleep?s=30", "/stream?n=3&delay_ms=400"]
    results = at_once(2, lambda i: rawhttp.request(emu.port, "GET", paths[i]))
    assert results[0].status == 502
    assert results[1].status == 200 and results[1].complete and len(results[1].chunks) == 3
    assert emu.wait_for_log(r"Task timed out after 2 seconds")
    assert rawhttp.request(emu.port, "GET", "/whoami").status == 200


@pytest.mark.parametrize("mode", [[], ["--max-concurrency", "8"]], ids=["classic", "managed"])
def test_a_client_disconnect_touches_no_other_stream(lambda_local, runtime_log, mode):
    emu = lambda_local(python_runtime(), args=mode, env={"RUNTIME_LOG": str(runtime_log)})

    def call(i):
        return rawhttp.request(emu.port, "GET", f"/long-stream?n=20&i={i}", stop_after_chunks=2 if i == 2 else None)

    results = at_once(5, call)
    assert len(results[2].chunks) == 2 and not results[2].complete
    for i, r in enumerate(results):
        if i != 2:
            assert r.status == 200 and r.complete
            assert r.body == b"".join(f"line {n}\n".encode() for n in range(20))
    # Lambda keeps running after a client leaves: all five invocations ran to the end and got their 202.
    lines = read_log(runtime_log, path="/long-stream", count=5)
    assert [l["status"] for l in lines] == [202] * 5 and all(l["sent"] == 20 for l in lines)
    assert emu.wait_for_log(r"status=200 duration=\d+ms bytes=\d+ env=\d+ client=gone")
    assert emu.proc.poll() is None


# --- Managed Instance mode (--max-concurrency) ---------------------------------------------------------------

def test_managed_one_environment_holds_n_invocations(lambda_local, runtime_log):
    emu = lambda_local(python_runtime(), args=["--max-concurrency", "4"], env={"RUNTIME_LOG": str(runtime_log)})
    results = at_once(4, lambda i: rawhttp.request(emu.port, "GET", f"/stream?n=3&delay_ms=200&i={i}"))
    assert [r.status for r in results] == [200] * 4 and all(r.complete for r in results)
    assert max(r.chunks[0][0] for r in results) < min(r.chunks[-1][0] for r in results)
    # One process, four workers each with its own /next.
    assert len({r.header("x-pid") for r in results}) == 1
    assert len({r.header("x-worker") for r in results}) == 4
    [init] = read_log(runtime_log, event="init")
    assert init["concurrency"] == 4
    info = rawhttp.request(emu.port, "GET", "/whoami").json()
    assert info["max_concurrency"] == "4"
    assert len(emu.child_pids()) == 1


def test_managed_more_concurrent_requests_than_max_concurrency_get_429(lambda_local):
    emu = lambda_local(python_runtime(), args=["--max-concurrency", "2"])
    heads = threading.Semaphore(0)
    results = []
    threads = [threading.Thread(target=lambda i=i: results.append(rawhttp.request(
        emu.port, "GET", f"/stream?n=3&delay_ms=300&i={i}", on_head=lambda r: heads.release()))) for i in range(2)]
    for t in threads:
        t.start()
    for _ in range(2):
        assert heads.acquire(timeout=15)
    extra = rawhttp.request(emu.port, "GET", "/whoami")
    assert extra.status == 429 and extra.header("x-amzn-errortype") == "TooManyRequestsException"
    assert emu.wait_for_log(r"throttled GET /whoami: 2 of --max-concurrency 2 invocations in flight")
    for t in threads:
        t.join(timeout=30)
    assert [r.status for r in results] == [200, 200]
    assert rawhttp.request(emu.port, "GET", "/whoami").status == 200


def test_managed_runtime_api_refuses_a_next_beyond_max_concurrency(lambda_local):
    emu = lambda_local(python_runtime(), args=["--max-concurrency", "2"])
    assert emu.wait_for_log(r"runtime ready")
    # The handling worker's invocation plus the other worker's parked /next fill both units of concurrency,
    # so a third /next is refused at once. (Retried: the other worker may still be on its way back to /next.)
    answers = []
    for _ in range(3):
        answers.append(rawhttp.request(emu.port, "GET", "/extra-next").json())
        if answers[-1]["extra_next_status"] == 500:
            break
        time.sleep(0.2)
    assert answers[-1]["extra_next_status"] == 500, answers
    assert json.loads(answers[-1]["body"])["errorType"] == "Runtime.TooManyIdleRuntimes"
    assert emu.wait_for_log(r"refused more than AWS_LAMBDA_MAX_CONCURRENCY=2 concurrent /next")
    assert rawhttp.request(emu.port, "GET", "/whoami").status == 200


def test_managed_timeout_fails_only_that_invocation(lambda_local):
    emu = lambda_local(python_runtime(), args=["--max-concurrency", "4", "--timeout", "2"])
    paths = ["/sleep?s=30", "/stream?n=3&delay_ms=400"]
    results = at_once(2, lambda i: rawhttp.request(emu.port, "GET", paths[i]))
    assert results[0].status == 502
    assert results[1].status == 200 and results[1].complete
    # The environment keeps serving: no kill, no second child.
    assert rawhttp.request(emu.port, "GET", "/whoami").status == 200
    assert len(emu.child_pids()) == 1 and "killed" not in emu.log()


def test_managed_request_no_worker_takes_fails_instead_of_hanging(lambda_local):
    # Both workers stay stuck in handlers that timed out, so nothing calls /next for a third request: it gets a
    # 502 once the init and function timeouts (10 s + 2 s) have passed, not a connection that hangs forever.
    emu = lambda_local(python_runtime(), args=["--max-concurrency", "2", "--timeout", "2"])
    stuck = at_once(2, lambda i: rawhttp.request(emu.port, "GET", f"/sleep?s=60&i={i}"))
    assert [r.status for r in stuck] == [502, 502]
    started = time.monotonic()
    r = rawhttp.request(emu.port, "GET", "/whoami", timeout=30)
    assert r.status == 502 and r.json()["errorType"] == "Sandbox.Timeout"
    assert 11 < time.monotonic() - started < 20
    assert emu.wait_for_log(r"no runtime took it within the init and function timeouts")


def test_managed_crash_fails_that_childs_requests_and_is_replaced_on_demand(lambda_local):
    emu = lambda_local(python_runtime(), args=["--max-concurrency", "4"])
    paths = ["/long-stream?n=40", "/crash-mid"]
    results = at_once(2, lambda i: rawhttp.request(emu.port, "GET", paths[i]))
    # Both invocations lived in the one process that crashed.
    assert not results[0].complete and not results[1].complete
    r = rawhttp.request(emu.port, "GET", "/whoami")
    assert r.status == 200 and r.json()["max_concurrency"] == "4"
    assert len(emu.child_pids()) == 2
