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
