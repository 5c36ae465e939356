//! End-to-end tests: sim (being built).
