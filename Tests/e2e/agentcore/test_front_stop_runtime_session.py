"""The AgentCore front door's StopRuntimeSession: botocore-signed stops are verified, recorded, and cut the
session's in-flight stream from the real bedrock-agentcore agent; a bad signature is refused and stops nothing."""

import json
import time

import pytest
from botocore.exceptions import ClientError

import agentcore_servers as servers


def session(name):
    return f"stop-{name}-" + "0123456789abcdef" * 2


def start_stream(client, session_id, chunks=10, silence=0.3):
    r = client.invoke_agent_runtime(
        agentRuntimeArn=servers.make_arn(), qualifier="DEFAULT", runtimeSessionId=session_id,
        payload=json.dumps({"mode": "slow", "chunks": chunks, "silence": silence}).encode(),
        contentType="application/json", accept="text/event-stream")
    return r["response"]._raw_stream


def read_events(raw, until=None):
    buffer, events = b"", []
    while until is None or len(events) < until:
        data = raw.read1(65536)
        if not data:
            break
        buffer += data
        while b"\n\n" in buffer:
            block, buffer = buffer.split(b"\n\n", 1)
            events.append(json.loads(block[len(b"data: "):]))
    return events


def test_boto3_stop_cuts_the_sessions_stream_and_is_recorded(front, agentcore_client):
    sid = session("boto3")
    raw = start_stream(agentcore_client, sid)
    first = read_events(raw, until=1)
    assert first == ["slow 0"]
    stopped_at = time.monotonic()
    answer = agentcore_client.stop_runtime_session(agentRuntimeArn=servers.make_arn(), runtimeSessionId=sid,
                                                   qualifier="DEFAULT")
    assert answer["statusCode"] == 200 and answer["runtimeSessionId"] == sid
    rest = read_events(raw)
    assert time.monotonic() - stopped_at < 0.5, "the stream did not end at once"
    assert len(first) + len(rest) < 10
    [stop] = servers.recorded_stops(front.url)
    assert stop["session"] == sid and stop["status"] == 200 and stop["signature_valid"] is True
    assert stop["streams_cut"] == 1 and stop["qualifier"] == "DEFAULT" and stop["arn"] == servers.make_arn()
    assert len(stop["clientToken"]) >= 33
    [recorded] = [r for r in servers.recorded_requests(front.url) if r.get("operation") == "StopRuntimeSession"]
    assert recorded["outcome"] == "stopped" and "/stopruntimesession" in recorded["path"]
    # A stopped session is not running: stopping it again is 404, as AWS answers.
    with pytest.raises(ClientError) as err:
        agentcore_client.stop_runtime_session(agentRuntimeArn=servers.make_arn(), runtimeSessionId=sid)
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_bad_signature_is_refused_and_the_stream_runs_on(front, agentcore_client):
    sid = session("badsig")
    raw = start_stream(agentcore_client, sid, chunks=4, silence=0.2)
    assert read_events(raw, until=1) == ["slow 0"]
    wrong_key = servers.signed_stop(front.url, sid, client_token="t" * 40, secret_access_key="not-the-secret")
    assert wrong_key.status == 403 and wrong_key.getheader("x-amzn-ErrorType") == "InvalidSignatureException"
    url = servers.stop_url(front.url, servers.make_arn())
    body = json.dumps({"clientToken": "t" * 40}).encode()
    headers = servers.sign_headers("POST", url, body, {"Content-Type": "application/json", servers.SESSION_HEADER: sid})
    tampered = servers.raw_post(url, json.dumps({"clientToken": "u" * 40}).encode(), headers)
    assert tampered.status == 403
    assert json.loads(tampered.read())["message"].startswith("The request signature we calculated does not match")
    assert read_events(raw) == ["slow 1", "slow 2", "slow 3"]
    stops = servers.recorded_stops(front.url)
    assert [(s["status"], s["signature_valid"], s["streams_cut"]) for s in stops] == [(403, False, 0)] * 2


def test_stop_validation_and_unknown_sessions(front):
    missing_session = servers.signed_stop(front.url, None, client_token="c" * 40)
    assert missing_session.status == 400 and missing_session.getheader("x-amzn-ErrorType") == "ValidationException"
    bad_token = servers.signed_stop(front.url, session("token"), client_token="short")
    assert bad_token.status == 400
    unknown = servers.signed_stop(front.url, session("never-invoked"), client_token="c" * 40)
    assert unknown.status == 404 and unknown.getheader("x-amzn-ErrorType") == "ResourceNotFoundException"
    faulted = servers.signed_stop(front.url, session("x"), arn=servers.make_arn("fault-409-agent"))
    assert faulted.status == 409
    assert [s["status"] for s in servers.recorded_stops(front.url)] == [400, 400, 404, 409]
