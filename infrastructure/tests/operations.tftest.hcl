# Offline tests of the operations settings of modules/api_streaming: streaming/limit/metrics environment,
# invoke_mode (URL mode and RESPONSE_MODE together), the opt-in alarms and dashboard, and their validation.
# Run: make infra-check (terraform test with a mock provider; nothing is created).

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
    defaults = { function_url = "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/" }
  }
  mock_resource "aws_cloudwatch_metric_alarm" {
    defaults = { arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:agentstream-test-mock" }
  }
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
}

variables {
  environment                 = "test"
  package_zip                 = "tests/fixtures/placeholder-package"
  agentcore_runtime_arn       = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent-AbC123xyz"
  grant_public_invoke_via_cli = false # apply would run the AWS CLI (local-exec)
}

# --- environment -----------------------------------------------------------------------------------

run "operations_defaults" {
  module {
    source = "./modules/api_streaming"
  }
  command = apply

  assert {
    condition = { for k in ["STATUS_FRAMES", "MAX_EVENT_BYTES", "STOP_SESSION_ON_CUTOFF", "METRICS_NAMESPACE", "RESPONSE_MODE"] :
    k => aws_lambda_function.this.environment[0].variables[k] } == { STATUS_FRAMES = "on", MAX_EVENT_BYTES = "10485760", STOP_SESSION_ON_CUTOFF = "on", METRICS_NAMESPACE = "AgentStream", RESPONSE_MODE = "stream" }
    error_message = "defaults: STATUS_FRAMES=on, MAX_EVENT_BYTES=10485760, STOP_SESSION_ON_CUTOFF=on, METRICS_NAMESPACE=AgentStream, RESPONSE_MODE=stream"
  }
  assert {
    condition     = aws_lambda_function_url.this.invoke_mode == "RESPONSE_STREAM" && output.invoke_mode == "RESPONSE_STREAM" && output.response_mode == "stream"
    error_message = "the URL streams by default and RESPONSE_MODE says so"
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.metric) == 0 && length(aws_cloudwatch_metric_alarm.error_rate) == 0 && length(aws_cloudwatch_dashboard.this) == 0
    error_message = "alarms and dashboard are opt-in"
  }
  assert {
    condition     = output.alarm_names == [] && output.dashboard_name == null
    error_message = "outputs are empty without alarms/dashboard"
  }
}

run "operations_settings_reach_the_environment" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    status_frames          = "off"
    max_event_bytes        = 1048576
    stop_session_on_cutoff = "off"
    metrics_namespace      = "AgentStream/prod #1: eu"
  }
  command = apply

  assert {
    condition = { for k in ["STATUS_FRAMES", "MAX_EVENT_BYTES", "STOP_SESSION_ON_CUTOFF", "METRICS_NAMESPACE"] :
    k => aws_lambda_function.this.environment[0].variables[k] } == { STATUS_FRAMES = "off", MAX_EVENT_BYTES = "1048576", STOP_SESSION_ON_CUTOFF = "off", METRICS_NAMESPACE = "AgentStream/prod #1: eu" }
    error_message = "each setting becomes its environment variable (numbers without exponent)"
  }
  assert {
    condition     = contains(jsondecode(aws_iam_role_policy.this.policy).Statement[*].Sid, "StopConfiguredAgentRuntimeSessions")
    error_message = "StopRuntimeSession stays granted with STOP_SESSION_ON_CUTOFF=off: /api/streaming/cancel still uses it"
  }
}

run "large_event_limit_is_written_as_an_integer" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    max_event_bytes = 209715200
  }
  command = plan

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["MAX_EVENT_BYTES"] == "209715200"
    error_message = "200 MB must not become 2.097152e+08"
  }
}

run "empty_metrics_namespace_is_exported_empty" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    metrics_namespace = ""
  }
  command = plan

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["METRICS_NAMESPACE"] == ""
    error_message = "empty = no metrics, which differs from unset (the app's default namespace): it must be exported"
  }
}

# --- invoke_mode -------------------------------------------------------------------------------------

run "buffered_sets_url_and_response_mode_together" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    invoke_mode = "BUFFERED"
  }
  command = apply

  assert {
    condition     = aws_lambda_function_url.this.invoke_mode == "BUFFERED" && aws_lambda_function.this.environment[0].variables["RESPONSE_MODE"] == "buffered"
    error_message = "BUFFERED: the URL buffers and RESPONSE_MODE=buffered"
  }
  assert {
    condition     = output.invoke_mode == "BUFFERED" && output.response_mode == "buffered"
    error_message = "outputs report the mode"
  }
  assert {
    condition     = output.invoke_url == "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/"
    error_message = "switching modes keeps the same URL resource"
  }
}

run "back_to_streaming" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    invoke_mode = "RESPONSE_STREAM"
  }
  command = apply

  assert {
    condition     = aws_lambda_function_url.this.invoke_mode == "RESPONSE_STREAM" && aws_lambda_function.this.environment[0].variables["RESPONSE_MODE"] == "stream"
    error_message = "RESPONSE_STREAM again: both switch back"
  }
}

run "extra_environment_cannot_split_url_and_response_mode" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    extra_environment = { RESPONSE_MODE = "buffered", METRICS_NAMESPACE = "Other", AGENTCORE_ENDPOINT = "http://127.0.0.1:9" }
  }
  command = plan

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["RESPONSE_MODE"] == "stream" && aws_lambda_function.this.environment[0].variables["METRICS_NAMESPACE"] == "AgentStream"
    error_message = "extra_environment overrides none of the module's settings"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables["AGENTCORE_ENDPOINT"] == "http://127.0.0.1:9"
    error_message = "extra_environment still adds its own variables"
  }
}

# --- alarms --------------------------------------------------------------------------------------------

run "alarms_with_defaults" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    enable_alarms = true
  }
  command = apply

  assert {
    condition     = toset(output.alarm_names) == toset(["agentstream-test-errors", "agentstream-test-throttles", "agentstream-test-duration-p99", "agentstream-test-first-chunk-p99", "agentstream-test-error-rate"])
    error_message = "five alarms named <function>-<what>"
  }
  assert {
    condition = (aws_cloudwatch_metric_alarm.metric["errors"].namespace == "AWS/Lambda" && aws_cloudwatch_metric_alarm.metric["errors"].metric_name == "Errors"
      && aws_cloudwatch_metric_alarm.metric["errors"].statistic == "Sum" && aws_cloudwatch_metric_alarm.metric["errors"].threshold == 1
      && aws_cloudwatch_metric_alarm.metric["errors"].comparison_operator == "GreaterThanOrEqualToThreshold"
    && aws_cloudwatch_metric_alarm.metric["errors"].dimensions == tomap({ FunctionName = "agentstream-test" }))
    error_message = "errors: AWS/Lambda Errors Sum >= 1 for this function"
  }
  assert {
    condition = (aws_cloudwatch_metric_alarm.metric["throttles"].metric_name == "Throttles" && aws_cloudwatch_metric_alarm.metric["throttles"].statistic == "Sum"
    && aws_cloudwatch_metric_alarm.metric["throttles"].threshold == 1 && aws_cloudwatch_metric_alarm.metric["throttles"].dimensions == tomap({ FunctionName = "agentstream-test" }))
    error_message = "throttles: AWS/Lambda Throttles Sum >= 1 for this function"
  }
  assert {
    condition = (aws_cloudwatch_metric_alarm.metric["duration-p99"].metric_name == "Duration" && aws_cloudwatch_metric_alarm.metric["duration-p99"].extended_statistic == "p99"
      && aws_cloudwatch_metric_alarm.metric["duration-p99"].statistic == null && aws_cloudwatch_metric_alarm.metric["duration-p99"].threshold == 810000
    && aws_cloudwatch_metric_alarm.metric["duration-p99"].evaluate_low_sample_count_percentiles == "ignore")
    error_message = "duration-p99: Duration p99 >= 0.9 x 900 s = 810000 ms, low sample counts ignored"
  }
  assert {
    condition = (aws_cloudwatch_metric_alarm.metric["first-chunk-p99"].namespace == "AgentStream" && aws_cloudwatch_metric_alarm.metric["first-chunk-p99"].metric_name == "FirstChunkMs"
      && aws_cloudwatch_metric_alarm.metric["first-chunk-p99"].extended_statistic == "p99" && aws_cloudwatch_metric_alarm.metric["first-chunk-p99"].threshold == 10000
    && length(aws_cloudwatch_metric_alarm.metric["first-chunk-p99"].dimensions) == 0)
    error_message = "first-chunk-p99: EMF FirstChunkMs p99 > 10000 ms in the dimensionless set"
  }
  assert {
    condition = alltrue([for a in aws_cloudwatch_metric_alarm.metric : a.period == 60 && a.evaluation_periods == 5 && a.datapoints_to_alarm == 3
    && a.treat_missing_data == "notBreaching" && length(a.alarm_actions) == 0 && length(a.ok_actions) == 0])
    error_message = "3 of 5 one-minute periods, missing data not breaching, no actions without an SNS topic"
  }
  assert {
    condition = (aws_cloudwatch_metric_alarm.error_rate[0].threshold == 0.05 && aws_cloudwatch_metric_alarm.error_rate[0].comparison_operator == "GreaterThanThreshold"
      && aws_cloudwatch_metric_alarm.error_rate[0].metric_name == null && aws_cloudwatch_metric_alarm.error_rate[0].evaluation_periods == 5
    && aws_cloudwatch_metric_alarm.error_rate[0].datapoints_to_alarm == 3 && aws_cloudwatch_metric_alarm.error_rate[0].treat_missing_data == "notBreaching")
    error_message = "error-rate: metric math, > 5 %, 3 of 5"
  }
  assert {
    condition = ({ for q in aws_cloudwatch_metric_alarm.error_rate[0].metric_query : q.id => q.expression if q.expression != null && q.expression != "" }
    == { rate = "IF(requests >= 10, errors, 0)" })
    error_message = "the rate counts only periods with at least 10 invocations"
  }
  assert {
    condition = ({ for q in aws_cloudwatch_metric_alarm.error_rate[0].metric_query : q.id => [one(q.metric).namespace, one(q.metric).metric_name, one(q.metric).stat, one(q.metric).period] if length(q.metric) > 0 }
    == { errors = ["AgentStream", "Error", "Average", 60], requests = ["AgentStream", "Error", "SampleCount", 60] })
    error_message = "rate = Average of Error (0/1 per invocation); requests = its SampleCount"
  }
  assert {
    condition     = [for q in aws_cloudwatch_metric_alarm.error_rate[0].metric_query : q.id if q.return_data == true] == ["rate"]
    error_message = "only the rate expression is the alarm's value"
  }
}

run "alarms_notify_sns_and_follow_thresholds" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    enable_alarms                    = true
    alarm_sns_topic_arn              = "arn:aws:sns:us-east-1:123456789012:agentstream-alerts"
    metrics_namespace                = "AgentStream/prod"
    timeout                          = 300
    alarm_period_seconds             = 300
    alarm_evaluation_periods         = 3
    alarm_datapoints_to_alarm        = 2
    alarm_errors_threshold           = 5
    alarm_throttles_threshold        = 10
    alarm_duration_p99_timeout_ratio = 0.5
    alarm_first_chunk_p99_ms         = 4000
    alarm_error_rate_threshold       = 0.2
    alarm_error_rate_min_requests    = 1
  }
  command = apply

  assert {
    condition = alltrue([for a in concat(values(aws_cloudwatch_metric_alarm.metric), aws_cloudwatch_metric_alarm.error_rate) :
    a.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:agentstream-alerts"]) && a.ok_actions == toset(["arn:aws:sns:us-east-1:123456789012:agentstream-alerts"])])
    error_message = "every alarm notifies the topic when it fires and when it recovers"
  }
  assert {
    condition = (aws_cloudwatch_metric_alarm.metric["errors"].threshold == 5 && aws_cloudwatch_metric_alarm.metric["throttles"].threshold == 10
    && aws_cloudwatch_metric_alarm.metric["duration-p99"].threshold == 150000 && aws_cloudwatch_metric_alarm.metric["first-chunk-p99"].threshold == 4000)
    error_message = "thresholds follow the variables; duration = 0.5 x 300 s"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.metric["first-chunk-p99"].namespace == "AgentStream/prod" && alltrue([for q in aws_cloudwatch_metric_alarm.error_rate[0].metric_query : one(q.metric).namespace == "AgentStream/prod" if length(q.metric) > 0])
    error_message = "EMF alarms read the configured namespace"
  }
  assert {
    condition = (alltrue([for a in aws_cloudwatch_metric_alarm.metric : a.period == 300 && a.evaluation_periods == 3 && a.datapoints_to_alarm == 2])
      && alltrue([for q in aws_cloudwatch_metric_alarm.error_rate[0].metric_query : one(q.metric).period == 300 if length(q.metric) > 0])
    && aws_cloudwatch_metric_alarm.error_rate[0].threshold == 0.2)
    error_message = "period/evaluation/datapoints and the error-rate threshold follow the variables"
  }
  assert {
    condition     = [for q in aws_cloudwatch_metric_alarm.error_rate[0].metric_query : q.expression if q.id == "rate"] == ["IF(requests >= 1, errors, 0)"]
    error_message = "min requests 1 judges every period"
  }
}

run "alarms_need_a_metrics_namespace" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    enable_alarms     = true
    metrics_namespace = ""
  }
  command         = plan
  expect_failures = [aws_cloudwatch_metric_alarm.metric, aws_cloudwatch_metric_alarm.error_rate]
}

run "alarm_datapoints_cannot_exceed_evaluation_periods" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    enable_alarms             = true
    alarm_evaluation_periods  = 2
    alarm_datapoints_to_alarm = 3
  }
  command         = plan
  expect_failures = [aws_cloudwatch_metric_alarm.metric, aws_cloudwatch_metric_alarm.error_rate]
}

# --- dashboard -----------------------------------------------------------------------------------------

run "dashboard_alone" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    enable_dashboard = true
  }
  command = apply

  assert {
    condition     = aws_cloudwatch_dashboard.this[0].dashboard_name == "agentstream-test" && output.dashboard_name == "agentstream-test" && length(aws_cloudwatch_metric_alarm.metric) == 0
    error_message = "dashboard named like the function, without alarms"
  }
  assert {
    condition = [for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : w.properties.title] == [
      "Invocations, Lambda errors and throttles", "Concurrent executions (open streams)", "First chunk and first byte latency (ms)",
      "Duration (ms)", "Error frames by code", "Outcomes", "First chunk p99 by agent and route (ms)", "Error outcome rate",
    ]
    error_message = "widgets: invocations, concurrency, first-chunk latency, duration, error codes, outcomes, per-route latency, error rate (no alarm widget without alarms)"
  }
  assert {
    condition = (jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets[0].properties.metrics == [
      ["AWS/Lambda", "Invocations", "FunctionName", "agentstream-test", { label = "Invocations" }],
      ["AWS/Lambda", "Errors", "FunctionName", "agentstream-test", { label = "Lambda errors" }],
      ["AWS/Lambda", "Throttles", "FunctionName", "agentstream-test", { label = "Throttles" }],
    ] && jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets[0].properties.region == "us-east-1")
    error_message = "invocation widget reads this function's Lambda metrics in its region"
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets[1].properties.metrics[0][1] == "ConcurrentExecutions" && jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets[1].properties.stat == "Maximum"
    error_message = "concurrency widget: ConcurrentExecutions Maximum"
  }
  assert {
    condition = ([for m in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets[2].properties.metrics : [m[0], m[1], m[2].stat]] == [
      ["AgentStream", "FirstChunkMs", "p50"], ["AgentStream", "FirstChunkMs", "p99"], ["AgentStream", "FirstByteMs", "p50"], ["AgentStream", "FirstByteMs", "p99"],
    ])
    error_message = "first-chunk widget: FirstChunkMs p50/p99 (and FirstByteMs) from the dimensionless EMF set"
  }
  assert {
    condition = ([for m in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets[3].properties.metrics : m[length(m) - 1].stat] == ["p50", "p99", "Maximum", "p99"]
    && jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets[3].properties.annotations.horizontal[0].value == 900000)
    error_message = "duration widget: Lambda p50/p99/max and EMF DurationMs p99, with the timeout drawn"
  }
  assert {
    condition = ([for m in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets[4].properties.metrics : m[1]] == [
      "UpstreamTimeout", "UpstreamIdleTimeout", "Deadline", "UpstreamEventTooLarge", "ResponseTooLarge", "AgentError",
      "UpstreamConnectionLost", "UpstreamUnreachable", "ThrottlingException", "InternalServerException", "UpstreamUnavailable", "UpstreamError",
    ] && jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets[4].properties.stat == "Sum")
    error_message = "error-code widget: one Sum line per error code metric"
  }
  assert {
    condition     = [for m in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets[5].properties.metrics : m[1]] == ["Complete", "Error", "ClientError"]
    error_message = "outcome widget: Complete, Error, ClientError"
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets[6].properties.metrics[0][0].expression == "SEARCH('{\"AgentStream\",agent,route} MetricName=\"FirstChunkMs\"', 'p99', 300)"
    error_message = "per-route widget searches the {agent, route} dimension set"
  }
}

run "dashboard_with_alarms_and_own_codes" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    enable_dashboard      = true
    enable_alarms         = true
    metrics_namespace     = "AgentStream/prod"
    dashboard_error_codes = ["UpstreamTimeout", "MyAgentFailure"]
  }
  command = apply

  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets) == 9 && jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets[8].type == "alarm"
    error_message = "with alarms the dashboard ends with an alarm-status widget"
  }
  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets[8].properties.alarms) == 5
    error_message = "the alarm widget lists all five alarms"
  }
  assert {
    condition     = [for m in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets[4].properties.metrics : [m[0], m[1]]] == [["AgentStream/prod", "UpstreamTimeout"], ["AgentStream/prod", "MyAgentFailure"]]
    error_message = "error codes and namespace follow the variables"
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets[6].properties.metrics[0][0].expression == "SEARCH('{\"AgentStream/prod\",agent,route} MetricName=\"FirstChunkMs\"', 'p99', 300)"
    error_message = "a namespace with / is quoted in the search schema"
  }
}

run "dashboard_needs_a_metrics_namespace" {
  module {
    source = "./modules/api_streaming"
  }
  variables {
    enable_dashboard  = true
    metrics_namespace = ""
  }
  command         = plan
  expect_failures = [aws_cloudwatch_dashboard.this]
}

# --- validation --------------------------------------------------------------------------------------

run "rejects_bad_operations_settings" {
  module {
    source = "./modules/api_streaming"
  }
  command = plan
  variables {
    status_frames          = "yes"
    max_event_bytes        = 1000
    stop_session_on_cutoff = "true"
    metrics_namespace      = "AWS/Lambda"
    invoke_mode            = "STREAM"
  }
  expect_failures = [var.status_frames, var.max_event_bytes, var.stop_session_on_cutoff, var.metrics_namespace, var.invoke_mode]
}

run "rejects_fractional_or_huge_event_limit_and_bad_namespace_characters" {
  module {
    source = "./modules/api_streaming"
  }
  command = plan
  variables {
    max_event_bytes   = 209715201
    metrics_namespace = "Agent|Stream"
    invoke_mode       = "buffered"
  }
  expect_failures = [var.max_event_bytes, var.metrics_namespace, var.invoke_mode]
}

run "rejects_fractional_event_limit_and_blank_namespace" {
  module {
    source = "./modules/api_streaming"
  }
  command = plan
  variables {
    max_event_bytes   = 4096.5
    metrics_namespace = "   "
  }
  expect_failures = [var.max_event_bytes, var.metrics_namespace]
}

run "rejects_overlong_namespace" {
  module {
    source = "./modules/api_streaming"
  }
  command = plan
  variables {
    metrics_namespace = "AgentStream/0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
  }
  expect_failures = [var.metrics_namespace]
}

run "rejects_bad_alarm_settings" {
  module {
    source = "./modules/api_streaming"
  }
  command = plan
  variables {
    enable_alarms                    = true
    alarm_sns_topic_arn              = "arn:aws:sqs:us-east-1:123456789012:not-a-topic"
    alarm_period_seconds             = 45
    alarm_evaluation_periods         = 0
    alarm_datapoints_to_alarm        = 0
    alarm_errors_threshold           = 0
    alarm_throttles_threshold        = 0.5
    alarm_duration_p99_timeout_ratio = 1.5
    alarm_first_chunk_p99_ms         = 0
    alarm_error_rate_threshold       = 1
    alarm_error_rate_min_requests    = 0
    dashboard_error_codes            = ["Upstream Timeout"]
  }
  expect_failures = [
    var.alarm_sns_topic_arn, var.alarm_period_seconds, var.alarm_evaluation_periods, var.alarm_datapoints_to_alarm,
    var.alarm_errors_threshold, var.alarm_throttles_threshold, var.alarm_duration_p99_timeout_ratio,
    var.alarm_first_chunk_p99_ms, var.alarm_error_rate_threshold, var.alarm_error_rate_min_requests, var.dashboard_error_codes,
  ]
}

run "rejects_zero_ratio_and_rate" {
  module {
    source = "./modules/api_streaming"
  }
  command = plan
  variables {
    alarm_duration_p99_timeout_ratio = 0
    alarm_error_rate_threshold       = 0
    alarm_evaluation_periods         = 2.5
  }
  expect_failures = [var.alarm_duration_p99_timeout_ratio, var.alarm_error_rate_threshold, var.alarm_evaluation_periods]
}

# --- root configuration (what the deploy script applies) ---------------------------------------------

run "root_passes_operations_settings_through" {
  variables {
    package_zip       = "tests/fixtures/placeholder-package"
    invoke_mode       = "BUFFERED"
    enable_alarms     = true
    enable_dashboard  = true
    metrics_namespace = "AgentStream/test"
  }
  command = plan

  assert {
    condition     = output.invoke_mode == "BUFFERED" && length(output.alarm_names) == 5
    error_message = "root variables reach the module"
  }
}

run "root_nulls_mean_module_defaults" {
  variables {
    package_zip = "tests/fixtures/placeholder-package"
  }
  command = plan

  assert {
    condition     = output.invoke_mode == "RESPONSE_STREAM" && output.alarm_names == [] && output.dashboard_name == null
    error_message = "unset root variables (null) take the module's defaults"
  }
}
