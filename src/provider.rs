//! The Maia provider: configuration schema and the resources it serves.
