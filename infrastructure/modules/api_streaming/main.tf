# AgentStream API: the Swift `bootstrap` on provided.al2023 behind a RESPONSE_STREAM Function URL
# (BUFFERED as the rollback path: invoke_mode). No API Gateway, so a stream may last the whole function
# timeout (up to 15 min).

data "aws_region" "current" {}

locals {
  function_name = "${var.name_prefix}-${var.environment}"

  # Every AgentCore runtime the function may call: the default ARN plus the AGENTS map.
  agentcore_arns = distinct(compact(concat(
    [var.agentcore_runtime_arn],
    [for a in values(var.agents) : a.agentcore if a.agentcore != null],
  )))
  invoke_for_user = coalesce(var.agentcore_invoke_for_user, var.auth_mode == "jwt")

  # The app's configuration. Only the values that were given become environment variables: the app's own
  # defaults apply to the rest, and one place (the app) owns them.
  plain_environment = {
    AGENTCORE_RUNTIME_ARN    = var.agentcore_runtime_arn
    AGENTCORE_QUALIFIER      = var.agentcore_qualifier
    AGENTS                   = length(var.agents) > 0 ? jsonencode({ for k, v in var.agents : k => { for kk, vv in v : kk => vv if vv != null } }) : ""
    MASTRA_AGENT_URL         = var.mastra_agent_url
    AUTH_MODE                = var.auth_mode
    JWT_JWKS_URL             = var.jwt_jwks_url
    JWT_PUBLIC_KEY_PEM       = var.jwt_public_key_pem
    JWT_ISSUER               = var.jwt_issuer
    JWT_AUDIENCE             = var.jwt_audience
    JWT_AUTHORIZED_PARTIES   = var.jwt_authorized_parties
    SUPABASE_URL             = var.supabase_url
    CREDENTIALS_TABLE        = var.credentials_table
    HEARTBEAT_MS             = var.heartbeat_ms == null ? "" : tostring(var.heartbeat_ms)
    DEADLINE_MARGIN_MS       = var.deadline_margin_ms == null ? "" : tostring(var.deadline_margin_ms)
    UPSTREAM_IDLE_TIMEOUT_MS = var.upstream_idle_timeout_ms == null ? "" : tostring(var.upstream_idle_timeout_ms)
    LOG_LEVEL                = lower(var.log_level)
  }
  # Always set, with the module's defaults (the same as the app's): the deployed configuration reads in full in
  # the console, and RESPONSE_MODE must agree with the URL's invoke mode, so the two come from one variable.
  # METRICS_NAMESPACE is set even when empty, because empty (no metrics) differs from unset (the app default).
  response_mode = var.invoke_mode == "BUFFERED" ? "buffered" : "stream"
  fixed_environment = {
    STATUS_FRAMES          = var.status_frames
    MAX_EVENT_BYTES        = format("%d", var.max_event_bytes)
    STOP_SESSION_ON_CUTOFF = var.stop_session_on_cutoff
    METRICS_NAMESPACE      = var.metrics_namespace
    RESPONSE_MODE          = local.response_mode
  }
  has_supabase_key = nonsensitive(var.supabase_key != "")
  environment = merge(
    var.extra_environment,
    { for k, v in local.plain_environment : k => v if v != "" },
    local.fixed_environment,
    local.has_supabase_key ? { SUPABASE_KEY = var.supabase_key } : {},
  )

  tags = merge({ Application = "agentstream", Environment = var.environment }, var.tags)
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:Logs are encrypted with AWS-owned keys by default; set kms_key_arn to use a customer-managed key.
  #checkov:skip=CKV_AWS_338:Retention is a variable (default 30 days): request logs hold prompts' metadata and need not live a year.
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = local.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:A DLQ only serves asynchronous invocations; Function URL calls are synchronous streams.
  #checkov:skip=CKV_AWS_117:No VPC: the function only calls public AWS/agent endpoints; a VPC would need a NAT gateway and adds cold-start cost.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile the project cannot assume exists; the zip is built and checked by make package.
  #checkov:skip=CKV_AWS_173:Environment variables are encrypted at rest with the Lambda service key; set kms_key_arn for a customer-managed key.
  #checkov:skip=CKV_AWS_115:Reserved concurrency is a variable (default unreserved): new accounts have a 10-execution limit that reserving would exceed.
  function_name    = local.function_name
  description      = "AgentStream: streams AI agent output as SSE over a Function URL (${var.environment})"
  role             = aws_iam_role.this.arn
  runtime          = "provided.al2023"
  handler          = "bootstrap"
  architectures    = [var.architecture]
  filename         = var.package_zip
  source_code_hash = filebase64sha256(var.package_zip)
  memory_size      = var.memory_size
  timeout          = var.timeout
  kms_key_arn      = var.kms_key_arn

  reserved_concurrent_executions = var.reserved_concurrency == null ? -1 : var.reserved_concurrency

  environment {
    variables = local.environment
  }

  tracing_config {
    mode = var.tracing_mode
  }

  tags = local.tags

  # The log group exists (with its retention) before the first invocation could create it.
  depends_on = [aws_iam_role_policy.this, aws_cloudwatch_log_group.this]
}

resource "aws_lambda_function_url" "this" {
  #checkov:skip=CKV_AWS_258:A browser-facing public endpoint by design; the function enforces AUTH_MODE=jwt, and function_url_auth_type=AWS_IAM is available.
  function_name      = aws_lambda_function.this.function_name
  authorization_type = var.function_url_auth_type
  invoke_mode        = var.invoke_mode # RESPONSE_MODE follows it (local.response_mode)

  cors {
    allow_origins     = var.cors_allow_origins
    allow_methods     = var.cors_allow_methods
    allow_headers     = var.cors_allow_headers
    expose_headers    = var.cors_expose_headers
    allow_credentials = var.cors_allow_credentials
    max_age           = var.cors_max_age
  }
}

# --- resource policy: who may call the URL -------------------------------------------------------
# Since October 2025 a new Function URL needs two statements: lambda:InvokeFunctionUrl and
# lambda:InvokeFunction; with only the first, callers get 403 Forbidden.

resource "aws_lambda_permission" "public_url" {
  #checkov:skip=CKV_AWS_301:Public by design when function_url_auth_type = NONE: only the URL is public (FunctionUrlAuthType condition); callers are checked by AUTH_MODE=jwt.
  count = var.function_url_auth_type == "NONE" ? 1 : 0

  statement_id           = "AllowPublicInvokeFunctionUrl"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.this.function_name
  principal              = "*"
  function_url_auth_type = "NONE"
}

# The public InvokeFunction statement must carry the condition lambda:InvokedViaFunctionUrl = true,
# or any AWS principal could call the Invoke API directly. AWS provider 5.x has no argument for it
# (6.28 added invoked_via_function_url), so the AWS CLI adds it; destroy removes it again.
resource "terraform_data" "public_invoke_via_url" {
  count = var.function_url_auth_type == "NONE" && var.grant_public_invoke_via_cli ? 1 : 0

  triggers_replace = [aws_lambda_function.this.arn, var.function_url_auth_type]

  input = {
    function_name = aws_lambda_function.this.function_name
    region        = data.aws_region.current.name
    endpoint      = var.aws_cli_endpoint_url
    statement_id  = "AllowPublicInvokeFunctionViaUrl"
  }

  provisioner "local-exec" {
    interpreter = ["/bin/bash", "-c"]
    command     = <<-EOT
      set -euo pipefail
      args=(--region "$REGION" --function-name "$FN")
      [[ -n "$ENDPOINT" ]] && args+=(--endpoint-url "$ENDPOINT")
      aws lambda remove-permission "$${args[@]}" --statement-id "$SID" >/dev/null 2>&1 || true
      aws lambda add-permission "$${args[@]}" --statement-id "$SID" \
        --action lambda:InvokeFunction --principal '*' --invoked-via-function-url >/dev/null
    EOT
    environment = {
      REGION   = self.input.region
      FN       = self.input.function_name
      ENDPOINT = self.input.endpoint
      SID      = self.input.statement_id
    }
  }

  provisioner "local-exec" {
    when        = destroy
    interpreter = ["/bin/bash", "-c"]
    command     = <<-EOT
      args=(--region "$REGION" --function-name "$FN")
      [[ -n "$ENDPOINT" ]] && args+=(--endpoint-url "$ENDPOINT")
      aws lambda remove-permission "$${args[@]}" --statement-id "$SID" >/dev/null 2>&1 || true
    EOT
    environment = {
      REGION   = self.input.region
      FN       = self.input.function_name
      ENDPOINT = self.input.endpoint
      SID      = self.input.statement_id
    }
  }
}

resource "aws_lambda_permission" "iam_url" {
  for_each = var.function_url_auth_type == "AWS_IAM" ? toset(var.iam_invoker_arns) : toset([])

  statement_id           = "AllowIamInvokeFunctionUrl-${substr(sha256(each.value), 0, 12)}"
  action                 = "lambda:InvokeFunctionUrl"
  function_name          = aws_lambda_function.this.function_name
  principal              = each.value
  function_url_auth_type = "AWS_IAM"
}

resource "aws_lambda_permission" "iam_invoke" {
  for_each = var.function_url_auth_type == "AWS_IAM" ? toset(var.iam_invoker_arns) : toset([])

  statement_id  = "AllowIamInvokeFunction-${substr(sha256(each.value), 0, 12)}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.this.function_name
  principal     = each.value
}
