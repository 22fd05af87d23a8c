//! Placeholder: a direct plugin-protocol client for tests (written by another helper).
