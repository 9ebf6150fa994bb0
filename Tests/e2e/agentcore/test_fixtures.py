"""Proves the AgentCore test fixtures behave like the real thing before other tests rely on them:
the front accepts botocore-signed requests and rejects tampered ones, streams chunk by chunk, and every
fault and agent mode works. The client is boto3 itself wherever boto3 can express the request."""

import json
import time

import pytest
from botocore.exceptions import ClientError

import agentcore_servers as servers

SESSION = "test-session-0123456789abcdef0123456789abcdef"  # 45 chars, inside AWS's 33-256


def read_events(stream, timestamps=None):
    """Reads a raw SSE body, returning the data payloads (JSON-decoded); records arrival times of each read."""
    buffer = b""
    while True:
        data = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
        if not data:
            break
        if timestamps is not None:
            timestamps.append(time.monotonic())
        buffer += data
    events = [e for e in buffer.split(b"\n\n") if e]
    assert all(e.startswith(b"data: ") for e in events), buffer[:200]
    return [json.loads(e[len(b"data: "):]) for e in events]


def invoke(client, payload, arn=None, **kwargs):
    return client.invoke_agent_runtime(
        agentRuntimeArn=arn or servers.make_arn(), qualifier="DEFAULT", runtimeSessionId=SESSION,
        payload=json.dumps(payload).encode(), contentType="application/json", accept="text/event-stream", **kwargs)


def test_boto3_signed_request_streams_chunk_by_chunk(front, agentcore_client):
    started = time.monotonic()
    r = invoke(agentcore_client, {"prompt": "héllo", "chunks": 4, "delay": 0.25})
    assert time.monotonic() - started < 0.5, "headers must arrive before the agent finishes"
    assert r["statusCode"] == 200
    assert r["contentType"].startswith("text/event-stream")
    assert r["runtimeSessionId"] == SESSION
    arrivals = []
    events = read_events(r["response"]._raw_stream, arrivals)
    assert len(events) == 4
    assert all("héllo" in e and SESSION in e for e in events), events
    # Four events 0.25 s apart must arrive spread out, not in one burst at the end.
    assert arrivals[-1] - arrivals[0] > 0.5, arrivals

    [recorded] = servers.recorded_requests(front.url)
    assert recorded["signature_valid"] is True
    assert recorded["arn"] == servers.make_arn()
    assert "/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2F" in recorded["path"]
    headers = {k.lower(): v for k, v in recorded["headers"]}
    assert headers["x-amzn-bedrock-agentcore-runtime-session-id"] == SESSION
    assert "x-amz-content-sha256" not in headers
    assert json.loads(recorded["body"])["prompt"] == "héllo"


def test_session_token_is_signed_and_accepted(front):
    r = servers.signed_invoke(front.url, {"prompt": "t", "mode": "plain"}, session_id=SESSION,
                              session_token="FQoGZXIvYXdzEXAMPLETOKEN")
    assert r.status == 200, r.read()
    assert json.loads(r.read()) == {"result": "hello t", "session": SESSION}
    [recorded] = servers.recorded_requests(front.url)
    assert "x-amz-security-token" in dict(recorded["headers"]).get("Authorization", "")


def test_tampered_body_is_rejected_with_aws_403(front):
    url = servers.invocation_url(front.url, servers.make_arn())
    body = json.dumps({"prompt": "original"}).encode()
    headers = servers.sign_headers("POST", url, body, {"Content-Type": "application/json",
                                                       servers.SESSION_HEADER: SESSION})
    r = servers.raw_post(url, json.dumps({"prompt": "tampered"}).encode(), headers)
    assert r.status == 403
    assert r.getheader("x-amzn-ErrorType") == "InvalidSignatureException"
    assert json.loads(r.read())["message"].startswith("The request signature we calculated does not match")


def test_tampered_signed_header_is_rejected(front):
    url = servers.invocation_url(front.url, servers.make_arn())
    body = b'{"prompt":"x"}'
    headers = servers.sign_headers("POST", url, body, {servers.SESSION_HEADER: SESSION})
    headers[servers.SESSION_HEADER] = SESSION.replace("0", "1")
    r = servers.raw_post(url, body, headers)
    assert r.status == 403 and r.getheader("x-amzn-ErrorType") == "InvalidSignatureException"


def test_wrong_secret_and_missing_authorization(front):
    r = servers.signed_invoke(front.url, {"prompt": "x"}, session_id=SESSION, secret_access_key="wrong-secret")
    assert r.status == 403 and r.getheader("x-amzn-ErrorType") == "InvalidSignatureException"
    r.read()
    url = servers.invocation_url(front.url, servers.make_arn())
    r = servers.raw_post(url, b"{}", {"Content-Type": "application/json"})
    assert r.status == 403 and r.getheader("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    r.read()
    r = servers.signed_invoke(front.url, {"prompt": "x"}, session_id=SESSION, access_key_id="AKIDUNKNOWN")
    assert r.status == 403 and r.getheader("x-amzn-ErrorType") == "UnrecognizedClientException"


def test_boto3_with_wrong_secret_gets_invalid_signature(front):
    import boto3
    from botocore.config import Config

    client = boto3.client("bedrock-agentcore", endpoint_url=front.url, region_name="us-east-1",
                          aws_access_key_id=servers.TEST_ACCESS_KEY_ID, aws_secret_access_key="nope",
                          config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError) as e:
        invoke(client, {"prompt": "x"})
    assert e.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_unencoded_arn_slash_does_not_route(front):
    arn = servers.make_arn()
    url = f"{front.url}/runtimes/{arn.replace(':', '%3A')}/invocations?qualifier=DEFAULT"
    headers = servers.sign_headers("POST", url, b"{}", {servers.SESSION_HEADER: SESSION})
    r = servers.raw_post(url, b"{}", headers)
    assert r.status == 403 and json.loads(r.read()) == {"message": "Missing Authentication Token"}


@pytest.mark.parametrize("length,status", [(32, 400), (33, 200), (256, 200), (257, 400)])
def test_session_id_length_is_checked_like_aws(front, length, status):
    r = servers.signed_invoke(front.url, {"prompt": "x", "mode": "plain"}, session_id="s" * length)
    assert r.status == status
    if status == 400:
        assert r.getheader("x-amzn-ErrorType") == "ValidationException"
    r.read()


@pytest.mark.parametrize("status,code", [(403, "AccessDeniedException"), (424, "RuntimeClientError"),
                                         (429, "ThrottlingException"), (500, "InternalServerException"),
                                         (404, "ResourceNotFoundException")])
def test_control_endpoint_injects_aws_errors(front, agentcore_client, status, code):
    servers.control(front.url, status=status, message=f"injected {status}")
    with pytest.raises(ClientError) as e:
        invoke(agentcore_client, {"prompt": "x"})
    assert e.value.response["Error"] == {"Message": f"injected {status}", "Code": code}
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    # The fault was consumed: the next call succeeds.
    r = invoke(agentcore_client, {"prompt": "x", "mode": "plain"})
    assert r["statusCode"] == 200


def test_fault_times_and_runtime_name_faults(front, agentcore_client):
    servers.control(front.url, status=429, times=2)
    for _ in range(2):
        with pytest.raises(ClientError):
            invoke(agentcore_client, {"prompt": "x"})
    assert invoke(agentcore_client, {"prompt": "x", "mode": "plain"})["statusCode"] == 200
    with pytest.raises(ClientError) as e:
        invoke(agentcore_client, {"prompt": "x"}, arn=servers.make_arn("fault-424-agent"))
    assert e.value.response["Error"]["Code"] == "RuntimeClientError"


def test_connection_reset_mid_stream(front):
    servers.control(front.url, reset_after_bytes=100)
    r = servers.signed_invoke(front.url, {"prompt": "x", "chunks": 5, "delay": 0.05}, session_id=SESSION)
    assert r.status == 200
    received = b""
    with pytest.raises((ConnectionError, OSError, Exception)) as e:
        while True:
            data = r.read1(65536)
            if not data:
                raise EOFError("clean end")  # a clean end would be a fixture bug
            received += data
    assert not isinstance(e.value, EOFError)
    assert len(received) == 100


def test_reset_via_runtime_name(front):
    r = servers.signed_invoke(front.url, {"prompt": "x"}, arn=servers.make_arn("fault-reset-10-x"), session_id=SESSION)
    received = b""
    with pytest.raises(Exception):
        while True:
            data = r.read1(65536)
            if not data:
                raise EOFError
            received += data
    assert len(received) == 10


def test_refuse_closes_without_response(front):
    servers.control(front.url, action="refuse")
    with pytest.raises((ConnectionError, OSError)):
        servers.signed_invoke(front.url, {"prompt": "x"}, session_id=SESSION)


def test_agent_modes_dicts_error_plain_raise(front, agentcore_client):
    events = read_events(invoke(agentcore_client, {"mode": "dicts"})["response"]._raw_stream)
    assert events[0] == {"event": {"contentBlockDelta": {"delta": {"text": "tok0"}}}, "session": SESSION}

    events = read_events(invoke(agentcore_client, {"mode": "error"})["response"]._raw_stream)
    assert events[:2] == ["chunk 0", "chunk 1"]
    assert events[-1] == {"error": "boom mid-stream", "error_type": "RuntimeError",
                          "message": "An error occurred during streaming"}

    r = invoke(agentcore_client, {"mode": "plain", "prompt": "p"})
    assert r["contentType"] == "application/json"
    assert json.loads(r["response"].read()) == {"result": "hello p", "session": SESSION}

    # The agent's pre-stream 500 is relayed verbatim by default (use --map-agent-errors for 424).
    r = servers.signed_invoke(front.url, {"mode": "raise"}, session_id=SESSION)
    assert r.status == 500 and json.loads(r.read()) == {"error": "fail before stream"}


def test_custom_and_user_headers_reach_the_agent(front):
    r = servers.signed_invoke(front.url, {"mode": "echo", "prompt": "e"}, session_id=SESSION, extra_headers={
        "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tier": "pro",
        "X-Amzn-Bedrock-AgentCore-Runtime-User-Id": "user_123"})
    assert r.status == 200
    echoed = json.loads(r.read())
    assert echoed["session"] == SESSION
    assert {k.lower(): v for k, v in echoed["headers"].items()}.get(
        "x-amzn-bedrock-agentcore-runtime-custom-tier") == "pro"


def test_slow_mode_is_silent_between_events(front):
    r = servers.signed_invoke(front.url, {"mode": "slow", "chunks": 2, "silence": 1.0}, session_id=SESSION)
    arrivals = []
    events = read_events(r, arrivals)
    assert events == ["slow 0", "slow 1"]
    assert arrivals[-1] - arrivals[0] >= 0.9


def test_big_mode_relays_every_byte(front):
    total, size = 5 * 1024 * 1024, 64 * 1024
    r = servers.signed_invoke(front.url, {"mode": "big", "total_bytes": total, "event_bytes": size},
                              session_id=SESSION)
    events = read_events(r)
    assert len(events) == total // size
    assert sum(len(e) for e in events) == total
    assert [int(e[:8]) for e in events] == list(range(len(events)))
