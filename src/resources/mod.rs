//! The resource types of the Maia provider.
