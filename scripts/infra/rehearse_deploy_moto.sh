#!/usr/bin/env bash
# Local rehearsal of scripts/deploy_api_streaming.sh against moto's AWS emulator on 127.0.0.1:
# deploy (Terraform + AWS CLI, endpoints overridden), check the emulated AWS API, re-deploy (must be
# a no-op), destroy, check everything is gone. No AWS account, no network beyond loopback.
# moto does not execute the function (that needs Docker); lambda-local covers execution, so the
# zip holds a stub `bootstrap` and the smoke test is skipped.
# Leaves nothing behind: Terraform runs on a temp copy of infrastructure/ with its own TF_DATA_DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
t_start=$(date +%s)
step() { printf '\033[1m[rehearsal %3ss] %s\033[0m\n' "$(($(date +%s) - t_start))" "$*"; }
fail() { printf 'rehearsal: FAIL: %s\n' "$*" >&2; exit 1; }

eval "$("$ROOT/scripts/infra/ensure_tools.sh" terraform aws moto_server zip unzip curl)"
export TF_PLUGIN_DIR="${TF_PLUGIN_DIR:-$("$ROOT/scripts/infra/find_tf_plugin_dir.sh")}"

work=$(mktemp -d "${TMPDIR:-/tmp}/agentstream-rehearsal.XXXXXX")
moto_pid=""
cleanup() {
  local rc=$?
  if [[ -n "$moto_pid" ]] && kill -0 "$moto_pid" 2>/dev/null; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  if ((rc != 0)) && [[ -f "$work/moto.log" ]]; then
    echo "--- last lines of moto.log ---" >&2
    tail -20 "$work/moto.log" >&2
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT INT TERM

# --- moto on a free loopback port ---------------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
endpoint="http://127.0.0.1:$port"
step "starting moto_server on $endpoint"
moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$endpoint/moto-api/" && break
  kill -0 "$moto_pid" 2>/dev/null || fail "moto_server exited: $(cat "$work/moto.log")"
  sleep 0.1
done
curl -s -o /dev/null "$endpoint/moto-api/" || fail "moto_server did not start"

# --- isolated Terraform copy and AWS environment --------------------------------------------------
cp -r "$ROOT/infrastructure" "$work/infrastructure"
rm -rf "$work/infrastructure/.terraform" "$work/infrastructure/terraform.tfstate.d" "$work/infrastructure"/*.tfstate* "$work/infrastructure/.terraform.lock.hcl"
export AGENTSTREAM_INFRA_DIR="$work/infrastructure"
export TF_DATA_DIR="$work/tf-data"
export TF_IN_AUTOMATION=1
[[ -f "${TF_CLI_CONFIG_FILE:-$HOME/.terraformrc}" ]] || export TF_CLI_CONFIG_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
export AWS_CONFIG_FILE="$work/aws-config" AWS_SHARED_CREDENTIALS_FILE="$work/aws-credentials"

env_name=rehearsal
fn="agentstream-$env_name"
arn="arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/rehearsal_agent-Ab12Cd34"
export AGENTCORE_RUNTIME_ARN="$arn"
# Non-default CORS so the assertions prove the variables reach the URL.
export TF_VAR_cors_allow_origins='["https://app.example.com"]'
export TF_VAR_cors_allow_methods='["GET","POST"]'
export TF_VAR_cors_max_age=600
export TF_VAR_log_level=debug

mkdir -p "$work/pkg"
printf '#!/bin/sh\necho "stub bootstrap: moto never runs it" >&2\nexit 1\n' >"$work/pkg/bootstrap"
chmod 0755 "$work/pkg/bootstrap"
(cd "$work/pkg" && zip -q -X "$work/stub.zip" bootstrap)

awsm() { aws --endpoint-url "$endpoint" --region us-east-1 --output json "$@"; }
deploy=("$ROOT/scripts/deploy_api_streaming.sh" "$env_name" --zip "$work/stub.zip" --skip-smoke --endpoint-url "$endpoint")

# --- 1. deploy --------------------------------------------------------------------------------------
step "deploy: ${deploy[*]##*/}"
"${deploy[@]}" 2>&1 | tee "$work/deploy1.log"
url=$(sed -n 's/.*Function URL: \(https:[^ ]*\).*/\1/p' "$work/deploy1.log" | sed 's/\x1b\[[0-9;]*m//g' | tail -1)
[[ "$url" =~ ^https://[a-z0-9]+\.lambda-url\.us-east-1\.on\.aws/$ ]] || fail "deploy printed no Function URL (got '$url')"

# --- 2. assert from the emulated AWS API ---------------------------------------------------------------
step "asserting the deployed resources through the AWS API"
awsm lambda get-function --function-name "$fn" >"$work/function.json"
awsm lambda get-function-url-config --function-name "$fn" >"$work/url.json"
awsm lambda get-policy --function-name "$fn" >"$work/policy.json"
role=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Configuration"]["Role"].split("/")[-1])' "$work/function.json")
awsm iam list-role-policies --role-name "$role" >"$work/role-policies.json"
awsm iam get-role-policy --role-name "$role" --policy-name "$fn-least-privilege" >"$work/role-policy.json"
awsm logs describe-log-groups --log-group-name-prefix "/aws/lambda/$fn" >"$work/log-groups.json"

python3 - "$work" "$arn" "$fn" "$url" <<'PY'
import json, sys, urllib.parse
work, arn, fn, url = sys.argv[1:]
load = lambda name: json.load(open(f"{work}/{name}.json"))
problems = []
def check(cond, msg):
    print(("  ok    " if cond else "  FAIL  ") + msg)
    if not cond:
        problems.append(msg)

cfg = load("function")["Configuration"]
check(cfg["Runtime"] == "provided.al2023", f"runtime provided.al2023 (got {cfg['Runtime']})")
check(cfg["Handler"] == "bootstrap", "handler bootstrap")
check(cfg["Timeout"] == 900, f"timeout 900 (got {cfg['Timeout']})")
check(cfg.get("Architectures") == ["x86_64"], f"architectures [x86_64] (got {cfg.get('Architectures')})")
env = cfg.get("Environment", {}).get("Variables", {})
check(env.get("AGENTCORE_RUNTIME_ARN") == arn, "AGENTCORE_RUNTIME_ARN set from the environment")
check(env.get("LOG_LEVEL") == "debug" and env.get("AUTH_MODE") == "none", "LOG_LEVEL/AUTH_MODE plumbed")
check("SUPABASE_KEY" not in env and "HEARTBEAT_MS" not in env, "unset settings are not exported")

u = load("url")
check(u["InvokeMode"] == "RESPONSE_STREAM", f"URL InvokeMode RESPONSE_STREAM (got {u['InvokeMode']})")
check(u["AuthType"] == "NONE", "URL AuthType NONE")
check(u["FunctionUrl"].rstrip("/") == url.rstrip("/"), "printed URL is the function's URL")
cors = u.get("Cors", {})
check(cors.get("AllowOrigins") == ["https://app.example.com"], f"CORS origins (got {cors.get('AllowOrigins')})")
check(sorted(cors.get("AllowMethods", [])) == ["GET", "POST"], f"CORS methods (got {cors.get('AllowMethods')})")
check(cors.get("MaxAge") == 600, f"CORS max age 600 (got {cors.get('MaxAge')})")
check("authorization" in [h.lower() for h in cors.get("AllowHeaders", [])], "CORS allows the authorization header")

statements = json.loads(load("policy")["Policy"])["Statement"]
actions = {}
for s in statements:
    for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]):
        actions.setdefault(a, []).append(s)
# Real AWS renders the conditions under "Condition"; moto keeps the request fields as given.
def cond(s, key):
    c = s.get("Condition", {})
    return c.get("StringEquals", {}).get("lambda:" + key, c.get("Bool", {}).get("lambda:" + key, s.get(key)))
url_stmts = actions.get("lambda:InvokeFunctionUrl", [])
check(any(s["Principal"] in ("*", {"AWS": "*"}) and cond(s, "FunctionUrlAuthType") == "NONE" for s in url_stmts),
      "resource policy: public lambda:InvokeFunctionUrl with FunctionUrlAuthType NONE")
inv_stmts = actions.get("lambda:InvokeFunction", [])
check(bool(inv_stmts) and all(str(cond(s, "InvokedViaFunctionUrl")).lower() == "true" for s in inv_stmts),
      "resource policy: lambda:InvokeFunction only when InvokedViaFunctionUrl (required for URLs since Oct 2025)")

names = load("role-policies")["PolicyNames"]
check(names == [f"{fn}-least-privilege"], f"one inline role policy (got {names})")
doc = load("role-policy")["PolicyDocument"]
if isinstance(doc, str):
    doc = json.loads(urllib.parse.unquote(doc))
by_sid = {s["Sid"]: s for s in doc["Statement"]}
inv = by_sid.get("InvokeConfiguredAgentRuntimes", {})
check(inv.get("Action") == ["bedrock-agentcore:InvokeAgentRuntime"] or inv.get("Action") == "bedrock-agentcore:InvokeAgentRuntime",
      "role may InvokeAgentRuntime (and nothing else on AgentCore)")
res = inv.get("Resource", [])
res = [res] if isinstance(res, str) else res
check(sorted(res) == sorted([arn, arn + "/runtime-endpoint/*"]), f"AgentCore permission scoped to the ARN (got {res})")
all_res = [r for s in doc["Statement"] for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])]
check("*" not in all_res, "no Resource '*' in the role policy")
check(set(by_sid) == {"WriteOwnLogs", "InvokeConfiguredAgentRuntimes"}, f"only logs + AgentCore statements (got {sorted(by_sid)})")

groups = load("log-groups")["logGroups"]
check(any(g["logGroupName"] == f"/aws/lambda/{fn}" and g.get("retentionInDays") == 30 for g in groups),
      f"log group with retention (got {[(g['logGroupName'], g.get('retentionInDays')) for g in groups]})")
if problems:
    sys.exit(f"{len(problems)} assertion(s) failed")
PY

# --- 3. idempotent -----------------------------------------------------------------------------------
step "re-deploy: must be a no-op"
"${deploy[@]}" >"$work/deploy2.log" 2>&1 || { cat "$work/deploy2.log"; fail "second deploy failed"; }
grep -q 'No changes' "$work/deploy2.log" || { cat "$work/deploy2.log"; fail "second deploy was not a no-op"; }
echo "  ok    second run: no changes"

# --- 4. destroy ----------------------------------------------------------------------------------------
step "destroy: ${deploy[0]##*/} $env_name --destroy"
"$ROOT/scripts/deploy_api_streaming.sh" "$env_name" --destroy --zip "$work/stub.zip" --endpoint-url "$endpoint" >"$work/destroy.log" 2>&1 \
  || { cat "$work/destroy.log"; fail "destroy failed"; }
tail -3 "$work/destroy.log"
left=$(awsm lambda list-functions --query "Functions[?FunctionName=='$fn'].FunctionName" --output text)
[[ -z "$left" ]] || fail "function still exists after destroy"
echo "  ok    function gone"
awsm iam get-role --role-name "$role" >/dev/null 2>&1 && fail "role $role still exists after destroy"
echo "  ok    role gone"
groups=$(awsm logs describe-log-groups --log-group-name-prefix "/aws/lambda/$fn" --query 'logGroups[].logGroupName' --output text)
[[ -z "$groups" ]] || fail "log group still exists: $groups"
echo "  ok    log group gone"
errs=$(grep -E '" (4[0-9][0-9]|5[0-9][0-9]) ' "$work/moto.log" | grep -v 'DELETE /[^ ]*/policy/AllowPublicInvokeFunctionViaUrl' || true)
[[ -z "$errs" ]] || { echo "  note: moto answered some requests with errors:"; tail -5 <<<"$errs"; }

step "rehearsal passed in $(($(date +%s) - t_start)) s"
