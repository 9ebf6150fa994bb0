# Root configuration: the names used by scripts/deploy_api_streaming.sh. Everything else has a
# default in modules/api_streaming; set it with -var, TF_VAR_<name> or environments/<env>.tfvars.

variable "aws_region" {
  description = "AWS region of the function (usually the AgentCore runtime's region)."
  type        = string
  default     = "us-east-1"
}

variable "environment" {
  description = "Environment name (dev, prod, ...)."
  type        = string
  default     = "dev"
}

variable "aws_endpoint_url" {
  description = "Send every AWS API call to this endpoint (an emulator such as moto). Empty = real AWS."
  type        = string
  default     = ""
}

variable "package_zip" {
  description = "Deployment zip from `make package`."
  type        = string
  default     = "../dist/agentstream-lambda.zip"
}

variable "architecture" {
  description = "x86_64 or arm64: must match the bootstrap in package_zip."
  type        = string
  default     = "x86_64"
}

variable "memory_size" {
  description = "Function memory in MB."
  type        = number
  default     = 256
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention in days."
  type        = number
  default     = 30
}

variable "reserved_concurrency" {
  description = "Reserved concurrency (null = unreserved)."
  type        = number
  default     = null
}

variable "function_url_auth_type" {
  description = "NONE (default; protect with auth_mode = \"jwt\") or AWS_IAM."
  type        = string
  default     = "NONE"
}

variable "iam_invoker_arns" {
  description = "With AWS_IAM: principals allowed to call the URL."
  type        = list(string)
  default     = []
}

variable "cors_allow_origins" {
  description = "CORS allowed origins."
  type        = list(string)
  default     = ["*"]
}

variable "cors_allow_methods" {
  description = "CORS allowed methods."
  type        = list(string)
  default     = ["GET", "POST"]
}

variable "cors_allow_headers" {
  description = "CORS allowed headers."
  type        = list(string)
  default     = ["content-type", "authorization", "accept"]
}

variable "cors_expose_headers" {
  description = "CORS exposed headers."
  type        = list(string)
  default     = ["x-amzn-requestid"]
}

variable "cors_allow_credentials" {
  description = "CORS allow credentials."
  type        = bool
  default     = false
}

variable "cors_max_age" {
  description = "CORS preflight cache seconds."
  type        = number
  default     = 300
}

# --- application settings (docs/API.md#configuration) ------------------------------------------

variable "agentcore_runtime_arn" {
  description = "AGENTCORE_RUNTIME_ARN of the default agent (the deploy script takes it from the environment)."
  type        = string
  default     = ""
}

variable "agentcore_qualifier" {
  description = "AGENTCORE_QUALIFIER"
  type        = string
  default     = ""
}

variable "agents" {
  description = "AGENTS map: name -> {agentcore = arn} or {mastra = id}."
  type = map(object({
    agentcore = optional(string)
    mastra    = optional(string)
  }))
  default = {}
}

variable "mastra_agent_url" {
  description = "MASTRA_AGENT_URL"
  type        = string
  default     = ""
}

variable "auth_mode" {
  description = "AUTH_MODE: none or jwt."
  type        = string
  default     = "none"
}

variable "jwt_jwks_url" {
  description = "JWT_JWKS_URL"
  type        = string
  default     = ""
}

variable "jwt_public_key_pem" {
  description = "JWT_PUBLIC_KEY_PEM"
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
  description = "JWT_AUTHORIZED_PARTIES"
  type        = string
  default     = ""
}

variable "supabase_url" {
  description = "SUPABASE_URL"
  type        = string
  default     = ""
}

variable "supabase_key" {
  description = "SUPABASE_KEY (secret: export TF_VAR_supabase_key)."
  type        = string
  default     = ""
  sensitive   = true
}

variable "credentials_table" {
  description = "CREDENTIALS_TABLE"
  type        = string
  default     = ""
}

variable "heartbeat_ms" {
  description = "HEARTBEAT_MS"
  type        = number
  default     = null
}

variable "deadline_margin_ms" {
  description = "DEADLINE_MARGIN_MS"
  type        = number
  default     = null
}

variable "upstream_idle_timeout_ms" {
  description = "UPSTREAM_IDLE_TIMEOUT_MS"
  type        = number
  default     = null
}

variable "log_level" {
  description = "LOG_LEVEL"
  type        = string
  default     = ""
}

# --- streaming, limits, metrics and monitoring ---------------------------------------------------
# null = the module's default (modules/api_streaming/variables.tf documents and validates each).

variable "invoke_mode" {
  description = "RESPONSE_STREAM (default) or BUFFERED (rollback: the whole answer at once); sets the URL's mode and RESPONSE_MODE together."
  type        = string
  default     = null
}

variable "status_frames" {
  description = "STATUS_FRAMES: on (default) or off."
  type        = string
  default     = null
}

variable "max_event_bytes" {
  description = "MAX_EVENT_BYTES (default 10485760)."
  type        = number
  default     = null
}

variable "stop_session_on_cutoff" {
  description = "STOP_SESSION_ON_CUTOFF: on (default) or off."
  type        = string
  default     = null
}

variable "metrics_namespace" {
  description = "METRICS_NAMESPACE (default AgentStream; empty = no metrics)."
  type        = string
  default     = null
}

variable "enable_alarms" {
  description = "Create the CloudWatch alarms (default false)."
  type        = bool
  default     = null
}

variable "alarm_sns_topic_arn" {
  description = "SNS topic for alarm and OK notifications (default none)."
  type        = string
  default     = null
}

variable "alarm_period_seconds" {
  description = "Alarm period in seconds (default 60)."
  type        = number
  default     = null
}

variable "alarm_evaluation_periods" {
  description = "Periods each alarm looks at (default 5)."
  type        = number
  default     = null
}

variable "alarm_datapoints_to_alarm" {
  description = "Breaching periods out of alarm_evaluation_periods that fire (default 3)."
  type        = number
  default     = null
}

variable "alarm_errors_threshold" {
  description = "Lambda Errors per period (default 1)."
  type        = number
  default     = null
}

variable "alarm_throttles_threshold" {
  description = "Lambda Throttles per period (default 1)."
  type        = number
  default     = null
}

variable "alarm_duration_p99_timeout_ratio" {
  description = "Duration p99 as a fraction of the timeout (default 0.9)."
  type        = number
  default     = null
}

variable "alarm_first_chunk_p99_ms" {
  description = "FirstChunkMs p99 in ms (default 10000)."
  type        = number
  default     = null
}

variable "alarm_error_rate_threshold" {
  description = "Share of Error outcomes (default 0.05)."
  type        = number
  default     = null
}

variable "alarm_error_rate_min_requests" {
  description = "Invocations a period needs before the error rate counts (default 10)."
  type        = number
  default     = null
}

variable "enable_dashboard" {
  description = "Create the CloudWatch dashboard (default false)."
  type        = bool
  default     = null
}

variable "dashboard_error_codes" {
  description = "Error codes drawn on the dashboard (default: the codes AgentStream and AgentCore send)."
  type        = list(string)
  default     = null
}
