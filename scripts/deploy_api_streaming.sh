#!/usr/bin/env bash
# Deploy AgentStream to AWS Lambda behind a streaming Function URL (no API Gateway), then smoke test it.
#
#   AGENTCORE_RUNTIME_ARN=arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-abc \
#     scripts/deploy_api_streaming.sh dev
#   scripts/deploy_api_streaming.sh dev --destroy
#
# Options:
#   --destroy            tear the environment down (terraform destroy)
#   --zip PATH           deploy this zip instead of running `make package`
#   --skip-smoke         do not call the URL afterwards (also SMOKE=0)
#   --yes                do not ask before applying (non-interactive runs never ask)
#   --endpoint-url URL   send every AWS call (terraform and aws CLI) to an emulator such as moto
#   -h, --help
#
# Environment:
#   AGENTCORE_RUNTIME_ARN   required for deploys: the agent runtime the function calls by default
#   AWS_REGION              default: the region in AGENTCORE_RUNTIME_ARN, else the CLI's configured region
#   ARCH                    x86_64 | arm64; default: read from the zip's bootstrap
#   SMOKE_BEARER_TOKEN      sent as "Authorization: Bearer ..." by the smoke test (AUTH_MODE=jwt)
#   SMOKE_PROMPT            prompt of the smoke test's short stream
#   TF_PLUGIN_DIR           provider mirror for offline `terraform init -plugin-dir`
#   AGENTSTREAM_INFRA_DIR   Terraform root (default: infrastructure/ of this repository)
#   TF_VAR_*                any other variable of infrastructure/variables.tf (secrets: TF_VAR_supabase_key),
#                           e.g. TF_VAR_enable_alarms=true TF_VAR_enable_dashboard=true, or
#                           TF_VAR_invoke_mode=BUFFERED to roll back to buffered responses (docs/OPERATIONS.md)
# Settings per environment live in infrastructure/environments/<ENV>.tfvars (used when present).
# Re-running is safe: Terraform applies only what changed. State: one workspace per ENV.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
usage() { sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; }
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'deploy: error: %s\n' "$*" >&2; exit 1; }

env_name=""
destroy=0
zip=""
smoke="${SMOKE:-1}"
yes=0
endpoint=""
while (($#)); do
  case "$1" in
    --destroy) destroy=1 ;;
    --zip) zip="${2:?--zip needs a path}"; shift ;;
    --zip=*) zip="${1#--zip=}" ;;
    --skip-smoke) smoke=0 ;;
    --yes|-y) yes=1 ;;
    --endpoint-url) endpoint="${2:?--endpoint-url needs a URL}"; shift ;;
    --endpoint-url=*) endpoint="${1#--endpoint-url=}" ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [[ -z "$env_name" ]] || die "only one environment name, got '$env_name' and '$1'"; env_name="$1" ;;
  esac
  shift
done
[[ -n "$env_name" ]] || { usage >&2; die "missing environment name, e.g. dev"; }
[[ "$env_name" =~ ^[a-z0-9][a-z0-9-]{0,19}$ ]] || die "environment '$env_name': use 1-20 lower-case letters, digits or dashes"

INFRA="${AGENTSTREAM_INFRA_DIR:-$ROOT/infrastructure}"
[[ -f "$INFRA/main.tf" ]] || die "no Terraform configuration in $INFRA"

# --- prerequisites -------------------------------------------------------------------------------
say "Checking prerequisites"
command -v terraform >/dev/null || die "terraform not found. Install Terraform >= 1.7: https://developer.hashicorp.com/terraform/install"
tf_version=$(terraform version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p' | head -1)
[[ -n "$tf_version" && "$(printf '%s\n1.7.0\n' "$tf_version" | sort -V | head -1)" == "1.7.0" ]] \
  || die "terraform ${tf_version:-?} is too old; need >= 1.7"
command -v aws >/dev/null || die "aws CLI not found. Install it (https://aws.amazon.com/cli/) and configure credentials (aws configure / aws sso login)."
command -v curl >/dev/null || die "curl not found (apt-get install curl)"
aws_args=()
[[ -n "$endpoint" ]] && aws_args+=(--endpoint-url "$endpoint")

if [[ -z "${AWS_REGION:-}" ]]; then
  if [[ "${AGENTCORE_RUNTIME_ARN:-}" =~ ^arn:aws[a-z-]*:bedrock-agentcore:([a-z0-9-]+): ]]; then
    AWS_REGION="${BASH_REMATCH[1]}"
  else
    AWS_REGION="${AWS_DEFAULT_REGION:-$(aws configure get region 2>/dev/null || true)}"
  fi
fi
[[ -n "${AWS_REGION:-}" ]] || die "no AWS region: set AWS_REGION (e.g. export AWS_REGION=us-east-1)"
export AWS_REGION AWS_DEFAULT_REGION="$AWS_REGION"

if ! identity=$(aws "${aws_args[@]}" sts get-caller-identity --query '[Account,Arn]' --output text 2>&1); then
  die "AWS credentials do not work (aws sts get-caller-identity failed):
  $identity
Configure them with 'aws configure', 'aws sso login' or AWS_PROFILE / AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY."
fi
echo "    AWS identity: $(tr '\t' ' ' <<<"$identity") in $AWS_REGION${endpoint:+ (endpoint $endpoint)}"

if ((destroy == 0)); then
  [[ -n "${AGENTCORE_RUNTIME_ARN:-}" ]] || die "AGENTCORE_RUNTIME_ARN is not set. Export the ARN of your Bedrock AgentCore runtime, e.g.
  export AGENTCORE_RUNTIME_ARN=arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbC123
(find it with: aws bedrock-agentcore-control list-agent-runtimes)"
  [[ "$AGENTCORE_RUNTIME_ARN" =~ ^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:runtime/[A-Za-z0-9_-]+$ ]] \
    || die "AGENTCORE_RUNTIME_ARN '$AGENTCORE_RUNTIME_ARN' does not look like arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>"
  arn_region=$(cut -d: -f4 <<<"$AGENTCORE_RUNTIME_ARN")
  [[ "$arn_region" == "$AWS_REGION" ]] || echo "    note: the runtime is in $arn_region, the function will be in $AWS_REGION"
fi

# --- package -------------------------------------------------------------------------------------
cleanup_files=()
trap 'rm -f "${cleanup_files[@]:-}"' EXIT
if [[ -n "$zip" ]]; then
  [[ -f "$zip" ]] || die "--zip $zip: no such file"
elif ((destroy)); then
  zip="$ROOT/dist/agentstream-lambda.zip"
  if [[ ! -f "$zip" ]]; then # destroy never uploads code, but the configuration hashes the file
    zip=$(mktemp --suffix=.zip)
    cleanup_files+=("$zip")
  fi
else
  say "Packaging (make package)"
  make -C "$ROOT" package
  zip="$ROOT/dist/agentstream-lambda.zip"
  [[ -f "$zip" ]] || die "make package did not produce $zip"
fi
zip="$(cd "$(dirname "$zip")" && pwd)/$(basename "$zip")"

if [[ -z "${ARCH:-}" ]]; then
  ARCH=x86_64
  if [[ -s "$zip" ]] && command -v unzip >/dev/null; then
    # ELF e_machine (bytes 18-19): 0x3e = x86-64, 0xb7 = AArch64.
    machine=$(unzip -p "$zip" bootstrap 2>/dev/null | head -c 20 | od -An -t x1 | tr -s ' \n' ' ' | awk '{print $1 $2 $3 $4 "-" $19}')
    case "$machine" in
      7f454c46-b7) ARCH=arm64 ;;
      7f454c46-3e) ARCH=x86_64 ;;
      *) ((destroy)) || echo "    note: bootstrap in $zip is not an ELF binary; assuming x86_64 (set ARCH to override)" ;;
    esac
  fi
fi
[[ "$ARCH" == x86_64 || "$ARCH" == arm64 ]] || die "ARCH must be x86_64 or arm64"
((destroy)) || echo "    package: $zip ($(stat -c %s "$zip") bytes, $ARCH)"

# --- terraform -----------------------------------------------------------------------------------
tf() { terraform -chdir="$INFRA" "$@"; }
tfvars=(
  -var "environment=$env_name"
  -var "aws_region=$AWS_REGION"
  -var "package_zip=$zip"
  -var "architecture=$ARCH"
  -var "aws_endpoint_url=$endpoint"
)
[[ -n "${AGENTCORE_RUNTIME_ARN:-}" ]] && tfvars+=(-var "agentcore_runtime_arn=$AGENTCORE_RUNTIME_ARN")
varfile="$INFRA/environments/$env_name.tfvars"
[[ -f "$varfile" ]] && tfvars+=(-var-file "$varfile") && echo "    settings: $varfile"

say "terraform init"
init_args=(-input=false)
[[ -n "${TF_PLUGIN_DIR:-}" ]] && init_args+=(-plugin-dir="$TF_PLUGIN_DIR")
tf init "${init_args[@]}" >/dev/null || { tf init "${init_args[@]}"; die "terraform init failed"; }
tf workspace select -or-create=true "$env_name" >/dev/null

if ((destroy)); then
  say "terraform destroy ($env_name)"
  tf destroy -input=false -auto-approve "${tfvars[@]}"
  say "Destroyed environment $env_name"
  exit 0
fi

say "terraform plan ($env_name)"
plan=$(mktemp)
cleanup_files+=("$plan")
set +e
tf plan -input=false -detailed-exitcode -out="$plan" "${tfvars[@]}"
rc=$?
set -e
case $rc in
  0) say "No changes: $env_name is up to date" ;;
  2)
    if ((yes == 0)) && [[ -t 0 ]]; then
      read -r -p "Apply this plan to $env_name? [y/N] " answer
      [[ "$answer" =~ ^[Yy] ]] || die "aborted"
    fi
    say "terraform apply"
    tf apply -input=false "$plan"
    ;;
  *) die "terraform plan failed" ;;
esac

url=$(tf output -raw invoke_url)
fn=$(tf output -raw function_name)
invoke_mode=$(tf output -raw invoke_mode)
say "Function URL: $url"
echo "    function:    $fn"
echo "    invoke mode: $invoke_mode"
echo "    logs:        aws logs tail $(tf output -raw log_group_name) --follow --region $AWS_REGION"
alarms=$(tf output -json alarm_names | tr -d '[]" \n' | tr ',' ' ')
[[ -n "$alarms" ]] && echo "    alarms:      $alarms"
dashboard=$(tf output -json dashboard_name | tr -d '"')
[[ -n "$dashboard" && "$dashboard" != null ]] \
  && echo "    dashboard:   https://$AWS_REGION.console.aws.amazon.com/cloudwatch/home?region=$AWS_REGION#dashboards/dashboard/$dashboard"

# --- smoke test ----------------------------------------------------------------------------------
if [[ "$smoke" == 0 ]]; then
  echo "    smoke test skipped"
  exit 0
fi
auth_type=$(aws "${aws_args[@]}" lambda get-function-url-config --function-name "$fn" --query AuthType --output text 2>/dev/null || echo NONE)
if [[ "$auth_type" == AWS_IAM ]]; then
  echo "    smoke test skipped: the URL needs SigV4 (AWS_IAM); try: curl -N --aws-sigv4 aws:amz:$AWS_REGION:lambda ..."
  exit 0
fi

say "Smoke test: GET ${url}health"
health=""
for attempt in $(seq 1 12); do # a new URL's permissions can take a few seconds to apply
  if health=$(curl -sS -f --max-time 20 "${url}health" 2>&1); then break; fi
  sleep 5
done
echo "$health"
grep -q '"status"' <<<"$health" || die "health check failed: $health"

if [[ "$invoke_mode" == BUFFERED ]]; then
  say "Smoke test: POST $url (BUFFERED: the whole answer arrives at once)"
else
  say "Smoke test: POST $url (short stream, curl -N)"
fi
curl_args=(-N -sS --max-time "${SMOKE_TIMEOUT:-120}" -X POST "$url" -H 'content-type: application/json' -H 'accept: text/event-stream')
[[ -n "${SMOKE_BEARER_TOKEN:-}" ]] && curl_args+=(-H "authorization: Bearer $SMOKE_BEARER_TOKEN")
prompt="${SMOKE_PROMPT:-Reply with one short sentence: hello from AgentStream.}"
body=$(printf '{"prompt":"%s"}' "$(sed 's/["\\]/\\&/g' <<<"$prompt")")
out=$(mktemp)
cleanup_files+=("$out")
curl "${curl_args[@]}" -d "$body" -w '\n[http %{http_code}, first byte %{time_starttransfer}s, total %{time_total}s]\n' | tee "$out"
if grep -q '"type":"complete"' "$out"; then
  say "Deployed and streaming: $url"
elif grep -q '"type":"error"' "$out"; then
  die "the stream ended with an error frame (see above; check the runtime ARN and the function's logs)"
elif grep -q 'http 401' "$out"; then
  die "401: AUTH_MODE=jwt needs a token: SMOKE_BEARER_TOKEN=<jwt> $0 $env_name"
else
  die "no complete frame in the stream (see above)"
fi
