"""An agent that fails mid-answer, on AgentCore's wire (InvokeAgentRuntime): `data: <json>\\n\\n` events over a
chunked `text/event-stream` answer, the failure being the bedrock-agentcore SDK's in-band
`{"error": ..., "error_type": ...}` event. lambda-local's demo agent never fails, so the error-frame test
points bootstrap at this one instead."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/failing_agent-local"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = b'{"message":"UnknownOperationException"}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if not (self.path.startswith("/runtimes/") and "/invocations" in self.path):
            self.do_GET()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in self.server.events:
            time.sleep(self.server.pause)
            data = f"data: {json.dumps(event)}\n\n".encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


class FailingAgent:
    def __init__(self, events, pause=0.2):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.events = events
        self.server.pause = pause
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def env(self):
        """What points bootstrap at this agent (the credentials are never checked here)."""
        return {
            "AGENTCORE_ENDPOINT": self.url, "AGENTCORE_RUNTIME_ARN": ARN, "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "AKIDLOCALTEST", "AWS_SECRET_ACCESS_KEY": "local-test-secret",
        }

    def close(self):
        self.server.shutdown()
        self.server.server_close()
