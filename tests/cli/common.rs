//! Helpers shared by the end-to-end tests: running the binary and finding the shared data.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The `balanza` binary built for this test run.
pub fn balanza() -> Command {
    Command::new(env!("CARGO_BIN_EXE_balanza"))
}

/// Runs `balanza` with arguments and returns its output (never panics on a non-zero exit).
pub fn run(args: &[&str]) -> Output {
    balanza()
        .args(args)
        .output()
        .expect("failed to start balanza")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A file in ../shared/data, or `None` when the data is absent (the test then skips).
pub fn shared(relative: &str) -> Option<PathBuf> {
    balanza_data::testdata::shared_file(relative)
}

/// A fresh scratch folder under the system temporary directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("balanza-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("cannot create scratch folder");
    dir
}
