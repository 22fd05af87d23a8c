# A connection is imported by "<project_id>/<name>".
terraform import maia_connection.salesforce 550e8400-e29b-41d4-a716-446655440002/salesforce-prod
