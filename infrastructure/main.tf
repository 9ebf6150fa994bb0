# AgentStream deployment: one Lambda function with a streaming Function URL per environment.
#   terraform apply -target=module.api_streaming -var environment=dev -var agentcore_runtime_arn=...
# scripts/deploy_api_streaming.sh ENV wraps package + init + plan + apply + smoke test.

module "api_streaming" {
  source = "./modules/api_streaming"

  environment          = var.environment
  package_zip          = var.package_zip
  architecture         = var.architecture
  memory_size          = var.memory_size
  log_retention_days   = var.log_retention_days
  reserved_concurrency = var.reserved_concurrency

  function_url_auth_type = var.function_url_auth_type
  iam_invoker_arns       = var.iam_invoker_arns
  aws_cli_endpoint_url   = var.aws_endpoint_url
  cors_allow_origins     = var.cors_allow_origins
  cors_allow_methods     = var.cors_allow_methods
  cors_allow_headers     = var.cors_allow_headers
  cors_expose_headers    = var.cors_expose_headers
  cors_allow_credentials = var.cors_allow_credentials
  cors_max_age           = var.cors_max_age

  agentcore_runtime_arn    = var.agentcore_runtime_arn
  agentcore_qualifier      = var.agentcore_qualifier
  agents                   = var.agents
  mastra_agent_url         = var.mastra_agent_url
  auth_mode                = var.auth_mode
  jwt_jwks_url             = var.jwt_jwks_url
  jwt_public_key_pem       = var.jwt_public_key_pem
  jwt_issuer               = var.jwt_issuer
  jwt_audience             = var.jwt_audience
  jwt_authorized_parties   = var.jwt_authorized_parties
  supabase_url             = var.supabase_url
  supabase_key             = var.supabase_key
  credentials_table        = var.credentials_table
  heartbeat_ms             = var.heartbeat_ms
  deadline_margin_ms       = var.deadline_margin_ms
  upstream_idle_timeout_ms = var.upstream_idle_timeout_ms
  log_level                = var.log_level

  invoke_mode            = var.invoke_mode
  status_frames          = var.status_frames
  max_event_bytes        = var.max_event_bytes
  stop_session_on_cutoff = var.stop_session_on_cutoff
  metrics_namespace      = var.metrics_namespace

  enable_alarms                    = var.enable_alarms
  alarm_sns_topic_arn              = var.alarm_sns_topic_arn
  alarm_period_seconds             = var.alarm_period_seconds
  alarm_evaluation_periods         = var.alarm_evaluation_periods
  alarm_datapoints_to_alarm        = var.alarm_datapoints_to_alarm
  alarm_errors_threshold           = var.alarm_errors_threshold
  alarm_throttles_threshold        = var.alarm_throttles_threshold
  alarm_duration_p99_timeout_ratio = var.alarm_duration_p99_timeout_ratio
  alarm_first_chunk_p99_ms         = var.alarm_first_chunk_p99_ms
  alarm_error_rate_threshold       = var.alarm_error_rate_threshold
  alarm_error_rate_min_requests    = var.alarm_error_rate_min_requests
  enable_dashboard                 = var.enable_dashboard
  dashboard_error_codes            = var.dashboard_error_codes
}
