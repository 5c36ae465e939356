//! End-to-end tests: report and dashboard (being built).
