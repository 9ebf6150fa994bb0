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

# --- application configuration (DESIGN.md §5; only non-empty values become env vars) ----------

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
