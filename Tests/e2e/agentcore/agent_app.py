"""A real AgentCore agent for end-to-end tests, built on the `bedrock-agentcore` SDK (BedrockAgentCoreApp).

Using the SDK itself (not a hand-written imitation) means the SSE framing, error events, JSON fallbacks and
header handling the gateway meets in tests are the ones a deployed agent produces.

Run:  python agent_app.py [PORT]         (or PORT=... env; MODE=... env sets the default mode)
Binds 127.0.0.1 only. One process serves every mode: the payload field "mode" overrides MODE per request.

Modes (payload fields in brackets, all optional):
  stream  async generator of text chunks containing the prompt and the session id   [chunks=5, delay=0.05]
  dicts   async generator of Strands-like dict events with the session id            [chunks=3, delay=0.05]
  error   two text chunks, then raises -> SDK emits a final {"error","error_type","message"} event
  plain   non-streaming JSON {"result","session","headers"} (application/json, content-length)
  raise   raises before any output -> SDK answers 500 {"error": "..."}
  slow    text chunks separated by `silence` seconds of silence                        [chunks=3, silence=2]
  big     `total_bytes` of text in events of `event_bytes` characters (ASCII)          [total_bytes=5 MiB,
                                                                                        event_bytes=64 KiB]
  echo    non-streaming JSON echo of the payload, session id and request headers
"""

import asyncio
import os
import sys

from bedrock_agentcore.runtime import BedrockAgentCoreApp

DEFAULT_MODE = os.environ.get("MODE", "stream")
app = BedrockAgentCoreApp()


def _number(payload, key, default):
    value = payload.get(key, default)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else default


async def _stream(prompt, session, chunks, delay):
    for i in range(chunks):
        await asyncio.sleep(delay)
        # Non-ASCII, a quote and a newline on purpose: the SDK JSON-encodes strings (ensure_ascii=False), and the
        # gateway must relay them intact.
        yield f"chunk {i} for {prompt} [session {session}] é ✈ \"q\"\nline2"


async def _dicts(session, chunks, delay):
    for i in range(chunks):
        await asyncio.sleep(delay)
        yield {"event": {"contentBlockDelta": {"delta": {"text": f"tok{i}"}}}, "session": session}


async def _error(delay):
    for i in range(5):
        await asyncio.sleep(delay)
        if i == 2:
            raise RuntimeError("boom mid-stream")
        yield f"chunk {i}"


async def _slow(chunks, silence):
    for i in range(chunks):
        if i:
            await asyncio.sleep(silence)
        yield f"slow {i}"


async def _big(total_bytes, event_bytes):
    # Deterministic content (event index + alphabet) so a test can detect reordering or corruption.
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    sent = 0
    index = 0
    while sent < total_bytes:
        size = min(event_bytes, total_bytes - sent)
        head = f"{index:08d}:"
        body = (alphabet * (size // len(alphabet) + 1))
        text = (head + body)[:size]
        sent += size
        index += 1
        yield text
        # Let the event loop flush each event rather than batching the whole payload.
        await asyncio.sleep(0)


@app.entrypoint
async def invoke(payload, context):
    """Dispatches on the mode; returning an async generator makes the SDK stream it as SSE."""
    if not isinstance(payload, dict):
        payload = {"prompt": payload}
    mode = payload.get("mode") or DEFAULT_MODE
    prompt = payload.get("prompt", "")
    session = context.session_id
    if mode == "stream":
        return _stream(prompt, session, int(_number(payload, "chunks", 5)), _number(payload, "delay", 0.05))
    if mode == "dicts":
        return _dicts(session, int(_number(payload, "chunks", 3)), _number(payload, "delay", 0.05))
    if mode == "error":
        return _error(_number(payload, "delay", 0.05))
    if mode == "plain":
        return {"result": f"hello {prompt}", "session": session}
    if mode == "raise":
        raise ValueError("fail before stream")
    if mode == "slow":
        return _slow(int(_number(payload, "chunks", 3)), _number(payload, "silence", 2))
    if mode == "big":
        return _big(int(_number(payload, "total_bytes", 5 * 1024 * 1024)),
                    max(1, int(_number(payload, "event_bytes", 64 * 1024))))
    if mode == "echo":
        return {"payload": payload, "session": session, "headers": dict(context.request_headers or {})}
    raise ValueError(f"unknown mode {mode!r}")


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("PORT", "8080"))
    # Loopback only: tests must never expose the agent beyond this machine.
    app.run(port=port, host="127.0.0.1")


if __name__ == "__main__":
    main()
