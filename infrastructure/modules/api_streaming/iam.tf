# Execution role: write its own logs, invoke the configured AgentCore runtimes and stop their sessions.
# Nothing else.
# Policies are built with jsonencode (not aws_iam_policy_document) so `terraform test` can check
# the rendered statements offline with a mock provider.

locals {
  # The runtime and its endpoints (a call with ?qualifier=X is authorized on runtime-endpoint/X).
  agentcore_resources = flatten([for arn in local.agentcore_arns : [arn, "${arn}/runtime-endpoint/*"]])

  policy_statements = concat(
    [{
      Sid      = "WriteOwnLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
    }],
    length(local.agentcore_arns) == 0 ? [] : [{
      Sid    = "InvokeConfiguredAgentRuntimes"
      Effect = "Allow"
      Action = concat(["bedrock-agentcore:InvokeAgentRuntime"],
      local.invoke_for_user ? ["bedrock-agentcore:InvokeAgentRuntimeForUser"] : [])
      Resource = local.agentcore_resources
    }],
    # StopRuntimeSession ends an AgentCore session (and its running invocation) when AgentStream cuts a stream
    # itself (STOP_SESSION_ON_CUTOFF) or a client calls /api/streaming/cancel. It takes no user id, so unlike
    # InvokeAgentRuntime there is no ...ForUser action to grant.
    length(local.agentcore_arns) == 0 ? [] : [{
      Sid      = "StopConfiguredAgentRuntimeSessions"
      Effect   = "Allow"
      Action   = ["bedrock-agentcore:StopRuntimeSession"]
      Resource = local.agentcore_resources
    }],
    var.tracing_mode != "Active" ? [] : [{
      Sid      = "XRayTraces"
      Effect   = "Allow"
      Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      Resource = ["*"] # X-Ray has no resource-level permissions for these actions.
    }],
    var.kms_key_arn == null ? [] : [{
      Sid      = "DecryptEnvironment"
      Effect   = "Allow"
      Action   = ["kms:Decrypt"]
      Resource = [var.kms_key_arn]
    }],
  )
}

resource "aws_iam_role" "this" {
  name        = "${local.function_name}-lambda"
  description = "Execution role of the ${local.function_name} Lambda function"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaAssume"
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
  tags = local.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "${local.function_name}-least-privilege"
  role   = aws_iam_role.this.id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.policy_statements })
}
