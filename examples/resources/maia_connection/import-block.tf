# Terraform 1.5 and later: an import block (by ID) ...
import {
  to = maia_connection.salesforce
  id = "550e8400-e29b-41d4-a716-446655440002/salesforce-prod"
}

# ... or, from Terraform 1.12, by resource identity.
import {
  to = maia_connection.warehouse
  identity = {
    project_id = "550e8400-e29b-41d4-a716-446655440002"
    name       = "warehouse-password"
  }
}
