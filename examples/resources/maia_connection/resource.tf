# A Salesforce connection whose OAuth client credentials live in AWS Secrets Manager.
resource "maia_connection" "salesforce" {
  project_id               = "550e8400-e29b-41d4-a716-446655440002"
  name                     = "salesforce-prod"
  platform_connection_type = "COMPONENT_BASIC"
  auth_type                = "OAUTH_CLIENT_CRED"
  auth_provider            = "salesforce"
  description              = "Salesforce, production"

  secrets_location {
    type   = "AWS_SECRET_MANAGER"
    region = "eu-west-1"
  }

  connection_properties {
    secret_name = "sf-oauth"
    secret_key  = "client_secret"
  }
}

# A plain secret (auth_provider defaults to "NONE" with GENERIC_SECRET).
resource "maia_connection" "warehouse" {
  project_id               = "550e8400-e29b-41d4-a716-446655440002"
  name                     = "warehouse-password"
  platform_connection_type = "COMPONENT_BASIC"
  auth_type                = "GENERIC_SECRET"

  secrets_location {
    type       = "AZURE_SECRET_MANAGER"
    vault_name = "data-team-vault"
  }

  connection_properties {
    secret_name = "warehouse"
    secret_key  = "password"
  }
}

# The project's access to AWS, with the credentials in the default vault.
resource "maia_connection" "aws" {
  project_id               = "550e8400-e29b-41d4-a716-446655440002"
  name                     = "aws-platform"
  platform_connection_type = "CLOUD_PLATFORM_CREDENTIALS"
  auth_type                = "CLOUD_PROVIDER_SECRET"
  auth_provider            = "aws"

  secrets_location {
    type = "DEFAULT_SECRET_VAULT"
  }

  connection_properties {
    credential_secret_name = "aws-platform-credentials"
  }
}
