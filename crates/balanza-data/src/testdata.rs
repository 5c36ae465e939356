//! Where the shared reference data lives, for tests and benchmarks.
//!
//! Tests read the real data files in place, never from copies in the repository. The one
//! setting is the environment variable `BALANZA_SHARED_DATA`; when it is unset the default is
//! `../shared/data` next to the workspace root. When the folder is missing, tests skip with a
//! visible message, unless `BALANZA_REQUIRE_DATA=1` (set by `.ci/run`), in which case they fail.

use std::path::PathBuf;

/// The environment variable that points at the shared data folder.
pub const SHARED_DATA_ENV: &str = "BALANZA_SHARED_DATA";

/// The environment variable that turns a missing data folder from a skip into a failure.
pub const REQUIRE_DATA_ENV: &str = "BALANZA_REQUIRE_DATA";

/// The shared data folder, if it exists.
///
/// Resolution: `$BALANZA_SHARED_DATA` if set, else `<workspace root>/../shared/data`.
/// Returns `None` (after printing a skip notice on stderr) when the folder is missing, and
/// panics when it is missing but `BALANZA_REQUIRE_DATA=1` is set: that is the CI contract.
pub fn shared_data_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os(SHARED_DATA_ENV) {
        Some(v) => PathBuf::from(v),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    let required = std::env::var(REQUIRE_DATA_ENV).is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{REQUIRE_DATA_ENV}=1 but the shared data folder {} does not exist (set {SHARED_DATA_ENV})",
        dir.display()
    );
    eprintln!(
        "SKIP: shared data folder {} not found; set {SHARED_DATA_ENV} to run the reference tests",
        dir.display()
    );
    None
}

/// A file inside the shared data folder, or `None` (test skipped) when the folder is missing.
pub fn shared_file(relative: &str) -> Option<PathBuf> {
    shared_data_dir().map(|d| d.join(relative))
}
