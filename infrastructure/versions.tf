terraform {
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }

  # State is local (one workspace per environment: scripts/deploy_api_streaming.sh selects it).
  # For a team, add a backend_override.tf (gitignored) with an "s3" backend; see README.md.
}
