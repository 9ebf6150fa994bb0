# --- identity and code -------------------------------------------------------------------------

variable "environment" {
  description = "Deployment environment (dev, staging, prod, ...): part of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,19}$", var.environment))
    error_message = "environment must be 1-20 lower-case letters, digits or dashes."
  }
}

variable "name_prefix" {
  description = "Prefix of resource names; the function is called <name_prefix>-<environment>."
  type        = string
  default     = "agentstream"
}

variable "package_zip" {
  description = "Path of the deployment zip built by `make package` (bootstrap at its root, optional lib/)."
  type        = string
}

variable "architecture" {
  description = "Instruction set of the bootstrap binary in package_zip: x86_64 or arm64."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "memory_size" {
  description = "Function memory in MB (CPU scales with it). The relay itself needs little; 256 is plenty."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be between 128 and 10240 MB."
  }
}

variable "timeout" {
  description = "Function timeout in seconds; a stream can last this long (Function URLs allow up to 900)."
  type        = number
  default     = 900

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be between 1 and 900 seconds."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions (caps cost and Function URL RPS at 10x this). null = unreserved."
  type        = number
  default     = null
}

variable "tracing_mode" {
  description = "X-Ray tracing: PassThrough (Lambda's default; no extra permissions) or Active."
  type        = string
  default     = "PassThrough"

  validation {
    condition     = contains(["PassThrough", "Active"], var.tracing_mode)
    error_message = "tracing_mode must be PassThrough or Active."
  }
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention of the function's log group."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "kms_key_arn" {
  description = "Optional customer-managed KMS key for the environment variables and the log group. null = AWS-owned keys."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

# --- Function URL ------------------------------------------------------------------------------

variable "function_url_auth_type" {
  description = "NONE (public URL; use AUTH_MODE=jwt to protect it) or AWS_IAM (SigV4-signed callers only)."
  type        = string
  default     = "NONE"

  validation {
    condition     = contains(["NONE", "AWS_IAM"], var.function_url_auth_type)
    error_message = "function_url_auth_type must be NONE or AWS_IAM."
  }
}

variable "iam_invoker_arns" {
  description = "With AWS_IAM: account ids or IAM principal ARNs granted lambda:InvokeFunctionUrl and lambda:InvokeFunction on the URL."
  type        = list(string)
  default     = []
}

variable "grant_public_invoke_via_cli" {
  description = <<-EOT
    With NONE: add the lambda:InvokeFunction statement (condition lambda:InvokedViaFunctionUrl = true) that
    Function URLs created since October 2025 need besides lambda:InvokeFunctionUrl. AWS provider 5.x cannot
    express that condition, so the statement is added and removed with the AWS CLI (local-exec).
    Set false when the statement is managed elsewhere (e.g. provider >= 6.28's invoked_via_function_url).
  EOT
  type        = bool
  default     = true
}

variable "aws_cli_endpoint_url" {
  description = "Endpoint override for the local-exec AWS CLI calls (emulators such as moto). Empty = real AWS."
  type        = string
  default     = ""
}

variable "cors_allow_origins" {
  description = "CORS allowed origins of the Function URL, e.g. [\"https://app.example.com\"]."
  type        = list(string)
  default     = ["*"]
}

variable "cors_allow_methods" {
  description = "CORS allowed methods (preflight answered by the Function URL itself)."
  type        = list(string)
  default     = ["GET", "POST"]
}

variable "cors_allow_headers" {
  description = "CORS allowed request headers."
  type        = list(string)
  default     = ["content-type", "authorization", "accept"]
}

variable "cors_expose_headers" {
  description = "Response headers the browser may read."
  type        = list(string)
  default     = ["x-amzn-requestid"]
}

variable "cors_allow_credentials" {
  description = "Whether browsers may send cookies/credentials (not allowed together with origin \"*\")."
  type        = bool
  default     = false
}

variable "cors_max_age" {
  description = "Seconds a browser may cache a preflight answer (0-86400)."
  type        = number
  default     = 300

  validation {
    condition     = var.cors_max_age >= 0 && var.cors_max_age <= 86400
    error_message = "cors_max_age must be between 0 and 86400."
  }
}

# --- application configuration (docs/API.md#configuration; only non-empty values become env vars)

variable "agentcore_runtime_arn" {
  description = "AGENTCORE_RUNTIME_ARN: the default agent's Bedrock AgentCore runtime ARN."
  type        = string
  default     = ""

  validation {
    condition     = var.agentcore_runtime_arn == "" || can(regex("^arn:aws[a-z-]*:bedrock-agentcore:[a-z0-9-]+:[0-9]{12}:runtime/[A-Za-z0-9_-]+$", var.agentcore_runtime_arn))
    error_message = "agentcore_runtime_arn must look like arn:aws:bedrock-agentcore:<region>:<account>:runtime/<name-id>."
  }
}

variable "agentcore_qualifier" {
  description = "AGENTCORE_QUALIFIER: runtime endpoint qualifier (app default DEFAULT)."
  type        = string
  default     = ""
}

variable "agents" {
  description = "AGENTS: name -> {agentcore = \"<runtime arn>\"} or {mastra = \"<agent id>\"}. Empty = one agent `default` from agentcore_runtime_arn."
  type = map(object({
    agentcore = optional(string)
    mastra    = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for a in values(var.agents) : (a.agentcore == null) != (a.mastra == null)])
    error_message = "each agent needs exactly one of agentcore or mastra."
  }
}

variable "mastra_agent_url" {
  description = "MASTRA_AGENT_URL: Mastra server base URL."
  type        = string
  default     = ""
}

variable "auth_mode" {
  description = "AUTH_MODE: none or jwt (Clerk-compatible RS256)."
  type        = string
  default     = "none"

  validation {
    condition     = contains(["none", "jwt"], var.auth_mode)
    error_message = "auth_mode must be none or jwt."
  }
}

variable "jwt_jwks_url" {
  description = "JWT_JWKS_URL"
  type        = string
  default     = ""
}

variable "jwt_public_key_pem" {
  description = "JWT_PUBLIC_KEY_PEM (a public key; not secret)."
  type        = string
  default     = ""
}

variable "jwt_issuer" {
  description = "JWT_ISSUER"
  type        = string
  default     = ""
}

variable "jwt_audience" {
  description = "JWT_AUDIENCE"
  type        = string
  default     = ""
}

variable "jwt_authorized_parties" {
  description = "JWT_AUTHORIZED_PARTIES (comma-separated azp values)."
  type        = string
  default     = ""
}

variable "supabase_url" {
  description = "SUPABASE_URL: PostgREST base URL for per-user AWS credentials."
  type        = string
  default     = ""
}

variable "supabase_key" {
  description = "SUPABASE_KEY: service key for SUPABASE_URL. Secret: pass it as TF_VAR_supabase_key, never in a file."
  type        = string
  default     = ""
  sensitive   = true
}

variable "credentials_table" {
  description = "CREDENTIALS_TABLE: table holding per-user credentials."
  type        = string
  default     = ""
}

variable "heartbeat_ms" {
  description = "HEARTBEAT_MS (app default 15000)."
  type        = number
  default     = null
}

variable "deadline_margin_ms" {
  description = "DEADLINE_MARGIN_MS (app default 2000)."
  type        = number
  default     = null
}

variable "upstream_idle_timeout_ms" {
  description = "UPSTREAM_IDLE_TIMEOUT_MS (app default 300000)."
  type        = number
  default     = null
}

variable "log_level" {
  description = "LOG_LEVEL: debug, info, warn or error (app default info)."
  type        = string
  default     = ""

  validation {
    condition     = contains(["", "debug", "info", "warn", "warning", "error"], lower(var.log_level))
    error_message = "log_level must be debug, info, warn or error."
  }
}

variable "status_frames" {
  description = "STATUS_FRAMES: on = `status` frames (connecting, waiting, streaming) while the agent works; off = `: keep-alive` comments only."
  type        = string
  default     = "on"
  nullable    = false

  validation {
    condition     = contains(["on", "off"], var.status_frames)
    error_message = "status_frames must be on or off."
  }
}

variable "max_event_bytes" {
  description = "MAX_EVENT_BYTES: largest single upstream event relayed; a larger one ends the stream with error frame UpstreamEventTooLarge. Default 10 MiB (AgentCore's largest streamed chunk)."
  type        = number
  default     = 10485760
  nullable    = false

  validation {
    condition     = floor(var.max_event_bytes) == var.max_event_bytes && var.max_event_bytes >= 1024 && var.max_event_bytes <= 209715200
    error_message = "max_event_bytes must be a whole number of bytes between 1024 and 209715200 (the 200 MB streamed-response cap)."
  }
}

variable "stop_session_on_cutoff" {
  description = "STOP_SESSION_ON_CUTOFF: on = when AgentStream ends a stream itself (deadline, idle cut-off, a size limit) it calls StopRuntimeSession so the AgentCore session stops computing and billing."
  type        = string
  default     = "on"
  nullable    = false

  validation {
    condition     = contains(["on", "off"], var.stop_session_on_cutoff)
    error_message = "stop_session_on_cutoff must be on or off."
  }
}

variable "metrics_namespace" {
  description = <<-EOT
    METRICS_NAMESPACE: CloudWatch namespace of the per-invocation Embedded Metric Format metrics. Empty = the log
    line carries no metrics (and the EMF alarms and dashboard cannot be enabled). Use one namespace per environment
    (e.g. AgentStream/prod) when several share an account and region: the metrics carry no function dimension.
  EOT
  type        = string
  default     = "AgentStream"
  nullable    = false

  validation {
    # CloudWatch namespaces: 1-255 of 0-9A-Za-z . - _ / # : and space, at least one non-space, not AWS/ (reserved).
    condition     = var.metrics_namespace == "" || (can(regex("^[0-9A-Za-z._/#: -]{1,255}$", var.metrics_namespace)) && trimspace(var.metrics_namespace) != "" && !startswith(var.metrics_namespace, "AWS/"))
    error_message = "metrics_namespace must be empty or 1-255 characters of letters, digits, . - _ / # : and space (not only spaces), and must not start with AWS/."
  }
}

variable "invoke_mode" {
  description = <<-EOT
    Function URL invoke mode, and with it RESPONSE_MODE: RESPONSE_STREAM (RESPONSE_MODE=stream; frames reach the
    client as they happen) or BUFFERED (RESPONSE_MODE=buffered; the whole SSE text is one response of at most 6 MB:
    the rollback path). The URL itself does not change when this switches.
  EOT
  type        = string
  default     = "RESPONSE_STREAM"
  nullable    = false

  validation {
    condition     = contains(["RESPONSE_STREAM", "BUFFERED"], var.invoke_mode)
    error_message = "invoke_mode must be RESPONSE_STREAM or BUFFERED."
  }
}

variable "extra_environment" {
  description = "Further environment variables (e.g. AGENTCORE_ENDPOINT for tests). Overrides nothing above."
  type        = map(string)
  default     = {}
}

variable "agentcore_invoke_for_user" {
  description = "Also grant bedrock-agentcore:InvokeAgentRuntimeForUser (needed when the function sends X-Amzn-Bedrock-AgentCore-Runtime-User-Id). null = when auth_mode is jwt."
  type        = bool
  default     = null
}

# --- monitoring (opt-in) -----------------------------------------------------------------------

variable "enable_alarms" {
  description = "Create CloudWatch alarms: Lambda Errors, Throttles, Duration p99 near the timeout, EMF FirstChunkMs p99 and the error-outcome rate."
  type        = bool
  default     = false
  nullable    = false
}

variable "alarm_sns_topic_arn" {
  description = "SNS topic notified when an alarm fires and when it recovers (alarm and OK actions). Empty = alarms without notifications."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.alarm_sns_topic_arn == "" || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_.-]{1,256}$", var.alarm_sns_topic_arn))
    error_message = "alarm_sns_topic_arn must be empty or an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)."
  }
}

variable "alarm_period_seconds" {
  description = "Length of one alarm evaluation period in seconds (60 or a multiple of 60)."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.alarm_period_seconds >= 60 && var.alarm_period_seconds <= 86400 && var.alarm_period_seconds % 60 == 0
    error_message = "alarm_period_seconds must be a multiple of 60 between 60 and 86400."
  }
}

variable "alarm_evaluation_periods" {
  description = "Periods each alarm looks at (N of \"M out of N\"): metrics extracted from logs can arrive late, so alarms judge a window, not one period."
  type        = number
  default     = 5
  nullable    = false

  validation {
    condition     = floor(var.alarm_evaluation_periods) == var.alarm_evaluation_periods && var.alarm_evaluation_periods >= 1 && var.alarm_evaluation_periods <= 1440
    error_message = "alarm_evaluation_periods must be a whole number between 1 and 1440."
  }
}

variable "alarm_datapoints_to_alarm" {
  description = "Breaching periods within alarm_evaluation_periods that fire an alarm (M of \"M out of N\")."
  type        = number
  default     = 3
  nullable    = false

  validation {
    condition     = floor(var.alarm_datapoints_to_alarm) == var.alarm_datapoints_to_alarm && var.alarm_datapoints_to_alarm >= 1
    error_message = "alarm_datapoints_to_alarm must be a whole number of at least 1 (and at most alarm_evaluation_periods)."
  }
}

variable "alarm_errors_threshold" {
  description = "Lambda Errors (invocations that failed: crash, timeout, init error) per period at or above which a period breaches."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.alarm_errors_threshold >= 1
    error_message = "alarm_errors_threshold must be at least 1."
  }
}

variable "alarm_throttles_threshold" {
  description = "Lambda Throttles (requests refused for lack of concurrency) per period at or above which a period breaches."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.alarm_throttles_threshold >= 1
    error_message = "alarm_throttles_threshold must be at least 1."
  }
}

variable "alarm_duration_p99_timeout_ratio" {
  description = "A period breaches when Lambda Duration p99 reaches this fraction of the function timeout (0.9 of 900 s = 810 s): streams are being cut by the deadline."
  type        = number
  default     = 0.9
  nullable    = false

  validation {
    condition     = var.alarm_duration_p99_timeout_ratio > 0 && var.alarm_duration_p99_timeout_ratio <= 1
    error_message = "alarm_duration_p99_timeout_ratio must be greater than 0 and at most 1."
  }
}

variable "alarm_first_chunk_p99_ms" {
  description = "A period breaches when the EMF metric FirstChunkMs (request start to the agent's first chunk) has a p99 above this many milliseconds."
  type        = number
  default     = 10000
  nullable    = false

  validation {
    condition     = var.alarm_first_chunk_p99_ms > 0
    error_message = "alarm_first_chunk_p99_ms must be positive."
  }
}

variable "alarm_error_rate_threshold" {
  description = "A period breaches when the share of invocations whose outcome is Error (an error frame or an upstream 5xx) is above this (0.05 = 5 %)."
  type        = number
  default     = 0.05
  nullable    = false

  validation {
    condition     = var.alarm_error_rate_threshold > 0 && var.alarm_error_rate_threshold < 1
    error_message = "alarm_error_rate_threshold must be a fraction between 0 and 1 (exclusive), e.g. 0.05 for 5 %."
  }
}

variable "alarm_error_rate_min_requests" {
  description = "The error-rate alarm ignores periods with fewer invocations than this, so one failed request on a quiet day does not page anyone. 1 = judge every period."
  type        = number
  default     = 10
  nullable    = false

  validation {
    condition     = floor(var.alarm_error_rate_min_requests) == var.alarm_error_rate_min_requests && var.alarm_error_rate_min_requests >= 1
    error_message = "alarm_error_rate_min_requests must be a whole number of at least 1."
  }
}

variable "enable_dashboard" {
  description = "Create a CloudWatch dashboard named like the function: invocations, concurrency, error frames by code, first-chunk latency p50/p99, duration."
  type        = bool
  default     = false
  nullable    = false
}

variable "dashboard_error_codes" {
  description = "Error codes (each an EMF metric counted on an Error outcome) drawn on the dashboard's error-frame widget."
  type        = list(string)
  default = [
    "UpstreamTimeout", "UpstreamIdleTimeout", "Deadline", "UpstreamEventTooLarge", "ResponseTooLarge",
    "AgentError", "UpstreamConnectionLost", "UpstreamUnreachable", "ThrottlingException", "InternalServerException",
    "UpstreamUnavailable", "UpstreamError",
  ]
  nullable = false

  validation {
    condition     = length(var.dashboard_error_codes) <= 100 && alltrue([for c in var.dashboard_error_codes : can(regex("^[A-Za-z][A-Za-z0-9_]{0,254}$", c))])
    error_message = "dashboard_error_codes: at most 100 codes, each letters, digits and _ starting with a letter."
  }
}
