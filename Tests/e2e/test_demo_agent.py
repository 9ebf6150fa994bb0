"""The demo agent of `lambda-local --demo-agent` speaks AgentCore's data plane: InvokeAgentRuntime streams an
answer, StopRuntimeSession (called with boto3, so its wire format is botocore's) ends that session's stream at
once and is recorded (stderr line and GET /__stops); conversation memory survives the stop."""

import json
import re
import threading
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import rawhttp
from local_function import BOOTSTRAP

ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent-local"
PROMPT = "Flight EY123 delayed 2 hours due to weather"


def session_id(name):
    return f"{name}-" + "0123456789abcdef" * 2 + "-demo"


@pytest.fixture
def demo(lambda_local):
    """lambda-local --demo-agent with bootstrap; returns (emulator, demo agent URL, boto3 client for the agent)."""
    emu = lambda_local([BOOTSTRAP], args=["--demo-agent"], env={"DEMO_AGENT_PAUSE_MS": "200"})
    match = re.search(r"demo agent at (http://127\.0\.0\.1:\d+) \(StopRuntimeSession records: GET \1/__stops\)",
                      emu.log())
    assert match, emu.log()
    client = boto3.client("bedrock-agentcore", endpoint_url=match.group(1), region_name="us-east-1",
                          aws_access_key_id="AKIDDEMOTEST", aws_secret_access_key="demo-secret",
                          config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=30))
    return emu, match.group(1), client


def invoke(client, session):
    return client.invoke_agent_runtime(agentRuntimeArn=ARN, runtimeSessionId=session, qualifier="DEFAULT",
                                       payload=json.dumps({"prompt": PROMPT}).encode(),
                                       contentType="application/json", accept="text/event-stream")


def events_of(raw, until=None):
    """Reads SSE events from the raw stream; stops after `until` events if given, else at EOF."""
    buffer, events = b"", []
    while until is None or len(events) < until:
        data = raw.read1(65536)
        if not data:
            break
        buffer += data
        while b"\n\n" in buffer:
            block, buffer = buffer.split(b"\n\n", 1)
            assert block.startswith(b"data: "), block
            events.append(json.loads(block[6:]))
    return events


def stops(agent_url):
    return rawhttp.request(agent_url + "/__stops").json()


def test_stop_runtime_session_ends_the_stream_at_once_and_is_recorded(demo):
    emu, agent_url, client = demo
    full = events_of(invoke(client, session_id("reference"))["response"]._raw_stream)
    assert len(full) >= 10

    session = session_id("stopped")
    raw = invoke(client, session)["response"]._raw_stream
    first = events_of(raw, until=2)
    stopped_at = time.monotonic()
    answer = client.stop_runtime_session(agentRuntimeArn=ARN, runtimeSessionId=session, qualifier="DEFAULT")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200 and answer["statusCode"] == 200
    assert answer["runtimeSessionId"] == session
    rest = events_of(raw)  # returns at EOF: the agent closed the stream
    assert time.monotonic() - stopped_at < 0.5
    assert len(first) + len(rest) < len(full)

    assert emu.wait_for_log(rf"demo-agent: StopRuntimeSession session={session} qualifier=DEFAULT streams_ended=1")
    [record] = [s for s in stops(agent_url) if s["session"] == session]
    assert record["status"] == 200 and record["streamsEnded"] == 1 and record["arn"] == ARN
    assert record["qualifier"] == "DEFAULT" and len(record["clientToken"]) >= 33  # botocore filled it in


def test_stop_is_idempotent_by_client_token_and_404_when_not_running(demo):
    _, agent_url, client = demo
    session = session_id("idempotent")
    events_of(invoke(client, session)["response"]._raw_stream)
    token = "token-" + "a" * 40
    for _ in range(2):  # the same clientToken twice: the same answer
        r = client.stop_runtime_session(agentRuntimeArn=ARN, runtimeSessionId=session, clientToken=token)
        assert r["statusCode"] == 200
    with pytest.raises(ClientError) as err:  # a new stop of a stopped session
        client.stop_runtime_session(agentRuntimeArn=ARN, runtimeSessionId=session)
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as err:  # never invoked
        client.stop_runtime_session(agentRuntimeArn=ARN, runtimeSessionId=session_id("never"))
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as err:  # the token already stopped another session
        events_of(invoke(client, session_id("other"))["response"]._raw_stream)
        client.stop_runtime_session(agentRuntimeArn=ARN, runtimeSessionId=session_id("other"), clientToken=token)
    assert err.value.response["Error"]["Code"] == "ConflictException"
    assert [s["status"] for s in stops(agent_url)] == [200, 200, 404, 404, 409]


def test_stop_requests_without_signature_or_session_are_refused(demo):
    _, agent_url, _ = demo
    url = f"{agent_url}/runtimes/{ARN.replace(':', '%3A').replace('/', '%2F')}/stopruntimesession?qualifier=DEFAULT"
    r = rawhttp.request(url, method="POST", body={"clientToken": "c" * 40},
                        headers={"X-Amzn-Bedrock-AgentCore-Runtime-Session-Id": session_id("x")})
    assert r.status == 403 and r.header("x-amzn-errortype") == "AccessDeniedException"
    r = rawhttp.request(url, method="POST", body={"clientToken": "c" * 40}, headers={
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/bedrock-agentcore/aws4_request",
        "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id": "short"})
    assert r.status == 400 and r.header("x-amzn-errortype") == "ValidationException"
    assert stops(agent_url) == []


def test_memory_survives_a_stop(demo):
    _, _, client = demo
    session = session_id("memory")
    raw = invoke(client, session)["response"]._raw_stream
    events_of(raw, until=1)
    client.stop_runtime_session(agentRuntimeArn=ARN, runtimeSessionId=session)
    events_of(raw)
    again = events_of(invoke(client, session)["response"]._raw_stream)
    assert again[0].startswith("Continuing this session (turn 2)") and PROMPT[:40] in again[0]
    assert again[-1].startswith("Summary:")


def test_stop_through_the_function_ends_the_clients_sse_stream(demo):
    emu, agent_url, client = demo
    session = session_id("through-bootstrap")
    reference = rawhttp.request(emu.port, "POST", "/", body={"prompt": PROMPT, "session_id": session_id("ref2")})
    full = [f for f in reference.data_frames() if f["type"] == "chunk"]
    stopped = {}

    def stop_after_first_chunk(r):
        if not stopped and b'"type":"chunk"' in r.body:
            stopped["at"] = time.monotonic()
            threading.Thread(target=client.stop_runtime_session,
                             kwargs={"agentRuntimeArn": ARN, "runtimeSessionId": session}).start()

    r = rawhttp.request(emu.port, "POST", "/", body={"prompt": PROMPT, "session_id": session},
                        on_piece=stop_after_first_chunk)
    assert r.status == 200 and r.complete and stopped
    frames = r.data_frames()
    assert frames[0]["type"] == "metadata" and frames[0]["session_id"] == session
    chunks = [f for f in frames if f["type"] == "chunk"]
    assert 1 <= len(chunks) < len(full)
    # Exactly one terminal frame, the last, soon after the stop.
    assert [f["type"] for f in frames].count("complete") + [f["type"] for f in frames].count("error") == 1
    assert frames[-1]["type"] in ("complete", "error")
    assert r.chunks[-1][0] - stopped["at"] < 1.0, frames
    assert emu.wait_for_log(rf"demo-agent: StopRuntimeSession session={session} qualifier=- streams_ended=1")
