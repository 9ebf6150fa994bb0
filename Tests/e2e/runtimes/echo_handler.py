"""Handlers for awslambdaric (`python -m awslambdaric echo_handler.echo`): the buffered Runtime API path."""

import json


def echo(event, context):
    path = event.get("rawPath")
    if path == "/big":
        return "x" * (7 * 1024 * 1024)
    if path == "/plain":
        return {"hello": "from awslambdaric"}
    if path == "/raise":
        raise ValueError("handler raised")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-request-id": context.aws_request_id},
        "cookies": ["ric=1; Path=/"],
        "body": json.dumps({"event": event, "function": context.function_name}),
    }
