"""botocore as an independent SigV4 oracle for the Swift signer's tests.

stdin: one JSON object or a list of them:
  {"access_key_id", "secret_access_key", "session_token" (or null), "region", "service",
   "epoch_seconds" (int) or "timestamp" ("YYYY-MM-DDTHH:MM:SSZ"), "method", "url" (wire URL, percent-encoded),
   "headers": [[name, value], ...] (duplicates allowed), "body" (UTF-8 text) or "body_b64"}
stdout: a JSON list, one {"authorization", "canonical_request", "string_to_sign", "headers"} per input.

The clock is pinned by replacing botocore.auth.get_current_datetime, which is safe here: one thread, one process.
"""

import base64
import datetime
import json
import sys

import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


class RecordingSigV4Auth(SigV4Auth):
    """Keeps the canonical request and string to sign computed inside add_auth (recomputing them afterwards
    would include the Authorization header just added)."""

    def canonical_request(self, request):
        self.last_canonical_request = super().canonical_request(request)
        return self.last_canonical_request

    def string_to_sign(self, request, canonical_request):
        self.last_string_to_sign = super().string_to_sign(request, canonical_request)
        return self.last_string_to_sign


def sign(case):
    if "epoch_seconds" in case:
        moment = datetime.datetime.fromtimestamp(case["epoch_seconds"], datetime.timezone.utc).replace(tzinfo=None)
    else:
        moment = datetime.datetime.strptime(case["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
    botocore.auth.get_current_datetime = lambda: moment
    body = base64.b64decode(case["body_b64"]) if "body_b64" in case else case.get("body", "").encode("utf-8")
    request = AWSRequest(method=case["method"], url=case["url"], data=body)
    for name, value in case.get("headers", []):
        request.headers[name] = value  # HTTPHeaders appends, so duplicate names are kept like on the wire
    auth = RecordingSigV4Auth(Credentials(case["access_key_id"], case["secret_access_key"], case.get("session_token")),
                     case["service"], case["region"])
    auth.add_auth(request)
    return {
        "authorization": request.headers["Authorization"],
        "canonical_request": auth.last_canonical_request,
        "string_to_sign": auth.last_string_to_sign,
        "headers": [[k, v] for k, v in request.headers.items()],
    }


def main():
    data = json.load(sys.stdin)
    cases = data if isinstance(data, list) else [data]
    json.dump([sign(c) for c in cases], sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
