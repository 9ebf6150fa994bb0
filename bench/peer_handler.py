"""The peer's handler for `python -m awslambdaric peer_handler.echo`: the same answer as bootstrap's
`AGENTSTREAM_HANDLER=echo` POST /echo (metadata, one chunk frame per word, complete), but buffered:
awslambdaric 4.x cannot stream, so the whole SSE body goes out in one POST /response."""

import json
import time


def echo(event, context):
    started = time.monotonic()
    words = (event.get("body") or "").split()
    frames = [
        {"type": "metadata", "request_id": context.aws_request_id, "session_id": "echo", "agent": "echo"}
    ]
    frames += [{"type": "chunk", "data": w} for w in words]
    frames.append({"type": "complete", "execution_time_ms": int((time.monotonic() - started) * 1000)})
    return {
        "statusCode": 200,
        "headers": {"content-type": "text/event-stream", "cache-control": "no-cache"},
        "body": "".join("data: " + json.dumps(f, separators=(",", ":")) + "\n\n" for f in frames),
    }
