"""A Mastra-compatible agent server speaking both stream formats.

- `GET /api` → text, `GET /api/agents` → object keyed by agent id (Mastra's listAgents shape).
- `POST /api/agents/{id}/stream` → checks the body as Mastra's handler would (JSON object with `messages`),
  then streams: agents in `LEGACY` answer the 0.x AI SDK data stream (`f:`, `0:"text"`, `9:`, `a:`, `e:`, `d:`),
  the others ≥0.20 SSE chunks ending in `data: [DONE]`. Agents whose id contains `Failing` send one text delta,
  then an in-band error. Unknown ids → 404 `{"error": ...}`; bad bodies → 400 `{"error": ...}`.

Run standalone: python3 mastra_server.py [port]
"""

import json
import sys
import time

try:
    from .common import FakeServer
except ImportError:  # run as a script
    from common import FakeServer

DEFAULT_AGENTS = ["weatherAgent", "legacyAgent", "sseFailingAgent", "legacyFailingAgent"]
LEGACY = {"legacyAgent", "legacyFailingAgent"}


class FakeMastra(FakeServer):
    def __init__(self, agents=DEFAULT_AGENTS, reply=("Hello", " from", " Mastra"), delay=0.02):
        self.agents = list(agents)
        self.reply = list(reply)
        self.delay = delay
        super().__init__()

    def handle(self, h, rec):
        if rec.method == "GET" and rec.path == "/api":
            data = b"Hello to the Mastra API!"
            h.send_response(200)
            h.send_header("Content-Type", "text/plain; charset=UTF-8")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
            return
        if rec.method == "GET" and rec.path == "/api/agents":
            h.send_json(200, {a: {"name": a, "instructions": "test agent", "tools": {}, "workflows": {}, "agents": {},
                                  "provider": "openai.chat", "modelId": "gpt-4o-mini"} for a in self.agents})
            return
        parts = rec.path.split("/")
        if rec.method == "POST" and len(parts) == 5 and parts[1:3] == ["api", "agents"] and parts[4] == "stream":
            agent = parts[3]
            if agent not in self.agents:
                h.send_json(404, {"error": f"Agent with name {agent} not found"})
                return
            try:
                body = json.loads(rec.body)
            except ValueError:
                h.send_json(400, {"error": "Invalid JSON body"})
                return
            if not isinstance(body, dict) or not isinstance(body.get("messages"), (list, str)) or not body["messages"]:
                h.send_json(400, {"error": "Messages are required"})
                return
            if "json" not in rec.headers.get("content-type", ""):
                h.send_json(400, {"error": "Content-Type must be application/json"})
                return
            failing = "Failing" in agent
            if agent in LEGACY:
                self.stream_legacy(h, failing)
            else:
                self.stream_sse(h, failing)
            return
        h.send_json(404, {"error": "Not Found"})

    def stream_legacy(self, h, failing):
        h.start_chunked(200, "text/plain; charset=utf-8", [("x-vercel-ai-data-stream", "v1")])
        h.chunk('f:{"messageId":"msg-1"}\n')
        for i, text in enumerate(self.reply):
            time.sleep(self.delay)
            h.chunk(f"0:{json.dumps(text)}\n")
            if failing:
                h.chunk('3:"The model provider rejected the request"\n')
                h.end_chunked()
                return
            if i == 0:
                h.chunk('9:{"toolCallId":"call-1","toolName":"getWeather","args":{"city":"Paris"}}\n')
                h.chunk('a:{"toolCallId":"call-1","result":{"temp":21}}\n')
        h.chunk('e:{"finishReason":"stop","usage":{"promptTokens":5,"completionTokens":3},"isContinued":false}\n')
        h.chunk('d:{"finishReason":"stop","usage":{"promptTokens":5,"completionTokens":3}}\n')
        h.end_chunked()

    def stream_sse(self, h, failing):
        h.start_chunked(200, "text/event-stream")

        def send(obj):
            h.chunk(f"data: {json.dumps(obj)}\n\n")

        send({"type": "start", "runId": "run-1", "from": "AGENT", "payload": {}})
        send({"type": "step-start", "runId": "run-1", "from": "AGENT", "payload": {"messageId": "m1"}})
        for i, text in enumerate(self.reply):
            time.sleep(self.delay)
            send({"type": "text-delta", "runId": "run-1", "from": "AGENT", "payload": {"id": "1", "text": text}})
            if failing:
                send({"type": "error", "runId": "run-1", "from": "AGENT", "payload": {"error": {"message": "The model provider rejected the request"}}})
                h.chunk("data: [DONE]\n\n")
                h.end_chunked()
                return
            if i == 0:
                send({"type": "tool-call", "runId": "run-1", "from": "AGENT",
                      "payload": {"toolCallId": "call-1", "toolName": "getWeather", "args": {"city": "Paris"}}})
                send({"type": "tool-result", "runId": "run-1", "from": "AGENT",
                      "payload": {"toolCallId": "call-1", "toolName": "getWeather", "result": {"temp": 21}}})
        send({"type": "step-finish", "runId": "run-1", "from": "AGENT", "payload": {"stepResult": {"reason": "stop"}}})
        send({"type": "finish", "runId": "run-1", "from": "AGENT", "payload": {"stepResult": {"reason": "stop"}}})
        h.chunk("data: [DONE]\n\n")
        h.end_chunked()


if __name__ == "__main__":
    srv = FakeMastra()
    print(f"listening on {srv.url}", flush=True)
    try:
        srv.thread.join()
    except KeyboardInterrupt:
        srv.stop()
