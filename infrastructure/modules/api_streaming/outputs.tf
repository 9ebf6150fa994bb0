output "invoke_url" {
  description = "The Function URL (always ends with /). POST / with {\"prompt\": ...} streams SSE."
  value       = endswith(aws_lambda_function_url.this.function_url, "/") ? aws_lambda_function_url.this.function_url : "${aws_lambda_function_url.this.function_url}/"
}

output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "role_arn" {
  description = "ARN of the execution role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "CloudWatch Logs group of the function."
  value       = aws_cloudwatch_log_group.this.name
}

output "agentcore_runtime_arns" {
  description = "AgentCore runtimes the role may invoke."
  value       = local.agentcore_arns
}

output "invoke_mode" {
  description = "The Function URL's invoke mode (RESPONSE_STREAM or BUFFERED); RESPONSE_MODE follows it."
  value       = aws_lambda_function_url.this.invoke_mode
}

output "response_mode" {
  description = "RESPONSE_MODE given to the function: stream or buffered."
  value       = local.response_mode
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms (empty unless enable_alarms)."
  value       = concat([for a in aws_cloudwatch_metric_alarm.metric : a.alarm_name], [for a in aws_cloudwatch_metric_alarm.error_rate : a.alarm_name])
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard (null unless enable_dashboard)."
  value       = one(aws_cloudwatch_dashboard.this[*].dashboard_name)
}
