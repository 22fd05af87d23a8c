# Quickstart: three Maia connections of different kinds in one project.
#
# The provider reads its endpoint and credentials from the environment (MAIA_ENDPOINT and
# MAIA_TOKEN here; `make demo` points them at the local emulator). No secret value appears in
# this file: a connection only names where its secret lives.

terraform {
  required_providers {
    maia = {
      source = "matillion/maia"
    }
  }
}

provider "maia" {}

variable "project_id" {
  description = "The Data Productivity Cloud project that owns the connections."
  type        = string
  default     = "6f1c2a9e-3b7d-4c58-9e21-0a4d8b7c5f13"
}

# A plain secret (e.g. a database password) kept in AWS Secrets Manager.
resource "maia_connection" "warehouse" {
  project_id               = var.project_id
  name                     = "quickstart-warehouse"
  description              = "Warehouse password, from AWS Secrets Manager"
  platform_connection_type = "COMPONENT_BASIC"
  auth_type                = "GENERIC_SECRET"
  auth_provider            = "NONE"

  secrets_location {
    type   = "AWS_SECRET_MANAGER"
    region = "eu-west-1"
  }

  connection_properties {
    secret_name = "quickstart/warehouse"
    secret_key  = "password"
  }
}

# OAuth client credentials for the Salesforce connector, kept in Azure Key Vault.
resource "maia_connection" "salesforce" {
  project_id               = var.project_id
  name                     = "quickstart-salesforce"
  description              = "Salesforce OAuth client, from Azure Key Vault"
  platform_connection_type = "COMPONENT_BASIC"
  auth_type                = "OAUTH_CLIENT_CRED"
  auth_provider            = "salesforce"

  secrets_location {
    type       = "AZURE_SECRET_MANAGER"
    vault_name = "quickstart-vault"
  }

  connection_properties {
    secret_name = "salesforce-oauth-client"
  }
}

# Cloud platform credentials for AWS, kept in AWS Secrets Manager.
resource "maia_connection" "aws" {
  project_id               = var.project_id
  name                     = "quickstart-aws"
  description              = "AWS access for pipelines"
  platform_connection_type = "CLOUD_PLATFORM_CREDENTIALS"
  auth_type                = "CLOUD_PROVIDER_SECRET"
  auth_provider            = "aws"

  secrets_location {
    type   = "AWS_SECRET_MANAGER"
    region = "us-east-1"
  }

  connection_properties {
    credential_secret_name = "quickstart/aws-credentials"
  }
}

output "connection_names" {
  description = "The connections this configuration manages."
  value = [
    maia_connection.warehouse.name,
    maia_connection.salesforce.name,
    maia_connection.aws.name,
  ]
}
