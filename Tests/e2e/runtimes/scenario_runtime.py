"""Raw-socket Lambda runtime used by the lambda-local tests. Behaviour is picked per request by rawPath,
so one child serves every scenario; RUNTIME_LOG (if set) gets one JSON line per thing worth asserting.

With AWS_LAMBDA_MAX_CONCURRENCY=N (a Managed Instance) it runs N workers, each a thread with its own Runtime API
connection looping /next -> handle, so N invocations are in flight at once, as Managed Instances allow."""

import base64
import json
import os
import socket
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rapi_client import RuntimeAPI  # noqa: E402

PRELUDE_TYPE = "application/vnd.awslambda.http-integration-response"


_record_lock = threading.Lock()
# The Runtime API headers of the invocation this thread is handling (workers run concurrently).
_local = threading.local()


def record(**fields):
    path = os.environ.get("RUNTIME_LOG")
    if path:
        with _record_lock, open(path, "a") as f:
            f.write(json.dumps(fields) + "\n")


def prelude(status=200, headers=None, cookies=None):
    return json.dumps({"statusCode": status, "headers": headers or {"content-type": "text/plain"},
                       "cookies": cookies or []}).encode()


def params(event):
    return event.get("queryStringParameters") or {}


def handle(api, rid, event):
    path = event["rawPath"]
    q = params(event)
    if path == "/stream":
        n, delay = int(q.get("n", "5")), int(q.get("delay_ms", "200")) / 1000
        api.start_stream(rid)
        api.chunk(prelude(200, {"content-type": "text/event-stream", "x-custom": "yes", "x-pid": str(os.getpid()),
                                "x-worker": threading.current_thread().name}))
        api.chunk(b"\0" * 8)
        for i in range(n):
            if i:
                time.sleep(delay)
            api.chunk(f"chunk {i} {time.time():.6f}\n".encode())
        status = api.end_stream()
        record(path=path, status=status, sent=n)
    elif path == "/stream-one-write":
        # Prelude, delimiter and first body bytes in one chunk; the delimiter split across two chunks next.
        api.start_stream(rid)
        api.chunk(prelude(201, {"content-type": "text/plain", "content-length": "999"}) + b"\0" * 8 + b"first ")
        api.chunk(b"second")
        api.end_stream()
    elif path == "/split-delimiter":
        api.start_stream(rid)
        api.chunk(prelude(202) + b"\0\0\0")
        api.chunk(b"\0\0\0\0\0body")
        api.end_stream()
    elif path == "/raw-stream":
        api.start_stream(rid, content_type="text/plain; charset=utf-8")
        api.chunk(b"raw ")
        api.chunk(b"bytes")
        api.end_stream()
    elif path == "/echo":
        body = json.dumps(event).encode()
        api.start_stream(rid)
        api.chunk(prelude(200, {"content-type": "application/json"},
                          ["session=abc; Path=/", "theme=dark; HttpOnly"]))
        api.chunk(b"\0" * 8)
        api.chunk(body)
        api.end_stream()
    elif path == "/cors-headers":
        api.start_stream(rid)
        api.chunk(prelude(200, {"content-type": "text/plain", "access-control-allow-origin": "https://evil.example"}))
        api.chunk(b"\0" * 8)
        api.chunk(b"ok")
        api.end_stream()
    elif path == "/trailer-error":
        api.start_stream(rid)
        api.chunk(prelude(200, {"content-type": "text/event-stream"}))
        api.chunk(b"\0" * 8)
        api.chunk(b'data: {"type":"chunk","data":"partial"}\n\n')
        error = {"errorType": "Function.UpstreamTimeout", "errorMessage": "agent went quiet"}
        status = api.end_stream({
            "Lambda-Runtime-Function-Error-Type": "Function.UpstreamTimeout",
            "Lambda-Runtime-Function-Error-Body": base64.b64encode(json.dumps(error).encode()).decode(),
        })
        record(path=path, status=status)
    elif path == "/error":
        status, _ = api.post(f"invocation/{rid}/error",
                             json.dumps({"errorMessage": "boom", "errorType": "Function.Boom", "stackTrace": []}).encode(),
                             {"Lambda-Runtime-Function-Error-Type": "Function.Boom", "Content-Type": "application/json"})
        record(path=path, status=status)
    elif path == "/crash-mid":
        api.start_stream(rid)
        api.chunk(prelude())
        api.chunk(b"\0" * 8)
        api.chunk(b"before the crash\n")
        time.sleep(0.2)
        os._exit(3)
    elif path == "/crash-before":
        os._exit(4)
    elif path == "/sleep":
        time.sleep(float(q.get("s", "30")))
        api.post(f"invocation/{rid}/response", b"too late")
    elif path == "/sleep-after-bytes":
        api.start_stream(rid)
        api.chunk(prelude())
        api.chunk(b"\0" * 8)
        api.chunk(b"started\n")
        time.sleep(float(q.get("s", "30")))
        api.end_stream()
    elif path == "/big-buffered":
        size = int(q.get("mb", "7")) * 1024 * 1024
        status, answer = api.post(f"invocation/{rid}/response", b"x" * size, {"Content-Type": "application/json"})
        record(path=path, status=status, answer=answer.decode())
    elif path == "/buffered-http":
        payload = {"statusCode": 418, "headers": {"content-type": "text/plain", "x-teapot": "1"},
                   "cookies": ["a=1; Path=/"], "body": base64.b64encode(b"\x00\x01binary").decode(),
                   "isBase64Encoded": True}
        api.post(f"invocation/{rid}/response", json.dumps(payload).encode())
    elif path == "/stream-result":
        # A payload-2.0 result object, streamed in two pieces without a prelude: behind a BUFFERED URL it is
        # read as the HTTP response.
        result = json.dumps({"statusCode": 201, "headers": {"content-type": "text/plain", "x-result": "yes"},
                             "cookies": ["r=1; Path=/"], "body": base64.b64encode(b"streamed result").decode(),
                             "isBase64Encoded": True}).encode()
        api.start_stream(rid, content_type="application/json")
        api.chunk(result[:20])
        time.sleep(0.1)
        api.chunk(result[20:])
        record(path=path, status=api.end_stream())
    elif path == "/buffered-plain":
        api.post(f"invocation/{rid}/response", b'{"hello":"world"}')
    elif path == "/long-stream":
        n = int(q.get("n", "30"))
        api.start_stream(rid)
        api.chunk(prelude())
        api.chunk(b"\0" * 8)
        for i in range(n):
            api.chunk(f"line {i}\n".encode())
            time.sleep(0.05)
        status = api.end_stream()
        record(path=path, status=status, sent=n)
    elif path == "/flood":
        total = int(q.get("mb", "48")) * 1024 * 1024
        piece = b"z" * 65536
        api.start_stream(rid)
        api.chunk(prelude(200, {"content-type": "application/octet-stream"}))
        api.chunk(b"\0" * 8)
        for _ in range(total // len(piece)):
            api.chunk(piece)
        status = api.end_stream()
        record(path=path, status=status, finished_at=time.time())
    elif path == "/late-response":
        # Answer, then try to answer the same invocation again and an unknown one.
        status1, _ = api.post(f"invocation/{rid}/response", b'"done"')
        status2, _ = api.post(f"invocation/{rid}/response", b'"again"')
        status3, _ = api.post("invocation/00000000-0000-0000-0000-000000000000/response", b'"who"')
        record(path=path, first=status1, again=status2, unknown=status3)
    elif path == "/env":
        keys = ["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
                "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
                "_HANDLER", "LAMBDA_TASK_ROOT", "TZ", "AWS_LAMBDA_RUNTIME_API", "INHERITED_MARKER"]
        api.post(f"invocation/{rid}/response", json.dumps({
            "env": {k: os.environ.get(k) for k in keys}, "pid": os.getpid(),
            "headers": dict(_local.headers)}).encode())
    elif path == "/extra-next":
        # One more /next while this invocation is unanswered: beyond AWS_LAMBDA_MAX_CONCURRENCY when every other
        # worker is parked in /next. A refusal comes back at once; if it parks instead, close it after 2 s so it
        # cannot swallow an invocation.
        extra = socket.create_connection((api.host, api.port), timeout=2)
        try:
            extra.sendall(f"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {api.host}\r\n\r\n".encode())
            head = b""
            while b"\r\n\r\n" not in head:
                data = extra.recv(65536)
                if not data:
                    break
                head += data
            status = int(head.split(b" ")[1]) if head else 0
            body = head.split(b"\r\n\r\n", 1)[1].decode() if b"\r\n\r\n" in head else ""
        except socket.timeout:
            status, body = "parked", ""
        finally:
            extra.close()
        api.post(f"invocation/{rid}/response", json.dumps({"extra_next_status": status, "body": body}).encode())
    elif path == "/whoami":
        time.sleep(float(q.get("s", "0")))
        api.post(f"invocation/{rid}/response", json.dumps({
            "pid": os.getpid(), "worker": threading.current_thread().name,
            "max_concurrency": os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY")}).encode())
    else:
        api.post(f"invocation/{rid}/response", json.dumps({"path": path, "pid": os.getpid()}).encode())


def worker(api):
    while True:
        rid, headers, event = api.next()
        _local.headers = headers
        handle(api, rid, event)


def worker_thread(api):
    try:
        worker(api)
    except BaseException:  # noqa: BLE001 - a dead worker must not go unnoticed: the process dies with it
        traceback.print_exc()
        os._exit(1)


def main():
    if os.environ.get("INIT_FAIL_ONCE"):
        marker = os.environ["INIT_FAIL_ONCE"]
        if not os.path.exists(marker):
            open(marker, "w").close()
            RuntimeAPI().post("init/error", b'{"errorMessage":"first start fails","errorType":"Runtime.Test"}',
                              {"Lambda-Runtime-Function-Error-Type": "Runtime.Test"})
            sys.exit(1)
    if os.environ.get("INIT_FAIL_ALWAYS"):
        RuntimeAPI().post("init/error", b'{"errorMessage":"never starts","errorType":"Runtime.Test"}',
                          {"Lambda-Runtime-Function-Error-Type": "Runtime.Test"})
        sys.exit(1)
    concurrency = int(os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY") or "1")
    record(event="init", pid=os.getpid(), concurrency=concurrency)
    if concurrency == 1:
        worker(RuntimeAPI())
        return
    workers = [threading.Thread(target=worker_thread, args=(RuntimeAPI(),), name=f"worker-{i}", daemon=True)
               for i in range(concurrency)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()


if __name__ == "__main__":
    main()
