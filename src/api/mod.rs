//! The Maia REST client. Knows nothing of Terraform.
