//! # balanza-stats
//!
//! Descriptive statistics on the canonical trade tables of `balanza-data`: trade balances by
//! partner, product, HS chapter, end use and year; composition shares; top items and growth;
//! currency conversion from a rate table.
//!
//! It must not parse files or print: it takes loaded tables and returns result rows.
