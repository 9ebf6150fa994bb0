#!/usr/bin/env bash
# Local rehearsal of scripts/deploy_api_streaming.sh against moto's AWS emulator on 127.0.0.1:
# deploy with alarms (notifying an SNS topic) and the dashboard enabled (Terraform + AWS CLI, endpoints
# overridden), check the emulated AWS API, re-deploy (must be a no-op), switch the URL to BUFFERED and back
# with one variable (the URL must stay the same), destroy, check everything is gone. No AWS account, no
# network beyond loopback. The checks are scripts/infra/check_deployment.py (AWS CLI calls).
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
# moto_server plus one fix (UpdateFunctionUrlConfig keeps InvokeMode in moto 5.2.5; see the file).
"$ROOT/.venv-infra/bin/python" "$ROOT/scripts/infra/moto_server_patched.py" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
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
# Monitoring on, in a namespace of its own, notifying a topic (created in moto below).
export TF_VAR_enable_alarms=true TF_VAR_enable_dashboard=true
namespace="AgentStream/rehearsal"
export TF_VAR_metrics_namespace="$namespace"
unset TF_VAR_invoke_mode

mkdir -p "$work/pkg"
printf '#!/bin/sh\necho "stub bootstrap: moto never runs it" >&2\nexit 1\n' >"$work/pkg/bootstrap"
chmod 0755 "$work/pkg/bootstrap"
(cd "$work/pkg" && zip -q -X "$work/stub.zip" bootstrap)

awsm() { aws --endpoint-url "$endpoint" --region us-east-1 --output json "$@"; }
deploy=("$ROOT/scripts/deploy_api_streaming.sh" "$env_name" --zip "$work/stub.zip" --skip-smoke --endpoint-url "$endpoint")
topic=$(awsm sns create-topic --name agentstream-rehearsal-alerts --query TopicArn --output text)
export TF_VAR_alarm_sns_topic_arn="$topic"
check=(python3 "$ROOT/scripts/infra/check_deployment.py" --endpoint "$endpoint" --function "$fn")
deployed_checks=(deployed --runtime-arn "$arn" --namespace "$namespace" --alarms --sns-topic "$topic" --dashboard
  --cors-origin https://app.example.com --cors-max-age 600)
printed_url() { sed -n 's/.*Function URL: \(https:[^ ]*\).*/\1/p' "$1" | sed 's/\x1b\[[0-9;]*m//g' | tail -1; }

# --- 1. deploy --------------------------------------------------------------------------------------
step "deploy: ${deploy[*]##*/} (alarms -> $topic, dashboard, namespace $namespace)"
"${deploy[@]}" 2>&1 | tee "$work/deploy1.log"
url=$(printed_url "$work/deploy1.log")
[[ "$url" =~ ^https://[a-z0-9]+\.lambda-url\.us-east-1\.on\.aws/$ ]] || fail "deploy printed no Function URL (got '$url')"
role=$(awsm lambda get-function --function-name "$fn" --query Configuration.Role --output text)
role=${role##*/}

# --- 2. assert from the emulated AWS API ---------------------------------------------------------------
step "asserting the deployed resources through the AWS API"
"${check[@]}" "${deployed_checks[@]}" --url "$url" --invoke-mode RESPONSE_STREAM || fail "deployed resources"

# --- 3. idempotent -----------------------------------------------------------------------------------
step "re-deploy: must be a no-op"
"${deploy[@]}" >"$work/deploy2.log" 2>&1 || { cat "$work/deploy2.log"; fail "second deploy failed"; }
grep -q 'No changes' "$work/deploy2.log" || { cat "$work/deploy2.log"; fail "second deploy was not a no-op"; }
echo "  ok    second run: no changes"

# --- 4. rollback to BUFFERED and forward again, one variable each way -----------------------------------
step "rollback: TF_VAR_invoke_mode=BUFFERED ${deploy[0]##*/} $env_name"
TF_VAR_invoke_mode=BUFFERED "${deploy[@]}" >"$work/deploy3.log" 2>&1 || { cat "$work/deploy3.log"; fail "BUFFERED deploy failed"; }
grep -Eq 'Apply complete! Resources: 0 added, [1-9][0-9]* changed, 0 destroyed' "$work/deploy3.log" \
  || { cat "$work/deploy3.log"; fail "switching to BUFFERED must change in place (nothing added or destroyed)"; }
[[ "$(printed_url "$work/deploy3.log")" == "$url" ]] || fail "the URL changed when switching to BUFFERED"
"${check[@]}" "${deployed_checks[@]}" --url "$url" --invoke-mode BUFFERED || fail "BUFFERED deployment"

step "forward again: ${deploy[0]##*/} $env_name (invoke_mode back to its default)"
"${deploy[@]}" >"$work/deploy4.log" 2>&1 || { cat "$work/deploy4.log"; fail "RESPONSE_STREAM deploy failed"; }
grep -Eq 'Apply complete! Resources: 0 added, [1-9][0-9]* changed, 0 destroyed' "$work/deploy4.log" \
  || { cat "$work/deploy4.log"; fail "switching back must change in place"; }
[[ "$(printed_url "$work/deploy4.log")" == "$url" ]] || fail "the URL changed when switching back"
"${check[@]}" "${deployed_checks[@]}" --url "$url" --invoke-mode RESPONSE_STREAM || fail "RESPONSE_STREAM deployment"

# --- 5. destroy ----------------------------------------------------------------------------------------
step "destroy: ${deploy[0]##*/} $env_name --destroy"
"$ROOT/scripts/deploy_api_streaming.sh" "$env_name" --destroy --zip "$work/stub.zip" --endpoint-url "$endpoint" >"$work/destroy.log" 2>&1 \
  || { cat "$work/destroy.log"; fail "destroy failed"; }
tail -3 "$work/destroy.log"
deploy_requests=$(wc -l <"$work/moto.log") # the checks below expect 404s for what is gone
"${check[@]}" gone --role "$role" || fail "resources left after destroy"
errs=$(head -n "$deploy_requests" "$work/moto.log" | grep -E '" (4[0-9][0-9]|5[0-9][0-9]) ' | grep -v 'DELETE /[^ ]*/policy/AllowPublicInvokeFunctionViaUrl' || true)
[[ -z "$errs" ]] || { echo "  note: moto answered some requests with errors:"; tail -5 <<<"$errs"; }

step "rehearsal passed in $(($(date +%s) - t_start)) s"
