# Offline tests of modules/api_streaming: variables, rendered resources and outputs.
# Run: terraform init -plugin-dir=<mirror> && terraform test   (make infra-check does both)

mock_provider "aws" {
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/agentstream-test-lambda" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/agentstream-test" }
  }
  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:function:agentstream-test" }
  }
  mock_resource "aws_lambda_function_url" {
    # moto-style URL without the trailing slash real AWS returns: the output must add it.
    defaults = { function_url = "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
}

variables {
  environment           = "test"
  package_zip           = "tests/fixtures/placeholder-package"
  agentcore_runtime_arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent-AbC123xyz"
}

run "defaults_render_a_streaming_function" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    grant_public_invoke_via_cli = false # apply runs local-exec; covered by the plan test below
  }
  command = apply

  assert {
    condition     = aws_lambda_function.this.runtime == "provided.al2023" && aws_lambda_function.this.handler == "bootstrap"
    error_message = "runtime must be provided.al2023 with handler bootstrap"
  }
  assert {
    condition     = aws_lambda_function.this.timeout == 900 && aws_lambda_function.this.memory_size == 256
    error_message = "timeout 900 and memory 256 by default"
  }
  assert {
    condition     = aws_lambda_function.this.architectures == tolist(["x86_64"])
    error_message = "default architecture is x86_64"
  }
  assert {
    condition     = aws_lambda_function_url.this.invoke_mode == "RESPONSE_STREAM" && aws_lambda_function_url.this.authorization_type == "NONE"
    error_message = "URL must stream and be public by default"
  }
  assert {
    condition     = one(aws_lambda_function_url.this.cors).allow_origins == toset(["*"]) && one(aws_lambda_function_url.this.cors).allow_methods == toset(["GET", "POST"]) && one(aws_lambda_function_url.this.cors).max_age == 300
    error_message = "default CORS: any origin, GET+POST, 300 s"
  }
  assert {
    condition     = length(aws_lambda_permission.public_url) == 1 && aws_lambda_permission.public_url[0].action == "lambda:InvokeFunctionUrl" && aws_lambda_permission.public_url[0].principal == "*" && aws_lambda_permission.public_url[0].function_url_auth_type == "NONE"
    error_message = "a NONE URL needs the public lambda:InvokeFunctionUrl statement"
  }
  assert {
    condition     = length(aws_lambda_permission.iam_url) == 0 && length(aws_lambda_permission.iam_invoke) == 0
    error_message = "no IAM invoker statements for a NONE URL"
  }
  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      AGENTCORE_RUNTIME_ARN  = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent-AbC123xyz"
      AUTH_MODE              = "none"
      STATUS_FRAMES          = "on"
      MAX_EVENT_BYTES        = "10485760"
      STOP_SESSION_ON_CUTOFF = "on"
      METRICS_NAMESPACE      = "AgentStream"
      RESPONSE_MODE          = "stream"
    })
    error_message = "only the given settings plus the always-set streaming/limit/metrics settings (with their defaults) become environment variables"
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/agentstream-test" && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "log group name/retention"
  }
  assert {
    condition     = output.invoke_url == "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/"
    error_message = "invoke_url must end with /"
  }
  assert {
    condition     = output.function_name == "agentstream-test"
    error_message = "function name is <prefix>-<environment>"
  }
}

run "role_policy_is_least_privilege" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    grant_public_invoke_via_cli = false
  }
  command = apply

  assert {
    condition = jsondecode(aws_iam_role_policy.this.policy).Statement == [
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/agentstream-test:*"]
      },
      {
        Sid      = "InvokeConfiguredAgentRuntimes"
        Effect   = "Allow"
        Action   = ["bedrock-agentcore:InvokeAgentRuntime"]
        Resource = ["arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent-AbC123xyz", "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent-AbC123xyz/runtime-endpoint/*"]
      },
      {
        Sid      = "StopConfiguredAgentRuntimeSessions"
        Effect   = "Allow"
        Action   = ["bedrock-agentcore:StopRuntimeSession"]
        Resource = ["arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent-AbC123xyz", "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent-AbC123xyz/runtime-endpoint/*"]
      },
    ]
    error_message = "role policy must be exactly: own logs + InvokeAgentRuntime + StopRuntimeSession on the configured ARN"
  }
  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com"
    error_message = "role is assumable by Lambda only"
  }
}

run "public_invoke_function_statement_is_planned" {
  module {
    source = "./modules/api_streaming"
  }
  command = plan

  assert {
    condition     = length(terraform_data.public_invoke_via_url) == 1 && terraform_data.public_invoke_via_url[0].input.statement_id == "AllowPublicInvokeFunctionViaUrl"
    error_message = "a NONE URL also needs the lambda:InvokeFunction statement (Oct 2025 rule)"
  }
}

run "jwt_agents_and_settings" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    grant_public_invoke_via_cli = false
    architecture                = "arm64"
    memory_size                 = 512
    auth_mode                   = "jwt"
    jwt_jwks_url                = "https://example.clerk.accounts.dev/.well-known/jwks.json"
    jwt_issuer                  = "https://example.clerk.accounts.dev"
    agents = {
      default = { agentcore = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent-AbC123xyz" }
      second  = { agentcore = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/other_agent-Zz9" }
      local   = { mastra = "weatherAgent" }
    }
    mastra_agent_url         = "https://mastra.example.com"
    heartbeat_ms             = 10000
    deadline_margin_ms       = 3000
    upstream_idle_timeout_ms = 60000
    log_level                = "DEBUG"
    supabase_url             = "https://x.supabase.co"
    supabase_key             = "service-role-secret"
    credentials_table        = "user_aws_credentials"
    cors_allow_origins       = ["https://app.example.com"]
    cors_allow_credentials   = true
  }
  command = apply

  assert {
    condition     = aws_lambda_function.this.architectures == tolist(["arm64"]) && aws_lambda_function.this.memory_size == 512
    error_message = "architecture/memory variables"
  }
  assert {
    condition     = contains(jsondecode(aws_iam_role_policy.this.policy).Statement[1].Action, "bedrock-agentcore:InvokeAgentRuntimeForUser")
    error_message = "jwt sends user ids, so the role needs InvokeAgentRuntimeForUser"
  }
  assert {
    condition     = length(jsondecode(aws_iam_role_policy.this.policy).Statement[1].Resource) == 4 && contains(jsondecode(aws_iam_role_policy.this.policy).Statement[1].Resource, "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/other_agent-Zz9")
    error_message = "every AGENTS runtime (deduplicated) is in the policy"
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.this.policy).Statement[2].Action == ["bedrock-agentcore:StopRuntimeSession"] && jsondecode(aws_iam_role_policy.this.policy).Statement[2].Resource == jsondecode(aws_iam_role_policy.this.policy).Statement[1].Resource
    error_message = "StopRuntimeSession (no ForUser variant exists) on exactly the runtimes the role may invoke"
  }
  assert {
    condition     = jsondecode(nonsensitive(aws_lambda_function.this.environment[0].variables["AGENTS"])) == { default = { agentcore = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent-AbC123xyz" }, second = { agentcore = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/other_agent-Zz9" }, local = { mastra = "weatherAgent" } }
    error_message = "AGENTS is the JSON map name -> {agentcore|mastra}"
  }
  assert {
    condition = toset(keys(aws_lambda_function.this.environment[0].variables)) == toset([
      "AGENTCORE_RUNTIME_ARN", "AGENTS", "MASTRA_AGENT_URL", "AUTH_MODE", "JWT_JWKS_URL", "JWT_ISSUER",
      "SUPABASE_URL", "SUPABASE_KEY", "CREDENTIALS_TABLE", "HEARTBEAT_MS", "DEADLINE_MARGIN_MS",
      "UPSTREAM_IDLE_TIMEOUT_MS", "LOG_LEVEL", "STATUS_FRAMES", "MAX_EVENT_BYTES", "STOP_SESSION_ON_CUTOFF",
    "METRICS_NAMESPACE", "RESPONSE_MODE"])
    error_message = "environment variable names follow the app's configuration table (docs/API.md)"
  }
  assert {
    condition     = nonsensitive(aws_lambda_function.this.environment[0].variables["HEARTBEAT_MS"]) == "10000" && nonsensitive(aws_lambda_function.this.environment[0].variables["LOG_LEVEL"]) == "debug"
    error_message = "numbers become strings, log level lower-cased"
  }
  assert {
    condition     = one(aws_lambda_function_url.this.cors).allow_origins == toset(["https://app.example.com"]) && one(aws_lambda_function_url.this.cors).allow_credentials
    error_message = "CORS variables reach the URL"
  }
}

run "aws_iam_url_grants_both_actions_to_invokers" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    function_url_auth_type = "AWS_IAM"
    iam_invoker_arns       = ["arn:aws:iam::123456789012:role/frontend"]
  }
  command = apply

  assert {
    condition     = aws_lambda_function_url.this.authorization_type == "AWS_IAM"
    error_message = "auth type variable"
  }
  assert {
    condition     = length(aws_lambda_permission.public_url) == 0 && length(terraform_data.public_invoke_via_url) == 0
    error_message = "no public statements with AWS_IAM"
  }
  assert {
    condition     = [for p in aws_lambda_permission.iam_url : p.action] == ["lambda:InvokeFunctionUrl"] && [for p in aws_lambda_permission.iam_invoke : p.action] == ["lambda:InvokeFunction"]
    error_message = "IAM invokers need lambda:InvokeFunctionUrl and lambda:InvokeFunction"
  }
  assert {
    condition     = alltrue([for p in aws_lambda_permission.iam_url : p.principal == "arn:aws:iam::123456789012:role/frontend" && p.function_url_auth_type == "AWS_IAM"])
    error_message = "IAM URL statement scoped to the invoker"
  }
}

run "no_runtime_means_no_agentcore_permission" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    agentcore_runtime_arn       = ""
    agents                      = { local = { mastra = "weatherAgent" } }
    grant_public_invoke_via_cli = false
  }
  command = apply

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Sid] == ["WriteOwnLogs"]
    error_message = "without AgentCore runtimes the role may only write logs"
  }
}

run "rejects_bad_architecture" {
  module {
    source = "./modules/api_streaming"
  }
  command = plan
  variables {
    architecture = "sparc"
  }
  expect_failures = [var.architecture]
}

run "rejects_bad_runtime_arn" {
  module {
    source = "./modules/api_streaming"
  }
  command = plan
  variables {
    agentcore_runtime_arn = "arn:aws:lambda:us-east-1:123456789012:function:nope"
  }
  expect_failures = [var.agentcore_runtime_arn]
}

run "rejects_bad_settings" {
  module {
    source = "./modules/api_streaming"
  }
  command = plan
  variables {
    environment            = "Bad_Env"
    timeout                = 901
    log_retention_days     = 2
    function_url_auth_type = "OPEN"
    auth_mode              = "basic"
    log_level              = "loud"
    agents                 = { both = { agentcore = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/a-b", mastra = "x" } }
  }
  expect_failures = [var.environment, var.timeout, var.log_retention_days, var.function_url_auth_type, var.auth_mode, var.log_level, var.agents]
}

run "root_config_outputs" {
  # The root configuration the deploy script applies, with its own provider block replaced by the mock.
  variables {
    package_zip = "tests/fixtures/placeholder-package"
  }
  command = plan

  assert {
    condition     = module.api_streaming.function_name == "agentstream-test"
    error_message = "root passes environment through"
  }
}
