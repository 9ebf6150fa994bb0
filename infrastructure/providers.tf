provider "aws" {
  region = var.aws_region

  # aws_endpoint_url points every service at an emulator (moto in `make test-infra`). Empty = real AWS.
  access_key                  = local.emulated ? "test" : null
  secret_key                  = local.emulated ? "test" : null
  skip_credentials_validation = local.emulated
  skip_requesting_account_id  = local.emulated
  skip_metadata_api_check     = local.emulated
  skip_region_validation      = local.emulated

  dynamic "endpoints" {
    for_each = local.emulated ? [1] : []
    content {
      cloudwatch     = var.aws_endpoint_url
      cloudwatchlogs = var.aws_endpoint_url
      iam            = var.aws_endpoint_url
      lambda         = var.aws_endpoint_url
      sts            = var.aws_endpoint_url
    }
  }

  default_tags {
    tags = {
      Project   = "agentstream"
      ManagedBy = "terraform"
    }
  }
}

locals {
  emulated = var.aws_endpoint_url != ""
}
