terraform {
  required_providers {
    maia = {
      source = "matillion/maia"
    }
  }
}

# Credentials are best left to the environment:
#   MAIA_CLIENT_ID / MAIA_CLIENT_SECRET (or MATILLION_CLIENT_ID / MATILLION_CLIENT_SECRET),
#   or MAIA_TOKEN for a bearer token.
provider "maia" {
  region      = "eu1" # eu1, us1 or au1
  max_retries = 5
}
