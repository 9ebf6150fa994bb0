# Non-secret settings of the dev environment; read by scripts/deploy_api_streaming.sh dev.
# AGENTCORE_RUNTIME_ARN comes from the environment; secrets (SUPABASE_KEY) only as TF_VAR_supabase_key.
memory_size        = 256
log_retention_days = 14
log_level          = "debug"
cors_allow_origins = ["*"]
# Metrics of dev apart from other environments in the same account and region.
metrics_namespace = "AgentStream/dev"
