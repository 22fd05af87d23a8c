//! A local, faithful emulator of the Maia connections API.
