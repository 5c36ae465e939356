//! What every request runs against: caches of loaded datasets and reference tables.
//!
//! A front end makes one [`Context`] and passes it to every `run`. The command line makes a
//! fresh one per invocation; the dashboard keeps one for its lifetime, so a dataset is read
//! once and then served from memory to every request (and read again when its file changes).

use balanza_data::classification::{EndUseMap, Refdata};
use balanza_data::{ReadOptions, ReadSummary, TradeTable};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Most datasets (and most reference tables) kept; the cache is emptied when full.
const MAX_CACHED: usize = 16;

/// A loaded trade-flow dataset and what reading it found.
#[derive(Debug)]
pub struct Dataset {
    /// The flows.
    pub table: TradeTable,
    /// The read summary (rows, label such as SYNTHETIC DATA, HS revision found).
    pub summary: ReadSummary,
}

/// One cache entry; its lock is held while the entry is loaded, so concurrent requests for the
/// same dataset wait for one read instead of each reading it.
type Slot<T> = Arc<Mutex<Option<Arc<T>>>>;

/// Caches shared by the requests of one front end (see the module documentation).
#[derive(Debug, Default)]
pub struct Context {
    /// Classification tables used when a request names none (the dashboard's `--refdata`).
    pub refdata: Option<PathBuf>,
    datasets: Mutex<HashMap<String, Slot<Dataset>>>,
    end_use: Mutex<HashMap<String, Slot<EndUseMap>>>,
    descriptions: Mutex<HashMap<String, Slot<HashMap<String, String>>>>,
}

impl Context {
    /// A context with empty caches and no default classification tables.
    pub fn new() -> Self {
        Self::default()
    }

    /// A context whose requests use `refdata` when they name no classification folder.
    pub fn with_refdata(refdata: Option<PathBuf>) -> Self {
        Self {
            refdata,
            ..Self::default()
        }
    }

    /// The trade flows of `paths` read with `opts`, from the cache when no file changed.
    pub fn dataset(&self, paths: &[PathBuf], opts: &ReadOptions) -> anyhow::Result<Arc<Dataset>> {
        let key = format!("{paths:?}|{opts:?}|{}", stamps(paths));
        cached(&self.datasets, key, || {
            let (table, summary) = balanza_data::load(paths, opts)?;
            Ok(Dataset { table, summary })
        })
    }

    /// The HS → SNA end-use map of an HS revision from the classification folder `dir`.
    pub fn end_use(&self, dir: &Path, hs_revision: &str) -> anyhow::Result<Arc<EndUseMap>> {
        let key = format!("{dir:?}|{hs_revision}|{}", stamps(&[dir.to_path_buf()]));
        cached(&self.end_use, key, || {
            Ok(Refdata::new(dir).end_use(hs_revision)?)
        })
    }

    /// HS code → description for an HS revision from the classification folder `dir`.
    pub fn hs_descriptions(
        &self,
        dir: &Path,
        hs_revision: &str,
    ) -> anyhow::Result<Arc<HashMap<String, String>>> {
        let key = format!("{dir:?}|{hs_revision}|{}", stamps(&[dir.to_path_buf()]));
        cached(&self.descriptions, key, || {
            Ok(Refdata::new(dir).hs_descriptions(hs_revision)?)
        })
    }
}

/// Modification time and size of each path: a changed file gets a new cache key.
fn stamps(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| match std::fs::metadata(p) {
            Ok(m) => format!("{:?}/{}", m.modified().ok(), m.len()),
            Err(_) => "-".to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The cached value for `key`, loading it (once, whoever asks concurrently) when absent.
/// Failures are not cached: the next request tries again.
fn cached<T>(
    map: &Mutex<HashMap<String, Slot<T>>>,
    key: String,
    load: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<Arc<T>> {
    let slot = {
        let mut m = map.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() >= MAX_CACHED && !m.contains_key(&key) {
            m.clear();
        }
        m.entry(key).or_default().clone()
    };
    let mut value = slot.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = value.as_ref() {
        return Ok(v.clone());
    }
    let loaded = Arc::new(load()?);
    *value = Some(loaded.clone());
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_loads_once_and_not_after_failure() {
        let map = Mutex::new(HashMap::new());
        let mut calls = 0;
        assert!(cached::<u32>(&map, "k".into(), || anyhow::bail!("no")).is_err());
        let a = cached(&map, "k".into(), || {
            calls += 1;
            Ok(7u32)
        })
        .unwrap();
        let b = cached(&map, "k".into(), || {
            calls += 1;
            Ok(8u32)
        })
        .unwrap();
        assert_eq!((*a, *b, calls), (7, 7, 1));
    }
}
