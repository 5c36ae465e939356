//! End-to-end tests: jobs (being built).
