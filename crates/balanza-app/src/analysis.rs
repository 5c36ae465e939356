//! Any one analysis as a value: what the report and the dashboard ask the application for.
//!
//! A front end that runs several kinds of analysis through one path (the dashboard's result
//! cache, the report's dataset sections, later a batch of scenarios) holds an [`Analysis`],
//! runs it with [`Analysis::tables`] and keys caches on [`Analysis::cache_key`], which names
//! the request and the modification times of the files it reads.

use crate::error::AppResult;
use crate::{balance, composition, simulate, Context};
use balanza_report::Table;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One analysis request of any kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Analysis {
    /// Exports, imports and balance.
    Balance(balance::Request),
    /// Value and share by class.
    Composition(composition::Request),
    /// A PE tariff scenario.
    Simulate(simulate::Request),
}

impl Analysis {
    /// Runs the request and returns its tables as the command line prints them with
    /// `--format json`. A scenario's tables are titled by their names (`by_partner`,
    /// `summary`, ...), empty ones left out, the product markets too (as without `--detail`).
    pub fn tables(&self, ctx: &Context) -> AppResult<Vec<Table>> {
        match self {
            Analysis::Balance(r) => Ok(balance::run(ctx, r)?.tables()),
            Analysis::Composition(r) => Ok(composition::run(ctx, r)?.tables()),
            Analysis::Simulate(r) => {
                let out = simulate::run(ctx, r)?;
                Ok(out
                    .named
                    .into_iter()
                    .filter(|(name, t)| name != "products" && !t.rows.is_empty())
                    .map(|(name, t)| t.with_title(name))
                    .collect())
            }
        }
    }

    /// The files the request reads (for cache keys and messages).
    pub fn files(&self) -> Vec<PathBuf> {
        let mut v = Vec::new();
        match self {
            Analysis::Balance(balance::Request { selection, .. })
            | Analysis::Composition(composition::Request { selection, .. }) => {
                v.extend(selection.data.iter().cloned());
                v.extend(selection.rates.iter().cloned());
                v.extend(selection.refdata.iter().cloned());
            }
            Analysis::Simulate(r) => {
                v.push(r.scenario.clone());
                v.extend(r.flows.iter().cloned());
                v.extend(r.tariffs.iter().cloned());
            }
        }
        v
    }

    /// A key that changes when the request or any file it names changes (its modification
    /// time), so that a result cached under it is never stale. Files a scenario names inside
    /// itself are not seen: the scenario file's own time covers edits to the scenario only.
    pub fn cache_key(&self) -> String {
        let mut key = serde_json::to_string(self).unwrap_or_else(|_| format!("{self:?}"));
        for f in self.files() {
            if let Ok(t) = std::fs::metadata(&f).and_then(|m| m.modified()) {
                key.push_str(&format!("|{t:?}"));
            }
        }
        key
    }
}
