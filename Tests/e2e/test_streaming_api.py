"""The seed-1 streaming API through the real bootstrap: agents, health, stream (SSE and text) to Mastra
agents in both wire formats and to AgentCore, validation and upstream failures."""

import json

import pytest

from gateway_harness import TEST_ARN, gateway_starter

AGENTS = {
    "weather": {"mastra": "weatherAgent"},
    "legacy": {"mastra": "legacyAgent"},
    "sseFailing": {"mastra": "sseFailingAgent"},
    "legacyFailing": {"mastra": "legacyFailingAgent"},
    "ghost": {"mastra": "ghostAgent"},
}
SSE = {"accept": "text/event-stream"}
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is the weather in Paris?"}]


@pytest.fixture
def gateway(tmp_path, mastra, agentcore):
    with gateway_starter(tmp_path, {
            "AGENTCORE_RUNTIME_ARN": TEST_ARN, "AGENTCORE_ENDPOINT": agentcore.url, "MASTRA_AGENT_URL": mastra.url,
            "AGENTS": json.dumps(AGENTS), "LOG_LEVEL": "debug",
    }) as start:
        yield start


def test_agents_lists_configured_names_on_both_paths(gateway):
    gw = gateway()
    for path in ("/api/streaming/agents", "/agents"):
        r = gw.request("GET", path)
        assert r.status == 200 and r.headers["content-type"] == "application/json"
        assert r.json() == {"data": ["default", "ghost", "legacy", "legacyFailing", "sseFailing", "weather"],
                            "message": "Available agents retrieved successfully"}


def test_stream_sse_from_mastra_sse_format(gateway, mastra):
    gw = gateway()
    r = gw.request("POST", "/api/streaming/stream", headers=dict(SSE, **{"accept-language": "fr-FR,fr;q=0.8"}), body={
        "agentName": "weather", "messages": MESSAGES, "threadId": "thread-1", "runId": "run-9",
        "temperature": 0.3, "topP": 0.9, "maxSteps": 4, "maxRetries": 1, "resourceId": "res-1"})
    assert r.status == 200 and r.headers["content-type"] == "text/event-stream"
    frames = r.frames
    assert frames[0]["type"] == "metadata" and frames[0]["agent"] == "weather" and frames[0]["session_id"] == "thread-1"
    assert frames[-1]["type"] == "complete"
    chunks = [f["data"] for f in frames if f["type"] == "chunk"]
    assert chunks[0] == "Hello"
    assert chunks[1] == {"type": "tool-call", "toolCallId": "call-1", "toolName": "getWeather", "args": {"city": "Paris"}}
    assert chunks[2]["type"] == "tool-result" and chunks[2]["result"] == {"temp": 21}
    assert r.text_of_chunks() == "Hello from Mastra"
    # Every frame is one `data: <json>` line, sent as its own HTTP chunk.
    assert all(c.startswith(b"data: ") and c.endswith(b"\n\n") and c.count(b"\n") == 2 for c in r.chunks)

    (call,) = mastra.recorded("POST", "/api/agents/weatherAgent/stream")
    body = call.json()
    assert body["messages"] == MESSAGES
    assert body["threadId"] == "thread-1" and body["resourceId"] == "res-1" and body["runId"] == "run-9"
    assert body["memory"] == {"thread": "thread-1", "resource": "res-1"}
    ctx = {"user-id": "anonymous", "user-tier": "free", "language": "fr-FR", "is-authenticated": False}
    assert body["runtimeContext"] == ctx and body["requestContext"] == ctx
    assert (body["temperature"], body["topP"], body["maxSteps"], body["maxRetries"]) == (0.3, 0.9, 4, 1)
    assert body["modelSettings"] == {"temperature": 0.3, "topP": 0.9, "maxRetries": 1}
    assert call.headers["content-type"] == "application/json"
    assert not any(k.startswith("x-aws-") for k in call.headers)


def test_stream_sse_from_mastra_legacy_data_stream(gateway):
    gw = gateway()
    r = gw.request("POST", "/api/streaming/stream", headers=SSE, body={"agentName": "legacy", "messages": MESSAGES})
    assert r.status == 200
    frames = r.frames
    assert [f["type"] for f in frames][0] == "metadata" and frames[-1]["type"] == "complete"
    assert r.text_of_chunks() == "Hello from Mastra"
    assert any(isinstance(f.get("data"), dict) and f["data"]["type"] == "tool-call" for f in frames)


@pytest.mark.parametrize("agent", ["weather", "legacy", "default"])
def test_stream_plain_text_without_sse_accept(gateway, agent):
    gw = gateway()
    r = gw.request("POST", "/api/streaming/stream", headers={"accept": "*/*"}, body={"agentName": agent, "messages": MESSAGES})
    assert r.status == 200 and r.headers["content-type"] == "text/plain; charset=utf-8"
    expected = "Hello from AgentCore" if agent == "default" else "Hello from Mastra"
    assert r.body.decode() == expected
    assert len(r.chunks) == 3  # one write per text delta, as it arrived


@pytest.mark.parametrize("agent", ["sseFailing", "legacyFailing"])
def test_mastra_stream_error_becomes_error_frame(gateway, agent):
    gw = gateway()
    r = gw.request("POST", "/api/streaming/stream", headers=SSE, body={"agentName": agent, "messages": MESSAGES})
    frames = [f for f in r.frames if f["type"] != "status"]
    assert frames[1] == {"type": "chunk", "data": "Hello"}
    assert frames[-1]["type"] == "error" and frames[-1]["error_code"] == "AgentError"
    assert "rejected the request" in frames[-1]["error_message"]
    assert sum(f["type"] in ("complete", "error") for f in frames) == 1
    assert r.trailers["Lambda-Runtime-Function-Error-Type"] == "Function.AgentError"


def test_stream_to_agentcore_sends_prompt_messages_and_options(gateway, agentcore):
    gw = gateway()
    r = gw.request("POST", "/api/streaming/stream", headers=SSE, body={
        "agentName": "default", "messages": MESSAGES, "temperature": 1, "threadId": "t" * 40})
    assert r.status == 200 and r.text_of_chunks() == "Hello from AgentCore"
    assert r.frames[0]["session_id"] == "t" * 40
    (call,) = agentcore.recorded("POST", "/runtimes/")
    body = call.json()
    assert body["prompt"] == "What is the weather in Paris?" and body["messages"] == MESSAGES and body["temperature"] == 1
    assert call.headers["x-amzn-bedrock-agentcore-runtime-session-id"] == "t" * 40
    assert "x-amzn-bedrock-agentcore-runtime-user-id" not in call.headers


def test_validation_names_each_bad_field(gateway):
    gw = gateway()
    r = gw.request("POST", "/api/streaming/stream", headers=SSE, body={
        "agentName": "weather", "messages": [{"role": "wizard", "content": "x"}, {"role": "user", "content": ""}],
        "temperature": 3, "topP": 1.5, "maxSteps": 0, "maxRetries": -1, "threadId": 5})
    assert r.status == 400
    doc = r.json()
    assert doc["error"] == "validation"
    assert doc["fields"] == ["messages[0].role", "messages[1].content", "threadId", "temperature", "topP", "maxSteps", "maxRetries"]
    for name in ("temperature", "topP", "maxSteps", "maxRetries"):
        assert name in doc["message"]


@pytest.mark.parametrize("body,fields", [
    ({}, ["agentName", "messages"]),
    ({"agentName": "weather", "messages": []}, ["messages"]),
    ({"agentName": "weather", "messages": "hi"}, ["messages"]),
    ({"agentName": "default", "messages": [{"role": "user", "content": "x"}], "threadId": "too-short"}, ["threadId"]),
])
def test_validation_cases(gateway, body, fields):
    r = gateway().request("POST", "/api/streaming/stream", body=body)
    assert r.status == 400 and r.json()["fields"] == fields


def test_unknown_agent_is_404_and_bad_json_400(gateway):
    gw = gateway()
    r = gw.request("POST", "/api/streaming/stream", body={"agentName": "nobody", "messages": MESSAGES})
    assert r.status == 404 and "nobody" in r.json()["message"]
    r = gw.request("POST", "/api/streaming/stream", body="{not json")
    assert r.status == 400 and r.json()["fields"] == ["body"]
    r = gw.request("GET", "/api/streaming/nothing")
    assert r.status == 404


def test_mastra_unknown_agent_id_maps_to_404(gateway):
    r = gateway().request("POST", "/api/streaming/stream", headers=SSE, body={"agentName": "ghost", "messages": MESSAGES})
    assert r.status == 404
    doc = r.json()
    assert doc["code"] == "AgentNotFound" and "ghostAgent" in doc["message"]


def test_mastra_unreachable_is_502(gateway):
    r = gateway(MASTRA_AGENT_URL="http://127.0.0.1:9").request(
        "POST", "/api/streaming/stream", headers=SSE, body={"agentName": "weather", "messages": MESSAGES})
    assert r.status == 502 and r.json()["code"] == "UpstreamUnreachable"


def test_post_root_reaches_a_mastra_agent(gateway, mastra):
    r = gateway().request("POST", "/", headers=SSE, body={"prompt": "Hi there", "agent": "weather", "session_id": "s" * 36})
    assert r.status == 200 and r.text_of_chunks() == "Hello from Mastra"
    (call,) = mastra.recorded("POST", "/api/agents/weatherAgent/stream")
    assert call.json()["messages"] == [{"role": "user", "content": "Hi there"}]
    assert call.json()["threadId"] == "s" * 36


def test_health_healthy_when_all_upstreams_answer(gateway, mastra):
    mastra.agents.append("ghostAgent")
    gw = gateway()
    for path in ("/api/streaming/health", "/health"):
        r = gw.request("GET", path)
        assert r.status == 200
        doc = r.json()
        assert doc["status"] == "healthy" and doc["service"] == "agentstream"
        assert doc["timestamp"].endswith("Z") and "T" in doc["timestamp"]
        assert set(doc["agents"]) == set(AGENTS) | {"default"}
        for entry in doc["agents"].values():
            assert entry["status"] == "connected" and entry["lastCheck"].endswith("Z")
        assert doc["agents"]["weather"]["url"] == mastra.url


def test_health_degraded_names_the_unreachable_upstreams(gateway, mastra):
    # ghostAgent is not served by the Mastra server; AgentCore's endpoint is a closed port.
    gw = gateway(AGENTCORE_ENDPOINT="http://127.0.0.1:9")
    r = gw.request("GET", "/api/streaming/health")
    doc = r.json()
    assert doc["status"] == "degraded"
    assert doc["agents"]["ghost"]["status"] == "unreachable" and "ghostAgent" in doc["agents"]["ghost"]["error"]
    assert doc["agents"]["default"]["status"] == "unreachable"
    assert doc["agents"]["weather"]["status"] == "connected"
