"""A minimal AgentCore data-plane stand-in that records InvokeAgentRuntime calls and answers SSE.

It does not check SigV4 (Tests/e2e/agentcore/front.py does that for the AgentCore tests); these tests
only need to see which headers and body the gateway sends. `GET /` answers 404 like the real endpoint.
"""

import json

try:
    from .common import FakeServer
except ImportError:
    from common import FakeServer


class FakeAgentCore(FakeServer):
    def __init__(self, reply=("Hello", " from", " AgentCore")):
        self.reply = list(reply)
        super().__init__()

    def handle(self, h, rec):
        if rec.method == "POST" and rec.path.startswith("/runtimes/") and rec.path.endswith("/invocations"):
            h.start_chunked(200, "text/event-stream")
            for text in self.reply:
                h.chunk(f"data: {json.dumps(text)}\n\n")
            h.end_chunked()
            return
        h.send_json(404, {"message": "UnknownOperationException"})
