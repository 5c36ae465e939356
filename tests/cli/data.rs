//! End-to-end tests: data (being built).
