//! End-to-end tests: ge (being built).
