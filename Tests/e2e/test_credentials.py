"""Per-user AWS credentials from a PostgREST (Supabase) table, handed to Mastra and AgentCore; the
403/503 answers; and a log scan proving no secret, token or prompt is ever printed."""

import json

import pytest

from fakes.agentcore_server import FakeAgentCore
from fakes.mastra_server import FakeMastra
from fakes.postgrest_server import FakePostgREST
from gateway_harness import FUNCTION_AWS_ENV, TEST_ARN, gateway_starter
from jwt_keys import Issuer

SSE = {"accept": "text/event-stream"}
TABLE = "user_aws_credentials"
SUPABASE_KEY = "eyJhbGciOiJIUzI1NiJ9.c2VydmljZV9yb2xlLXRlc3Q.supabase-service-key-for-tests"
ALICE = {
    "user_id": "user_2alice", "aws_access_key_id": "AKIAALICEEXAMPLE0001",
    "aws_secret_access_key": "aliceSecretKey/ShouldNeverBeLogged+0000000",
    "aws_session_token": "IQoJb3JpZ2luX2VjEAliceSessionTokenNeverLogged==", "aws_region": "eu-west-1",
}
BOB = {"user_id": "user_2bob", "access_key_id": "AKIABOBEXAMPLE000002", "secret_access_key": "bobSecretKeyNeverLogged0000000000000000"}
PROMPT = "Summarise my S3 buckets named project-zebra-42 please"


@pytest.fixture(scope="module")
def issuer():
    return Issuer("rsa", "k1")


@pytest.fixture
def servers():
    with FakeMastra() as mastra, FakeAgentCore() as agentcore, FakePostgREST(SUPABASE_KEY, TABLE, [ALICE, BOB]) as store:
        yield mastra, agentcore, store


@pytest.fixture
def gateway(tmp_path, servers, issuer):
    mastra, agentcore, store = servers
    with gateway_starter(tmp_path, {
            "AGENTCORE_RUNTIME_ARN": TEST_ARN, "AGENTCORE_ENDPOINT": agentcore.url, "MASTRA_AGENT_URL": mastra.url,
            "AGENTS": json.dumps({"weather": {"mastra": "weatherAgent"}, "failing": {"mastra": "sseFailingAgent"}}),
            "AUTH_MODE": "jwt", "JWT_PUBLIC_KEY_PEM": issuer.pem,
            "SUPABASE_URL": store.url, "SUPABASE_KEY": SUPABASE_KEY, "CREDENTIALS_TABLE": TABLE, "LOG_LEVEL": "debug",
    }) as start:
        yield start


def headers_for(issuer, sub, **extra):
    h = {"authorization": "Bearer " + issuer.token(sub=sub)}
    h.update(extra)
    return h


def stream(gw, issuer, sub, agent="weather", prompt="hi"):
    return gw.request("POST", "/api/streaming/stream", headers=headers_for(issuer, sub, **SSE),
                      body={"agentName": agent, "messages": [{"role": "user", "content": prompt}]})


def test_credentials_reach_mastra_as_x_aws_headers(gateway, servers, issuer):
    mastra, _, store = servers
    gw = gateway()
    r = stream(gw, issuer, "user_2alice")
    assert r.status == 200 and r.text_of_chunks() == "Hello from Mastra"
    (lookup,) = store.recorded("GET")
    assert lookup.path == f"/rest/v1/{TABLE}" and "user_id=eq.user_2alice" in lookup.query and "limit=1" in lookup.query
    assert lookup.headers["apikey"] == SUPABASE_KEY and lookup.headers["authorization"] == "Bearer " + SUPABASE_KEY
    (call,) = mastra.recorded("POST")
    assert call.headers["x-aws-access-key-id"] == ALICE["aws_access_key_id"]
    assert call.headers["x-aws-secret-access-key"] == ALICE["aws_secret_access_key"]
    assert call.headers["x-aws-session-token"] == ALICE["aws_session_token"]
    assert call.headers["x-aws-region"] == "eu-west-1"
    # Nothing secret is echoed back to the browser.
    for secret in (ALICE["aws_secret_access_key"], ALICE["aws_session_token"]):
        assert secret.encode() not in r.body


def test_credentials_reach_agentcore_as_custom_headers(gateway, servers, issuer):
    _, agentcore, _ = servers
    gw = gateway()
    r = stream(gw, issuer, "user_2bob", agent="default")
    assert r.status == 200 and r.text_of_chunks() == "Hello from AgentCore"
    (call,) = agentcore.recorded("POST")
    p = "x-amzn-bedrock-agentcore-runtime-custom-"
    assert call.headers[p + "aws-access-key-id"] == BOB["access_key_id"]
    assert call.headers[p + "aws-secret-access-key"] == BOB["secret_access_key"]
    assert call.headers[p + "aws-region"] == "us-east-1"  # the row has none: the function's region
    assert p + "aws-session-token" not in call.headers
    assert call.headers["x-amzn-bedrock-agentcore-runtime-user-id"] == "user_2bob"
    # The custom headers are covered by the SigV4 signature like every other x-amzn header.
    assert "x-amzn-bedrock-agentcore-runtime-custom-aws-secret-access-key" in call.headers["authorization"]


def test_no_row_is_403(gateway, servers, issuer):
    mastra = servers[0]
    r = stream(gateway(), issuer, "user_2nobody")
    assert r.status == 403
    doc = r.json()
    assert doc["error"] == "forbidden" and "no AWS credentials are stored for this user" in doc["message"]
    assert mastra.recorded("POST") == []


@pytest.mark.parametrize("fault", ["down", "badkey", "unreachable", "wrongtable"])
def test_store_failures_are_503(gateway, servers, issuer, fault):
    store = servers[2]
    env = {}
    if fault == "down":
        store.mode = "down"
    elif fault == "badkey":
        env["SUPABASE_KEY"] = "wrong-key-value-1234"
    elif fault == "unreachable":
        env["SUPABASE_URL"] = "http://127.0.0.1:9"
    else:
        env["CREDENTIALS_TABLE"] = "nope"
    gw = gateway(**env)
    r = stream(gw, issuer, "user_2alice")
    assert r.status == 503
    doc = r.json()
    assert doc["error"] == "credentials_unavailable" and doc["retryable"] is True
    assert "wrong-key-value-1234" not in r.body.decode() and SUPABASE_KEY not in r.body.decode()


def test_sb_secret_keys_go_in_apikey_only(gateway, servers, issuer):
    store = servers[2]
    store.key = "sb_secret_testkey0123456789"
    gw = gateway(SUPABASE_KEY=store.key)
    assert stream(gw, issuer, "user_2alice").status == 200
    assert "authorization" not in store.recorded("GET")[0].headers


def test_credentials_store_needs_jwt_auth(gateway):
    gw = gateway(AUTH_MODE="none")
    assert gw.init_error()["errorMessage"].startswith("AUTH_MODE")


def test_log_scan_no_secret_token_or_prompt_in_any_log_line(gateway, servers, issuer):
    gw = gateway(LOG_LEVEL="debug")
    token = issuer.token(sub="user_2alice")
    h = {"authorization": "Bearer " + token, "accept": "text/event-stream"}
    r = gw.request("POST", "/api/streaming/stream", headers=h,
                   body={"agentName": "weather", "messages": [{"role": "user", "content": PROMPT}], "threadId": "thread-log"})
    assert r.status == 200 and r.frames[-1]["type"] == "complete"
    # The failure paths log too: a mid-stream error, a 401 with a real-looking token, a 403.
    r = gw.request("POST", "/api/streaming/stream", headers=h,
                   body={"agentName": "failing", "messages": [{"role": "user", "content": PROMPT}]})
    assert r.frames[-1]["type"] == "error"
    assert gw.request("GET", "/agents", headers={"authorization": "Bearer " + Issuer("rsa").token()}).status == 401
    assert gw.request("POST", "/", headers={"authorization": "Bearer " + issuer.token(sub="user_2nobody")},
                      body={"prompt": PROMPT}).status == 403
    assert gw.request("POST", "/", headers=h, body={"prompt": PROMPT, "agent": "default"}).status == 200
    gw.close()
    logs = gw.logs()
    records = gw.log_records()
    assert any(rec.get("msg") == "invocation" and rec.get("user_id") == "user_2alice" for rec in records), logs
    assert len(records) >= 5
    forbidden = {
        "secret access key": ALICE["aws_secret_access_key"], "session token": ALICE["aws_session_token"],
        "access key id": ALICE["aws_access_key_id"], "JWT": token, "JWT signature": token.rsplit(".", 1)[1],
        "prompt": PROMPT, "prompt fragment": "project-zebra-42", "SUPABASE_KEY": SUPABASE_KEY,
        "function role secret": FUNCTION_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
    }
    leaks = [name for name, value in forbidden.items() if value in logs]
    assert not leaks, f"leaked into logs: {leaks}"
