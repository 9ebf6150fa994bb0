#!/usr/bin/env python3
"""Assert what scripts/deploy_api_streaming.sh left in an AWS account, through the AWS CLI.

Used by scripts/infra/rehearse_deploy_moto.sh against moto; the checks only use documented API fields, so
it also works against a real account (read-only calls). Prints one line per check; exits 1 on any failure.

  check_deployment.py deployed --function F --runtime-arn A --url U --invoke-mode M --namespace NS
                               [--alarms --sns-topic ARN] [--dashboard] [--cors-origin O --cors-max-age N]
  check_deployment.py gone --function F --role R
"""
import argparse
import json
import subprocess
import sys
import urllib.parse

ALARMS = {
    # suffix: (namespace or None = the EMF namespace, metric, statistic or percentile, comparison)
    "errors": ("AWS/Lambda", "Errors", "Sum", "GreaterThanOrEqualToThreshold"),
    "throttles": ("AWS/Lambda", "Throttles", "Sum", "GreaterThanOrEqualToThreshold"),
    "duration-p99": ("AWS/Lambda", "Duration", "p99", "GreaterThanOrEqualToThreshold"),
    "first-chunk-p99": (None, "FirstChunkMs", "p99", "GreaterThanThreshold"),
}


class Checker:
    def __init__(self, endpoint, region):
        self.base = ["aws", "--region", region, "--output", "json"] + (["--endpoint-url", endpoint] if endpoint else [])
        self.problems = []

    def aws(self, *args, allow_fail=False):
        p = subprocess.run(self.base + list(args), capture_output=True, text=True)
        if p.returncode != 0:
            if allow_fail:
                return None
            raise SystemExit(f"aws {' '.join(args)} failed: {p.stderr.strip()}")
        return json.loads(p.stdout) if p.stdout.strip() else {}

    def check(self, cond, msg):
        print(("  ok    " if cond else "  FAIL  ") + msg)
        if not cond:
            self.problems.append(msg)

    def finish(self):
        if self.problems:
            sys.exit(f"{len(self.problems)} check(s) failed")


def as_list(v):
    return [v] if isinstance(v, str) else list(v or [])


def deployed(c, a):
    fn = a.function
    cfg = c.aws("lambda", "get-function", "--function-name", fn)["Configuration"]
    c.check(cfg["Runtime"] == "provided.al2023", f"runtime provided.al2023 (got {cfg['Runtime']})")
    c.check(cfg["Handler"] == "bootstrap", "handler bootstrap")
    c.check(cfg["Timeout"] == 900, f"timeout 900 (got {cfg['Timeout']})")
    c.check(cfg.get("Architectures") == ["x86_64"], f"architectures [x86_64] (got {cfg.get('Architectures')})")
    env = cfg.get("Environment", {}).get("Variables", {})
    c.check(env.get("AGENTCORE_RUNTIME_ARN") == a.runtime_arn, "AGENTCORE_RUNTIME_ARN set from the environment")
    c.check(env.get("LOG_LEVEL") == "debug" and env.get("AUTH_MODE") == "none", "LOG_LEVEL/AUTH_MODE plumbed")
    c.check("SUPABASE_KEY" not in env and "HEARTBEAT_MS" not in env, "unset settings are not exported")
    response_mode = "buffered" if a.invoke_mode == "BUFFERED" else "stream"
    want_env = {"STATUS_FRAMES": "on", "MAX_EVENT_BYTES": "10485760", "STOP_SESSION_ON_CUTOFF": "on",
                "METRICS_NAMESPACE": a.namespace, "RESPONSE_MODE": response_mode}
    got_env = {k: env.get(k) for k in want_env}
    c.check(got_env == want_env, f"streaming/limit/metrics settings {want_env} (got {got_env})")

    u = c.aws("lambda", "get-function-url-config", "--function-name", fn)
    c.check(u["InvokeMode"] == a.invoke_mode, f"URL InvokeMode {a.invoke_mode} (got {u['InvokeMode']})")
    c.check(u["AuthType"] == "NONE", "URL AuthType NONE")
    c.check(u["FunctionUrl"].rstrip("/") == a.url.rstrip("/"), f"URL unchanged: {a.url}")
    cors = u.get("Cors", {})
    if a.cors_origin:
        c.check(cors.get("AllowOrigins") == [a.cors_origin], f"CORS origins (got {cors.get('AllowOrigins')})")
        c.check(sorted(cors.get("AllowMethods", [])) == ["GET", "POST"], f"CORS methods (got {cors.get('AllowMethods')})")
        c.check(cors.get("MaxAge") == a.cors_max_age, f"CORS max age {a.cors_max_age} (got {cors.get('MaxAge')})")
        c.check("authorization" in [h.lower() for h in cors.get("AllowHeaders", [])], "CORS allows the authorization header")

    statements = json.loads(c.aws("lambda", "get-policy", "--function-name", fn)["Policy"])["Statement"]
    actions = {}
    for s in statements:
        for act in as_list(s["Action"]):
            actions.setdefault(act, []).append(s)

    # Real AWS renders the conditions under "Condition"; moto keeps the request fields as given.
    def cond(s, key):
        cc = s.get("Condition", {})
        return cc.get("StringEquals", {}).get("lambda:" + key, cc.get("Bool", {}).get("lambda:" + key, s.get(key)))

    c.check(any(s["Principal"] in ("*", {"AWS": "*"}) and cond(s, "FunctionUrlAuthType") == "NONE" for s in actions.get("lambda:InvokeFunctionUrl", [])),
            "resource policy: public lambda:InvokeFunctionUrl with FunctionUrlAuthType NONE")
    inv = actions.get("lambda:InvokeFunction", [])
    c.check(bool(inv) and all(str(cond(s, "InvokedViaFunctionUrl")).lower() == "true" for s in inv),
            "resource policy: lambda:InvokeFunction only when InvokedViaFunctionUrl (required for URLs since Oct 2025)")

    role = cfg["Role"].split("/")[-1]
    names = c.aws("iam", "list-role-policies", "--role-name", role)["PolicyNames"]
    c.check(names == [f"{fn}-least-privilege"], f"one inline role policy (got {names})")
    doc = c.aws("iam", "get-role-policy", "--role-name", role, "--policy-name", f"{fn}-least-privilege")["PolicyDocument"]
    if isinstance(doc, str):
        doc = json.loads(urllib.parse.unquote(doc))
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    runtime_resources = sorted([a.runtime_arn, a.runtime_arn + "/runtime-endpoint/*"])
    invoke = by_sid.get("InvokeConfiguredAgentRuntimes", {})
    c.check(as_list(invoke.get("Action")) == ["bedrock-agentcore:InvokeAgentRuntime"], "role may InvokeAgentRuntime")
    c.check(sorted(as_list(invoke.get("Resource"))) == runtime_resources, f"InvokeAgentRuntime scoped to the ARN (got {invoke.get('Resource')})")
    stop = by_sid.get("StopConfiguredAgentRuntimeSessions", {})
    c.check(as_list(stop.get("Action")) == ["bedrock-agentcore:StopRuntimeSession"], "role may StopRuntimeSession")
    c.check(sorted(as_list(stop.get("Resource"))) == runtime_resources, f"StopRuntimeSession scoped to the ARN (got {stop.get('Resource')})")
    all_res = [r for s in doc["Statement"] for r in as_list(s["Resource"])]
    c.check("*" not in all_res, "no Resource '*' in the role policy")
    c.check(set(by_sid) == {"WriteOwnLogs", "InvokeConfiguredAgentRuntimes", "StopConfiguredAgentRuntimeSessions"},
            f"only logs + AgentCore statements (got {sorted(by_sid)})")

    groups = c.aws("logs", "describe-log-groups", "--log-group-name-prefix", f"/aws/lambda/{fn}")["logGroups"]
    c.check(any(g["logGroupName"] == f"/aws/lambda/{fn}" and g.get("retentionInDays") == 30 for g in groups),
            f"log group with retention (got {[(g['logGroupName'], g.get('retentionInDays')) for g in groups]})")

    alarms = {m["AlarmName"]: m for m in c.aws("cloudwatch", "describe-alarms", "--alarm-name-prefix", f"{fn}-")["MetricAlarms"]}
    if not a.alarms:
        c.check(not alarms, f"no alarms (got {sorted(alarms)})")
    else:
        want = {f"{fn}-{s}" for s in list(ALARMS) + ["error-rate"]}
        c.check(set(alarms) == want, f"five alarms {sorted(want)} (got {sorted(alarms)})")
        topic = [a.sns_topic] if a.sns_topic else []
        for suffix, (ns, metric, stat, comparison) in ALARMS.items():
            m = alarms.get(f"{fn}-{suffix}", {})
            got_stat = m.get("ExtendedStatistic") or m.get("Statistic")
            ns = ns or a.namespace
            dims = [] if ns == a.namespace else [{"Name": "FunctionName", "Value": fn}]
            c.check((m.get("Namespace"), m.get("MetricName"), got_stat, m.get("ComparisonOperator"), m.get("Dimensions", [])) == (ns, metric, stat, comparison, dims),
                    f"{suffix}: {ns} {metric} {stat} {comparison} dims {dims}")
        duration = alarms.get(f"{fn}-duration-p99", {})
        c.check(duration.get("Threshold") == 810000.0, f"duration-p99 threshold 0.9 x 900 s (got {duration.get('Threshold')})")
        rate = alarms.get(f"{fn}-error-rate", {})
        queries = {q["Id"]: q for q in rate.get("Metrics", [])}
        c.check(queries.get("rate", {}).get("Expression") == "IF(requests >= 10, errors, 0)", "error-rate: gated rate expression")
        stats = {i: (q.get("MetricStat", {}).get("Metric", {}).get("Namespace"), q.get("MetricStat", {}).get("Metric", {}).get("MetricName"), q.get("MetricStat", {}).get("Stat"))
                 for i, q in queries.items() if "MetricStat" in q}
        c.check(stats == {"errors": (a.namespace, "Error", "Average"), "requests": (a.namespace, "Error", "SampleCount")},
                f"error-rate: Average and SampleCount of {a.namespace} Error (got {stats})")
        for name, m in sorted(alarms.items()):
            c.check(m.get("AlarmActions") == topic and m.get("OKActions") == topic and m.get("EvaluationPeriods") == 5
                    and m.get("DatapointsToAlarm") == 3 and m.get("TreatMissingData") == "notBreaching",
                    f"{name}: 3 of 5, missing data not breaching, alarm+OK actions {topic}")

    dash = c.aws("cloudwatch", "get-dashboard", "--dashboard-name", fn, allow_fail=True)
    if not a.dashboard:
        c.check(dash is None, "no dashboard")
    else:
        c.check(dash is not None, f"dashboard {fn} exists")
        body = json.loads((dash or {}).get("DashboardBody", "{}"))
        widgets = body.get("widgets", [])
        titles = [w.get("properties", {}).get("title") for w in widgets]
        for t in ("Invocations, Lambda errors and throttles", "Concurrent executions (open streams)",
                  "First chunk and first byte latency (ms)", "Duration (ms)", "Error frames by code"):
            c.check(t in titles, f"dashboard widget '{t}'")
        text = json.dumps(body)
        c.check(f'"FunctionName", "{fn}"' in text and f'"{a.namespace}", "FirstChunkMs"' in text,
                "dashboard reads this function's Lambda metrics and the EMF namespace")
        alarm_widgets = [w for w in widgets if w.get("type") == "alarm"]
        c.check(len(alarm_widgets) == (1 if a.alarms else 0), "alarm-status widget when alarms exist")


def gone(c, a):
    fns = c.aws("lambda", "list-functions")["Functions"]
    c.check(all(f["FunctionName"] != a.function for f in fns), "function gone")
    c.check(c.aws("iam", "get-role", "--role-name", a.role, allow_fail=True) is None, "role gone")
    groups = c.aws("logs", "describe-log-groups", "--log-group-name-prefix", f"/aws/lambda/{a.function}")["logGroups"]
    c.check(not groups, f"log group gone (left: {[g['logGroupName'] for g in groups]})")
    alarms = c.aws("cloudwatch", "describe-alarms", "--alarm-name-prefix", f"{a.function}-")["MetricAlarms"]
    c.check(not alarms, f"alarms gone (left: {[m['AlarmName'] for m in alarms]})")
    c.check(c.aws("cloudwatch", "get-dashboard", "--dashboard-name", a.function, allow_fail=True) is None, "dashboard gone")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["deployed", "gone"])
    p.add_argument("--endpoint", default="")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--function", required=True)
    p.add_argument("--role")
    p.add_argument("--runtime-arn")
    p.add_argument("--url")
    p.add_argument("--invoke-mode", default="RESPONSE_STREAM", choices=["RESPONSE_STREAM", "BUFFERED"])
    p.add_argument("--namespace", default="AgentStream")
    p.add_argument("--alarms", action="store_true")
    p.add_argument("--sns-topic", default="")
    p.add_argument("--dashboard", action="store_true")
    p.add_argument("--cors-origin")
    p.add_argument("--cors-max-age", type=int, default=300)
    a = p.parse_args()
    c = Checker(a.endpoint, a.region)
    if a.mode == "deployed":
        if not (a.runtime_arn and a.url):
            p.error("deployed needs --runtime-arn and --url")
        deployed(c, a)
    else:
        if not a.role:
            p.error("gone needs --role")
        gone(c, a)
    c.finish()


if __name__ == "__main__":
    main()
