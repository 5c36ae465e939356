//! End-to-end tests: gravity (being built).
