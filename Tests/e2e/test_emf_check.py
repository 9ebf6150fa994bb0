"""Tests of Tests/e2e/emf_check.py and schemas/emf.schema.json: valid and invalid sample EMF lines.

Every invalid sample breaks one rule of the Embedded Metric Format specification (or of CloudWatch's limits,
or of AgentStream's metric contract) and must be rejected with a message that names what is wrong.
"""

import copy
import json
import subprocess
import sys

import jsonschema
import pytest

import emf_check

TS = 1764540000000  # 2025-11-30T22:00:00Z in milliseconds


def emf(members, directives):
    return {"_aws": {"Timestamp": TS, "CloudWatchMetrics": directives}, **members}


SPEC_STYLE = emf(
    {"functionVersion": "$LATEST", "time": 100, "requestId": "989ffbf8-9ace-4817-a57c-e4dd734019ee"},
    [{"Namespace": "lambda-function-metrics", "Dimensions": [["functionVersion"]],
      "Metrics": [{"Name": "time", "Unit": "Milliseconds", "StorageResolution": 60}]}],
)


def agentstream_line(**overrides):
    """An AgentStream per-invocation line for a complete stream (overrides replace or, as None, drop members)."""
    doc = {
        "_aws": {"Timestamp": TS, "CloudWatchMetrics": [{
            "Namespace": "AgentStream",
            "Dimensions": [["agent", "route"], []],
            "Metrics": [
                {"Name": "FirstByteMs", "Unit": "Milliseconds"}, {"Name": "FirstChunkMs", "Unit": "Milliseconds"},
                {"Name": "DurationMs", "Unit": "Milliseconds"}, {"Name": "Frames", "Unit": "Count"},
                {"Name": "Bytes", "Unit": "Bytes"}, {"Name": "Complete", "Unit": "Count"},
                {"Name": "Error", "Unit": "Count"}, {"Name": "ClientError", "Unit": "Count"},
            ],
        }]},
        "msg": "invocation", "level": "info", "ts": TS, "request_id": "8f5e1c2a-0b1d-4c1e-9f00-5a3b2c1d0e9f",
        "method": "POST", "path": "/", "status": 200, "outcome": "complete", "agent": "default", "route": "/",
        "FirstByteMs": 3, "FirstChunkMs": 412, "DurationMs": 2051, "Frames": 37, "Bytes": 4180,
        "Complete": 1, "Error": 0, "ClientError": 0,
    }
    for k, v in overrides.items():
        if v is None:
            doc.pop(k, None)
        else:
            doc[k] = v
    return doc


def error_line(code="UpstreamTimeout"):
    doc = agentstream_line(Complete=0, Error=1, outcome=code, FirstChunkMs=None)
    doc[code] = 1
    metrics = doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]
    metrics[:] = [m for m in metrics if m["Name"] != "FirstChunkMs"] + [{"Name": code, "Unit": "Count"}]
    return doc


def line(doc):
    return json.dumps(doc, separators=(",", ":")) + "\n"


def errors_of(doc_or_text, **kw):
    text = doc_or_text if isinstance(doc_or_text, (str, bytes)) else line(doc_or_text)
    return emf_check.check_line(text, **kw)


def mutate(doc, fn):
    d = copy.deepcopy(doc)
    fn(d)
    return d


def directive(d):
    return d["_aws"]["CloudWatchMetrics"][0]


# --- the schema itself -----------------------------------------------------------------------------

def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(emf_check.schema())


# --- valid lines -------------------------------------------------------------------------------------

VALID = {
    "spec-style example": SPEC_STYLE,
    "no dimensions, no unit": emf({"Requests": 1}, [{"Namespace": "Svc", "Dimensions": [[]], "Metrics": [{"Name": "Requests"}]}]),
    "array of values, high resolution": emf({"Latency": [1, 2.5, 3e2]}, [{"Namespace": "A/B #1: c", "Dimensions": [[]],
                                             "Metrics": [{"Name": "Latency", "Unit": "Microseconds", "StorageResolution": 1}]}]),
    "two directives share a dimension": emf({"op": "get", "svc": "x", "n": 1, "t": 2.0},
                                            [{"Namespace": "S1", "Dimensions": [["op"], ["op", "svc"]], "Metrics": [{"Name": "n", "Unit": "Count"}]},
                                             {"Namespace": "S2", "Dimensions": [["svc"]], "Metrics": [{"Name": "t", "Unit": "Seconds"}]}]),
    "30 dimensions": emf({**{f"d{i}": "v" for i in range(30)}, "m": 0},
                         [{"Namespace": "N", "Dimensions": [[f"d{i}" for i in range(30)]], "Metrics": [{"Name": "m", "Unit": "None"}]}]),
    "100 metrics": emf({f"m{i}": i for i in range(100)},
                       [{"Namespace": "N", "Dimensions": [[]], "Metrics": [{"Name": f"m{i}"} for i in range(100)]}]),
    "metric named like a dotted path is a flat member": emf({"A.a": 5}, [{"Namespace": "N", "Dimensions": [[]], "Metrics": [{"Name": "A.a"}]}]),
    "AgentStream complete": agentstream_line(),
    "AgentStream error": error_line(),
}


@pytest.mark.parametrize("name", list(VALID))
def test_valid_lines_pass(name):
    assert errors_of(VALID[name]) == []


def test_agentstream_lines_pass_the_contract_check():
    assert errors_of(agentstream_line(), agentstream=True, namespace="AgentStream") == []
    assert errors_of(error_line("UpstreamIdleTimeout"), agentstream=True) == []
    client_error = agentstream_line(Complete=0, ClientError=1, status=400, FirstByteMs=None, FirstChunkMs=None, Frames=0)
    directive(client_error)["Metrics"][:] = [m for m in directive(client_error)["Metrics"] if m["Name"] not in ("FirstByteMs", "FirstChunkMs")]
    assert errors_of(client_error, agentstream=True) == []
    health = agentstream_line(route="/api/streaming/health", agent="none", method="GET")
    assert errors_of(health, agentstream=True) == []


def test_timestamp_written_as_float_with_zero_fraction_is_an_integer():
    assert errors_of(line(SPEC_STYLE).replace(str(TS), "1.76454e+12")) == []


# --- invalid lines: the line itself ------------------------------------------------------------------

@pytest.mark.parametrize("text, expect", [
    ("not json\n", "not a single JSON value"),
    (line(SPEC_STYLE).rstrip("\n") + " trailing\n", "not a single JSON value"),
    (line(SPEC_STYLE).rstrip("\n") + line(SPEC_STYLE), "not a single JSON value"),
    ("[1,2]\n", "must be a JSON object"),
    ('{"_aws":{},"x":1,"x":2}\n', "'x' appears twice"),
    (line(SPEC_STYLE).replace('"time":100', '"time":NaN'), "NaN is not JSON"),
    (line(SPEC_STYLE).replace('"time":100', '"time":Infinity'), "Infinity is not JSON"),
    (b'{"_aws":"\xff"}\n', "invalid start byte"),
])
def test_malformed_lines_are_rejected(text, expect):
    errors = errors_of(text)
    assert len(errors) == 1 and expect in errors[0], errors


def test_line_over_one_megabyte_is_rejected():
    big = mutate(SPEC_STYLE, lambda d: d.update(padding="x" * emf_check.MAX_EVENT_BYTES))
    errors = errors_of(big)
    assert len(errors) == 1 and "at most 1048576" in errors[0]


# --- invalid lines: structure (the schema) -------------------------------------------------------------

def set_in(path, value):
    def fn(d):
        target = d
        for p in path[:-1]:
            target = target[p]
        if value is DELETE:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return fn


DELETE = object()
D0 = ["_aws", "CloudWatchMetrics", 0]

STRUCTURE_CASES = {
    "no _aws": (set_in(["_aws"], DELETE), "'_aws' is a required property"),
    "_aws not an object": (set_in(["_aws"], []), "is not of type 'object'"),
    "no Timestamp": (set_in(["_aws", "Timestamp"], DELETE), "'Timestamp' is a required property"),
    "Timestamp as string": (set_in(["_aws", "Timestamp"], str(TS)), "is not of type 'integer'"),
    "Timestamp in seconds": (set_in(["_aws", "Timestamp"], TS // 1000), "is less than the minimum"),
    "Timestamp with fraction": (set_in(["_aws", "Timestamp"], TS + 0.5), "is not of type 'integer'"),
    "no CloudWatchMetrics": (set_in(["_aws", "CloudWatchMetrics"], DELETE), "'CloudWatchMetrics' is a required property"),
    "empty CloudWatchMetrics": (set_in(["_aws", "CloudWatchMetrics"], []), "should be non-empty"),
    "extra member in _aws": (set_in(["_aws", "LogGroupName"], "x"), "Additional properties are not allowed ('LogGroupName'"),
    "no Namespace": (set_in(D0 + ["Namespace"], DELETE), "'Namespace' is a required property"),
    "no Dimensions": (set_in(D0 + ["Dimensions"], DELETE), "'Dimensions' is a required property"),
    "no Metrics": (set_in(D0 + ["Metrics"], DELETE), "'Metrics' is a required property"),
    "extra member in directive": (set_in(D0 + ["Unit"], "Count"), "Additional properties are not allowed ('Unit'"),
    "reserved AWS/ namespace": (set_in(D0 + ["Namespace"], "AWS/Lambda"), "does not match"),
    "namespace with a bar": (set_in(D0 + ["Namespace"], "Agent|Stream"), "does not match"),
    "namespace of spaces": (set_in(D0 + ["Namespace"], "   "), "does not match"),
    "namespace of 256 chars": (set_in(D0 + ["Namespace"], "N" * 256), "does not match"),
    "empty namespace": (set_in(D0 + ["Namespace"], ""), "does not match"),
    "Dimensions empty": (set_in(D0 + ["Dimensions"], []), "should be non-empty"),
    "dimension set not an array": (set_in(D0 + ["Dimensions"], ["functionVersion"]), "is not of type 'array'"),
    "31 dimensions": (set_in(D0 + ["Dimensions"], [[f"d{i}" for i in range(31)]]), "is too long"),
    "dimension named twice": (set_in(D0 + ["Dimensions"], [["functionVersion", "functionVersion"]]), "has non-unique elements"),
    "dimension name not a string": (set_in(D0 + ["Dimensions"], [[7]]), "is not of type 'string'"),
    "empty dimension name": (set_in(D0 + ["Dimensions"], [[""]]), "should be non-empty"),
    "Metrics empty": (set_in(D0 + ["Metrics"], []), "should be non-empty"),
    "101 metrics": (set_in(D0 + ["Metrics"], [{"Name": "time"}] * 101), "is too long"),
    "metric without Name": (set_in(D0 + ["Metrics"], [{"Unit": "Count"}]), "'Name' is a required property"),
    "metric name too long": (set_in(D0 + ["Metrics"], [{"Name": "m" * 256}]), "is too long"),
    "unit not a CloudWatch unit": (set_in(D0 + ["Metrics"], [{"Name": "time", "Unit": "Millisecond"}]), "is not one of"),
    "unit in lower case": (set_in(D0 + ["Metrics"], [{"Name": "time", "Unit": "milliseconds"}]), "is not one of"),
    "storage resolution 30": (set_in(D0 + ["Metrics"], [{"Name": "time", "StorageResolution": 30}]), "is not one of"),
    "storage resolution true": (set_in(D0 + ["Metrics"], [{"Name": "time", "StorageResolution": True}]), "is not one of"),
    "extra member in metric": (set_in(D0 + ["Metrics"], [{"Name": "time", "Value": 1}]), "Additional properties are not allowed ('Value'"),
}


@pytest.mark.parametrize("name", list(STRUCTURE_CASES))
def test_structure_errors_are_rejected(name):
    fn, expect = STRUCTURE_CASES[name]
    errors = errors_of(mutate(SPEC_STYLE, fn))
    assert errors and any(expect in e for e in errors), errors


# --- invalid lines: cross-references (beyond JSON Schema) ----------------------------------------------

CROSS_REFERENCE_CASES = {
    "dimension member missing": (set_in(["functionVersion"], DELETE), "dimension 'functionVersion' is not a member of the root"),
    "dimension value a number": (set_in(["functionVersion"], 1), "a dimension's value must be a string, got 1"),
    "dimension value null": (set_in(["functionVersion"], None), "a dimension's value must be a string, got null"),
    "dimension value empty": (set_in(["functionVersion"], ""), "must have 1 to 1024 characters, has 0"),
    "dimension value too long": (set_in(["functionVersion"], "v" * 1025), "must have 1 to 1024 characters, has 1025"),
    "metric member missing": (set_in(["time"], DELETE), "metric 'time' is not a member of the root"),
    "metric value a string": (set_in(["time"], "100"), 'a metric\'s value must be a number or an array of numbers, got "100"'),
    "metric value a boolean": (set_in(["time"], True), "got true"),
    "metric value null": (set_in(["time"], None), "got null"),
    "metric value an object": (set_in(["time"], {"v": 1}), 'got {"v": 1}'),
    "metric array with a string": (set_in(["time"], [1, "2"]), 'must hold only numbers, has "2"'),
    "metric array with a boolean": (set_in(["time"], [1, False]), "must hold only numbers, has false"),
    "metric array of 101": (set_in(["time"], list(range(101))), "at most 100 values, has 101"),
}


@pytest.mark.parametrize("name", list(CROSS_REFERENCE_CASES))
def test_cross_reference_errors_are_rejected(name):
    fn, expect = CROSS_REFERENCE_CASES[name]
    errors = errors_of(mutate(SPEC_STYLE, fn))
    assert errors and any(expect in e for e in errors), errors


def test_nested_member_does_not_satisfy_a_dotted_reference():
    doc = emf({"A": {"a": 5}}, [{"Namespace": "N", "Dimensions": [[]], "Metrics": [{"Name": "A.a"}]}])
    assert errors_of(doc) == ["_aws/CloudWatchMetrics/0/Metrics/0: metric 'A.a' is not a member of the root"]


def test_every_problem_is_reported():
    doc = mutate(SPEC_STYLE, lambda d: (d.pop("functionVersion"), d.update(time="slow")))
    assert len(errors_of(doc)) == 2


# --- AgentStream's contract ----------------------------------------------------------------------------

def drop_metric(name):
    def fn(d):
        d.pop(name, None)
        directive(d)["Metrics"][:] = [m for m in directive(d)["Metrics"] if m["Name"] != name]
    return fn


def unit_of(name, unit):
    def fn(d):
        for m in directive(d)["Metrics"]:
            if m["Name"] == name:
                m["Unit"] = unit
    return fn


def add_code(code, value=1):
    def fn(d):
        d[code] = value
        directive(d)["Metrics"].append({"Name": code, "Unit": "Count"})
    return fn


CONTRACT_CASES = {
    "other namespace": (agentstream_line(), lambda d: directive(d).update(Namespace="Other"), "expected 'AgentStream'"),
    "one dimension set": (agentstream_line(), lambda d: directive(d).update(Dimensions=[["agent", "route"]]), "Dimensions must be"),
    "unknown route": (agentstream_line(), lambda d: d.update(route="/api/streaming/stream/x"), "route '/api/streaming/stream/x' is not one of"),
    "empty agent": (agentstream_line(), lambda d: d.update(agent=""), "dimension's value must have 1 to 1024"),
    "no DurationMs": (agentstream_line(), drop_metric("DurationMs"), "missing metrics: DurationMs"),
    "no outcome counts": (agentstream_line(), lambda d: [drop_metric(n)(d) for n in ("Complete", "Error", "ClientError")], "missing metrics: ClientError, Complete, Error"),
    "Bytes in Count": (agentstream_line(), unit_of("Bytes", "Count"), "Bytes: Unit must be Bytes, got Count"),
    "latency in Seconds": (agentstream_line(), unit_of("FirstChunkMs", "Seconds"), "FirstChunkMs: Unit must be Milliseconds"),
    "Complete = 2": (agentstream_line(), lambda d: d.update(Complete=2), "must each be 0 or 1"),
    "two outcomes": (agentstream_line(), lambda d: d.update(ClientError=1), "at most one outcome"),
    "negative duration": (agentstream_line(), lambda d: d.update(DurationMs=-1), "must be one non-negative number"),
    "array value": (agentstream_line(), lambda d: d.update(Frames=[1, 2]), "Frames: must be one non-negative number"),
    "fractional frames": (agentstream_line(), lambda d: d.update(Frames=1.5), "Frames: must be a whole number"),
    "first chunk after the end": (agentstream_line(), lambda d: d.update(FirstChunkMs=5000), "is after the end of the invocation"),
    "first chunk before first byte": (agentstream_line(), lambda d: d.update(FirstByteMs=500), "is before FirstByteMs"),
    "Error without its code": (agentstream_line(), lambda d: d.update(Complete=0, Error=1), "must carry its error code"),
    "code without Error": (agentstream_line(), add_code("UpstreamTimeout"), "without an Error outcome"),
    "code counted twice": (error_line(), lambda d: d.update(UpstreamTimeout=2), "must be 1, got 2"),
    "two codes": (error_line(), add_code("Deadline"), "at most one error-code metric"),
    "code unit Milliseconds": (error_line(), unit_of("UpstreamTimeout", "Milliseconds"), "UpstreamTimeout: Unit must be Count"),
    "code that is not a name": (error_line("Upstream-Timeout"), lambda d: None, "is not an error code"),
    "metric defined twice": (agentstream_line(), lambda d: directive(d)["Metrics"].append({"Name": "Frames", "Unit": "Count"}), "defined twice"),
    "two directives": (agentstream_line(), lambda d: d["_aws"]["CloudWatchMetrics"].append(copy.deepcopy(directive(d))), "expected one metric directive, got 2"),
}


@pytest.mark.parametrize("name", list(CONTRACT_CASES))
def test_contract_deviations_are_rejected(name):
    base, fn, expect = CONTRACT_CASES[name]
    errors = errors_of(mutate(base, fn), agentstream=True, namespace="AgentStream")
    assert errors and any(expect in e for e in errors), errors


def test_contract_is_only_checked_when_asked():
    doc = mutate(agentstream_line(), lambda d: d.update(route="/nowhere"))
    assert errors_of(doc) == []
    assert errors_of(doc, agentstream=True) != []


# --- the command line, as the e2e suite runs it over captured logs --------------------------------------

def run_cli(tmp_path, lines, *args):
    log = tmp_path / "bootstrap.log"
    log.write_text("".join(lines))
    p = subprocess.run([sys.executable, emf_check.__file__, *args, str(log)], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout


def test_cli_passes_a_clean_log_and_skips_other_lines(tmp_path):
    rc, out = run_cli(tmp_path, [
        "bootstrap starting\n", line({"level": "debug", "msg": "upstream connected"}), line(agentstream_line()),
        line(error_line()), "\n",
    ], "--namespace", "AgentStream", "--require-metrics")
    assert rc == 0, out
    assert out.strip().endswith("emf_check: 2 EMF line(s) checked, 0 problem(s)")


def test_cli_reports_each_bad_line_with_its_number(tmp_path):
    rc, out = run_cli(tmp_path, [
        line(agentstream_line()), line(mutate(agentstream_line(), set_in(["Frames"], "37"))),
        line({"msg": "invocation", "request_id": "r"}),
    ], "--agentstream", "--require-metrics")
    assert rc == 1
    assert "bootstrap.log:2: Frames: a metric's value must be a number" in out
    assert "bootstrap.log:3: invocation line without EMF metrics (_aws)" in out
    assert "emf_check: 2 EMF line(s) checked, 2 problem(s)" in out


def test_cli_without_require_metrics_ignores_plain_invocation_lines(tmp_path):
    rc, out = run_cli(tmp_path, [line({"msg": "invocation", "request_id": "r"})])
    assert rc == 0 and "0 EMF line(s) checked, 0 problem(s)" in out
