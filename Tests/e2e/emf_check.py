#!/usr/bin/env python3
"""Validate CloudWatch Embedded Metric Format (EMF) log lines.

Three layers, each a list of readable error strings (empty = valid):

1. `parse_line`: the line is one JSON object and nothing else (no trailing data, no duplicate member names,
   no NaN/Infinity), at most 1 MB (the CloudWatch Logs event limit).
2. `emf_errors`: the structure, against `schemas/emf.schema.json` (written from the published EMF
   specification) with `jsonschema`, plus the cross-references JSON Schema cannot express: every dimension a
   directive names is a top-level string member of 1-1024 characters, and every metric it names is a
   top-level number or array of at most 100 numbers.
3. `agentstream_errors`: AgentStream's own metric contract for its per-invocation line (namespace, the
   dimension sets {agent, route} and {}, metric names, units and values, the error-code count).

As a program it checks log files (e.g. the function's captured stdout) line by line:

    python3 Tests/e2e/emf_check.py [--agentstream] [--namespace NS] [--require-metrics] FILE...

Lines that are not JSON objects with an `_aws` member are skipped (other log lines), except that
`--require-metrics` demands `_aws` on every `"msg":"invocation"` line. Exit status 1 when any line fails.
"""

import argparse
import json
import math
import pathlib
import sys

import jsonschema

SCHEMA_PATH = pathlib.Path(__file__).resolve().parent / "schemas" / "emf.schema.json"
MAX_EVENT_BYTES = 1024 * 1024  # CloudWatch Logs' largest event; EMF documents share the limit
MAX_DIMENSION_VALUE_CHARS = 1024
MAX_METRIC_VALUES = 100

# AgentStream's contract for the per-invocation line.
AGENTSTREAM_DIMENSIONS = [["agent", "route"], []]
AGENTSTREAM_ROUTES = {
    "/", "/invoke", "/api/streaming/stream", "/api/streaming/agents", "/api/streaming/health",
    "/api/streaming/cancel", "other",
}
AGENTSTREAM_UNITS = {
    "FirstByteMs": "Milliseconds", "FirstChunkMs": "Milliseconds", "DurationMs": "Milliseconds",
    "Frames": "Count", "Bytes": "Bytes", "Complete": "Count", "Error": "Count", "ClientError": "Count",
}
AGENTSTREAM_REQUIRED = {"DurationMs", "Frames", "Bytes", "Complete", "Error", "ClientError"}
OUTCOMES = ("Complete", "Error", "ClientError")

_validator = None


class LineError(ValueError):
    """The line is not a single JSON object (so not an EMF document at all)."""


def schema():
    """The EMF JSON schema (schemas/emf.schema.json) as a dict."""
    return json.loads(SCHEMA_PATH.read_text())


def validator():
    """A Draft 2020-12 validator for the EMF schema (built once)."""
    global _validator
    if _validator is None:
        s = schema()
        jsonschema.Draft202012Validator.check_schema(s)
        _validator = jsonschema.Draft202012Validator(s)
    return _validator


def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise LineError(f"member {key!r} appears twice (CloudWatch would see only one of them)")
        obj[key] = value
    return obj


def _reject_constant(name):
    raise LineError(f"{name} is not JSON")


def parse_line(line):
    """The JSON object in one log line (a trailing newline is allowed); raises LineError otherwise."""
    raw = line.encode() if isinstance(line, str) else line
    if len(raw) > MAX_EVENT_BYTES:
        raise LineError(f"line is {len(raw)} bytes; a CloudWatch Logs event (and so an EMF document) is at most {MAX_EVENT_BYTES}")
    text = raw.decode("utf-8", errors="strict")
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise LineError(f"not a single JSON value: {e.msg} at column {e.colno}") from None
    if not isinstance(doc, dict):
        raise LineError(f"the root must be a JSON object, not {type(doc).__name__}")
    return doc


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _path(error):
    return "/".join(str(p) for p in error.absolute_path) or "(root)"


def emf_errors(doc):
    """Everything wrong with `doc` as an EMF document (empty list = valid)."""
    errors = [f"{_path(e)}: {e.message}" for e in sorted(validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))]
    if errors:
        return errors  # the cross-references need a well-formed _aws
    for i, directive in enumerate(doc["_aws"]["CloudWatchMetrics"]):
        where = f"_aws/CloudWatchMetrics/{i}"
        for j, dimension_set in enumerate(directive["Dimensions"]):
            for name in dimension_set:
                if name not in doc:
                    errors.append(f"{where}/Dimensions/{j}: dimension {name!r} is not a member of the root")
                elif not isinstance(doc[name], str):
                    errors.append(f"{name}: a dimension's value must be a string, got {json.dumps(doc[name])}")
                elif not 1 <= len(doc[name]) <= MAX_DIMENSION_VALUE_CHARS:
                    errors.append(f"{name}: a dimension's value must have 1 to {MAX_DIMENSION_VALUE_CHARS} characters, has {len(doc[name])}")
        for j, metric in enumerate(directive["Metrics"]):
            name = metric["Name"]
            if name not in doc:
                errors.append(f"{where}/Metrics/{j}: metric {name!r} is not a member of the root")
                continue
            value = doc[name]
            if isinstance(value, list):
                if len(value) > MAX_METRIC_VALUES:
                    errors.append(f"{name}: a metric's array may hold at most {MAX_METRIC_VALUES} values, has {len(value)}")
                bad = [v for v in value if not _is_number(v)]
                if bad:
                    errors.append(f"{name}: a metric's array must hold only numbers, has {json.dumps(bad[0])}")
            elif not _is_number(value):
                errors.append(f"{name}: a metric's value must be a number or an array of numbers, got {json.dumps(value)}")
    return errors


def agentstream_errors(doc, namespace=None):
    """Deviations of a valid EMF document from AgentStream's per-invocation metric contract."""
    directives = doc["_aws"]["CloudWatchMetrics"]
    if len(directives) != 1:
        return [f"expected one metric directive, got {len(directives)}"]
    d = directives[0]
    errors = []
    if namespace is not None and d["Namespace"] != namespace:
        errors.append(f"Namespace is {d['Namespace']!r}, expected {namespace!r} (METRICS_NAMESPACE)")
    if d["Dimensions"] != AGENTSTREAM_DIMENSIONS:
        errors.append(f"Dimensions must be {json.dumps(AGENTSTREAM_DIMENSIONS)}, got {json.dumps(d['Dimensions'])}")
    if doc.get("route") not in AGENTSTREAM_ROUTES:
        errors.append(f"route {doc.get('route')!r} is not one of {sorted(AGENTSTREAM_ROUTES)}")
    if not isinstance(doc.get("agent"), str) or not doc.get("agent"):
        errors.append("agent must be the configured agent's name or 'none'")

    units = {}
    for m in d["Metrics"]:
        if m["Name"] in units:
            errors.append(f"metric {m['Name']} is defined twice")
        units[m["Name"]] = m.get("Unit", "None")
    missing = sorted(AGENTSTREAM_REQUIRED - set(units))
    if missing:
        errors.append(f"missing metrics: {', '.join(missing)}")
    codes = [n for n in units if n not in AGENTSTREAM_UNITS]
    for name, unit in units.items():
        want = AGENTSTREAM_UNITS.get(name, "Count")
        if unit != want:
            errors.append(f"{name}: Unit must be {want}, got {unit}")
        value = doc.get(name)
        if not _is_number(value) or value < 0:
            errors.append(f"{name}: must be one non-negative number, got {json.dumps(value)}")
    if errors:
        return errors

    for name in ("Frames", "Bytes"):
        if doc[name] != int(doc[name]):
            errors.append(f"{name}: must be a whole number, got {doc[name]}")
    outcome = {name: doc[name] for name in OUTCOMES}
    if any(v not in (0, 1) for v in outcome.values()):
        errors.append(f"Complete, Error and ClientError must each be 0 or 1, got {outcome}")
    elif sum(outcome.values()) > 1:
        errors.append(f"at most one outcome per invocation, got {outcome}")
    if len(codes) > 1:
        errors.append(f"at most one error-code metric per invocation, got {codes}")
    if doc["Error"] == 1 and not codes:
        errors.append("an Error outcome must carry its error code as a Count metric (e.g. UpstreamTimeout = 1)")
    if doc["Error"] != 1 and codes:
        errors.append(f"error-code metric {codes[0]} without an Error outcome")
    for code in codes:
        if doc[code] != 1:
            errors.append(f"error-code metric {code} must be 1, got {doc[code]}")
        if not (code[:1].isalpha() and code.replace("_", "").isalnum() and code.isascii()):
            errors.append(f"error-code metric name {code!r} is not an error code")
    duration = doc["DurationMs"]
    for name in ("FirstByteMs", "FirstChunkMs"):
        if name in units and doc[name] > duration:
            errors.append(f"{name} ({doc[name]}) is after the end of the invocation (DurationMs {duration})")
    if "FirstByteMs" in units and "FirstChunkMs" in units and doc["FirstChunkMs"] < doc["FirstByteMs"]:
        errors.append(f"FirstChunkMs ({doc['FirstChunkMs']}) is before FirstByteMs ({doc['FirstByteMs']})")
    return errors


def check_line(line, agentstream=False, namespace=None):
    """All errors of one log line read as an EMF document (and, optionally, as AgentStream's line)."""
    try:
        doc = parse_line(line)
    except (LineError, UnicodeDecodeError) as e:
        return [str(e)]
    errors = emf_errors(doc)
    if not errors and agentstream:
        errors = agentstream_errors(doc, namespace)
    return errors


def check_file(path, agentstream=False, namespace=None, require_metrics=False):
    """(number of EMF lines checked, [(line number, error)]) for one log file."""
    checked, problems = 0, []
    for number, line in enumerate(pathlib.Path(path).read_bytes().splitlines(keepends=True), start=1):
        try:
            doc = parse_line(line)
        except (LineError, UnicodeDecodeError):
            continue  # not a JSON log line (or not ours)
        if "_aws" not in doc:
            if require_metrics and doc.get("msg") == "invocation":
                problems.append((number, "invocation line without EMF metrics (_aws)"))
            continue
        checked += 1
        problems += [(number, e) for e in check_line(line, agentstream, namespace)]
    return checked, problems


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--agentstream", action="store_true", help="also check AgentStream's metric contract")
    p.add_argument("--namespace", help="the expected namespace (METRICS_NAMESPACE); implies --agentstream")
    p.add_argument("--require-metrics", action="store_true", help='every "msg":"invocation" line must carry _aws')
    a = p.parse_args(argv)
    total, failed = 0, 0
    for f in a.files:
        checked, problems = check_file(f, a.agentstream or a.namespace is not None, a.namespace, a.require_metrics)
        total += checked
        for number, error in problems:
            print(f"{f}:{number}: {error}")
        failed += len(problems)
    print(f"emf_check: {total} EMF line(s) checked, {failed} problem(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
