output "invoke_url" {
  description = "Function URL of the streaming API (ends with /)."
  value       = module.api_streaming.invoke_url
}

output "function_name" {
  description = "Lambda function name."
  value       = module.api_streaming.function_name
}

output "function_arn" {
  description = "Lambda function ARN."
  value       = module.api_streaming.function_arn
}

output "log_group_name" {
  description = "CloudWatch Logs group (aws logs tail <name> --follow)."
  value       = module.api_streaming.log_group_name
}

output "invoke_mode" {
  description = "The Function URL's invoke mode (RESPONSE_STREAM or BUFFERED)."
  value       = module.api_streaming.invoke_mode
}

output "alarm_names" {
  description = "CloudWatch alarms (empty unless enable_alarms)."
  value       = module.api_streaming.alarm_names
}

output "dashboard_name" {
  description = "CloudWatch dashboard (null unless enable_dashboard)."
  value       = module.api_streaming.dashboard_name
}
