# Opt-in alarms (enable_alarms) and dashboard (enable_dashboard).
#
# Two metric sources:
# - AWS/Lambda, dimension FunctionName: Invocations, Errors, Throttles, Duration, ConcurrentExecutions.
# - The function's own per-invocation log line, which is CloudWatch Embedded Metric Format: namespace
#   metrics_namespace, dimension sets {agent, route} and {} (none). Metrics: FirstByteMs, FirstChunkMs,
#   DurationMs (Milliseconds; the first two only when they happened), Frames, Bytes, and the outcome counts
#   Complete, Error, ClientError (0 or 1 each per invocation) plus, on an Error outcome, a count named by the
#   error code (UpstreamTimeout, Deadline, ...). Alarms use the dimensionless set: one series per namespace.
#
# Metrics extracted from logs can arrive late, so every alarm fires on M breaching periods out of N
# (alarm_datapoints_to_alarm of alarm_evaluation_periods), and no data is "not breaching" (no traffic is fine).

locals {
  alarm_actions     = var.alarm_sns_topic_arn == "" ? [] : [var.alarm_sns_topic_arn]
  lambda_dimensions = { FunctionName = local.function_name }
  region            = data.aws_region.current.name

  # Alarms on one metric and one statistic. The error rate needs metric math and has its own resource.
  metric_alarms = !var.enable_alarms ? {} : {
    errors = {
      description = "Lambda Errors: invocations that failed outright (runtime crash, timeout, init error). Streams that end in an error frame are not Lambda errors; see the error-rate alarm."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = local.lambda_dimensions
      statistic   = "Sum"
      percentile  = null
      threshold   = var.alarm_errors_threshold
      comparison  = "GreaterThanOrEqualToThreshold"
    }
    throttles = {
      description = "Lambda Throttles: requests refused because the function is at its concurrency limit (reserved_concurrency or the account's). Callers got 429."
      namespace   = "AWS/Lambda"
      metric      = "Throttles"
      dimensions  = local.lambda_dimensions
      statistic   = "Sum"
      percentile  = null
      threshold   = var.alarm_throttles_threshold
      comparison  = "GreaterThanOrEqualToThreshold"
    }
    duration-p99 = {
      description = "Lambda Duration p99 is within ${format("%g", 100 - var.alarm_duration_p99_timeout_ratio * 100)} % of the ${var.timeout} s timeout: streams are being cut by the deadline (error frame Deadline)."
      namespace   = "AWS/Lambda"
      metric      = "Duration"
      dimensions  = local.lambda_dimensions
      statistic   = null
      percentile  = "p99"
      threshold   = var.alarm_duration_p99_timeout_ratio * var.timeout * 1000
      comparison  = "GreaterThanOrEqualToThreshold"
    }
    first-chunk-p99 = {
      description = "FirstChunkMs p99 (request start to the agent's first chunk, from the EMF log line) is above ${var.alarm_first_chunk_p99_ms} ms: the agent or AgentCore is slow to start answering."
      namespace   = var.metrics_namespace
      metric      = "FirstChunkMs"
      dimensions  = {}
      statistic   = null
      percentile  = "p99"
      threshold   = var.alarm_first_chunk_p99_ms
      comparison  = "GreaterThanThreshold"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "metric" {
  for_each = local.metric_alarms

  alarm_name          = "${local.function_name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  extended_statistic  = each.value.percentile
  period              = var.alarm_period_seconds
  evaluation_periods  = var.alarm_evaluation_periods
  datapoints_to_alarm = var.alarm_datapoints_to_alarm
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison
  treat_missing_data  = "notBreaching"
  # A p99 over a handful of invocations is noise: keep the alarm's state until there are enough samples.
  evaluate_low_sample_count_percentiles = each.value.percentile == null ? null : "ignore"
  alarm_actions                         = local.alarm_actions
  ok_actions                            = local.alarm_actions
  tags                                  = local.tags

  lifecycle {
    precondition {
      condition     = each.value.namespace != ""
      error_message = "enable_alarms needs metrics_namespace: with an empty namespace the function emits no FirstChunkMs or Error metrics."
    }
    precondition {
      condition     = var.alarm_datapoints_to_alarm <= var.alarm_evaluation_periods
      error_message = "alarm_datapoints_to_alarm (${var.alarm_datapoints_to_alarm}) must not exceed alarm_evaluation_periods (${var.alarm_evaluation_periods})."
    }
  }
}

# Share of invocations whose outcome is Error (an error frame, or an upstream 5xx before streaming). Each
# invocation's log line carries Error = 0 or 1, so its Average over a period is the rate, and its SampleCount
# the number of invocations; periods with fewer than alarm_error_rate_min_requests count as rate 0.
resource "aws_cloudwatch_metric_alarm" "error_rate" {
  count = var.enable_alarms ? 1 : 0

  alarm_name          = "${local.function_name}-error-rate"
  alarm_description   = "More than ${format("%g", var.alarm_error_rate_threshold * 100)} % of invocations ended in an error frame or an upstream 5xx (periods with at least ${var.alarm_error_rate_min_requests} invocations). The dashboard's error-code widget shows which code."
  evaluation_periods  = var.alarm_evaluation_periods
  datapoints_to_alarm = var.alarm_datapoints_to_alarm
  threshold           = var.alarm_error_rate_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = local.tags

  metric_query {
    id          = "rate"
    expression  = "IF(requests >= ${var.alarm_error_rate_min_requests}, errors, 0)"
    label       = "Error outcome rate"
    return_data = true
  }
  metric_query {
    id = "errors"
    metric {
      namespace   = var.metrics_namespace
      metric_name = "Error"
      period      = var.alarm_period_seconds
      stat        = "Average"
    }
  }
  metric_query {
    id = "requests"
    metric {
      namespace   = var.metrics_namespace
      metric_name = "Error"
      period      = var.alarm_period_seconds
      stat        = "SampleCount"
    }
  }

  lifecycle {
    precondition {
      condition     = var.metrics_namespace != ""
      error_message = "enable_alarms needs metrics_namespace: with an empty namespace the function emits no FirstChunkMs or Error metrics."
    }
    precondition {
      condition     = var.alarm_datapoints_to_alarm <= var.alarm_evaluation_periods
      error_message = "alarm_datapoints_to_alarm (${var.alarm_datapoints_to_alarm}) must not exceed alarm_evaluation_periods (${var.alarm_evaluation_periods})."
    }
  }
}

# --- dashboard -------------------------------------------------------------------------------------

locals {
  ns = var.metrics_namespace
  # SEARCH needs the namespace in double quotes when it holds / or spaces; quoting always is valid.
  search_schema = "{\"${var.metrics_namespace}\",agent,route}"
  all_alarm_arns = concat(
    [for a in aws_cloudwatch_metric_alarm.metric : a.arn],
    [for a in aws_cloudwatch_metric_alarm.error_rate : a.arn],
  )

  dashboard_widgets = concat([
    {
      type = "metric", x = 0, y = 0, width = 12, height = 6
      properties = {
        title = "Invocations, Lambda errors and throttles", region = local.region, view = "timeSeries", stat = "Sum", period = 60
        metrics = [
          ["AWS/Lambda", "Invocations", "FunctionName", local.function_name, { label = "Invocations" }],
          ["AWS/Lambda", "Errors", "FunctionName", local.function_name, { label = "Lambda errors" }],
          ["AWS/Lambda", "Throttles", "FunctionName", local.function_name, { label = "Throttles" }],
        ]
      }
    },
    {
      type = "metric", x = 12, y = 0, width = 12, height = 6
      properties = {
        title = "Concurrent executions (open streams)", region = local.region, view = "timeSeries", stat = "Maximum", period = 60
        metrics = [
          ["AWS/Lambda", "ConcurrentExecutions", "FunctionName", local.function_name, { label = "Concurrent executions (max)" }],
        ]
      }
    },
    {
      type = "metric", x = 0, y = 6, width = 12, height = 6
      properties = {
        title = "First chunk and first byte latency (ms)", region = local.region, view = "timeSeries", period = 60
        metrics = [
          [local.ns, "FirstChunkMs", { stat = "p50", label = "First chunk p50" }],
          [local.ns, "FirstChunkMs", { stat = "p99", label = "First chunk p99" }],
          [local.ns, "FirstByteMs", { stat = "p50", label = "First byte p50" }],
          [local.ns, "FirstByteMs", { stat = "p99", label = "First byte p99" }],
        ]
        annotations = { horizontal = [{ label = "first-chunk alarm", value = var.alarm_first_chunk_p99_ms }] }
      }
    },
    {
      type = "metric", x = 12, y = 6, width = 12, height = 6
      properties = {
        title = "Duration (ms)", region = local.region, view = "timeSeries", period = 60
        metrics = [
          ["AWS/Lambda", "Duration", "FunctionName", local.function_name, { stat = "p50", label = "Lambda p50" }],
          ["AWS/Lambda", "Duration", "FunctionName", local.function_name, { stat = "p99", label = "Lambda p99" }],
          ["AWS/Lambda", "Duration", "FunctionName", local.function_name, { stat = "Maximum", label = "Lambda max" }],
          [local.ns, "DurationMs", { stat = "p99", label = "Stream p99 (EMF)" }],
        ]
        annotations = { horizontal = [{ label = "timeout", value = var.timeout * 1000 }] }
      }
    },
    {
      type = "metric", x = 0, y = 12, width = 12, height = 6
      properties = {
        title   = "Error frames by code", region = local.region, view = "timeSeries", stacked = true, stat = "Sum", period = 60
        metrics = [for code in var.dashboard_error_codes : [local.ns, code, { label = code }]]
      }
    },
    {
      type = "metric", x = 12, y = 12, width = 12, height = 6
      properties = {
        title = "Outcomes", region = local.region, view = "timeSeries", stacked = true, stat = "Sum", period = 60
        metrics = [
          [local.ns, "Complete", { label = "Complete" }],
          [local.ns, "Error", { label = "Error (error frame or upstream 5xx)" }],
          [local.ns, "ClientError", { label = "Client error (4xx)" }],
        ]
      }
    },
    {
      type = "metric", x = 0, y = 18, width = 12, height = 6
      properties = {
        title   = "First chunk p99 by agent and route (ms)", region = local.region, view = "timeSeries", period = 300
        metrics = [[{ expression = "SEARCH('${local.search_schema} MetricName=\"FirstChunkMs\"', 'p99', 300)", id = "byroute", label = "" }]]
      }
    },
    {
      type = "metric", x = 12, y = 18, width = 12, height = 6
      properties = {
        title       = "Error outcome rate", region = local.region, view = "timeSeries", period = 60
        metrics     = [[local.ns, "Error", { stat = "Average", label = "Error rate (0-1)" }]]
        yAxis       = { left = { min = 0, max = 1 } }
        annotations = { horizontal = [{ label = "error-rate alarm", value = var.alarm_error_rate_threshold }] }
      }
    },
    ], length(local.all_alarm_arns) == 0 ? [] : [{
      type       = "alarm", x = 0, y = 24, width = 24, height = 3
      properties = { title = "Alarms", alarms = local.all_alarm_arns }
  }])
}

resource "aws_cloudwatch_dashboard" "this" {
  count = var.enable_dashboard ? 1 : 0

  dashboard_name = local.function_name
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })

  lifecycle {
    precondition {
      condition     = var.metrics_namespace != ""
      error_message = "enable_dashboard needs metrics_namespace: with an empty namespace the function emits no first-chunk or error-code metrics to draw."
    }
  }
}
