//! The `balanza` command line: a thin shell over the balanza library crates.
//!
//! Each subcommand lives in its own module under `cmd/`, parses its arguments, calls one
//! library function and prints the result. Logic worth testing on its own belongs in a crate.

mod cmd;

/// mimalloc serves the estimators' many large, short-lived buffers at least as fast as the
/// hand-written huge-page allocator it replaced (figures in Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// balanza: trade-policy analysis from the command line.
///
/// Load trade flows once, then ask where a country's trade stands (balance, composition, top
/// partners and products), estimate structural gravity models, simulate tariff scenarios and
/// their effects on imports, revenue, welfare and jobs.
///
/// Start with `balanza demo`: it needs no download and shows every step on a synthetic world.
#[derive(Parser)]
#[command(name = "balanza", version, about, long_about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every step on a seeded synthetic world (no download needed).
    Demo(cmd::demo::Args),
    /// Read BACI, Comtrade/WITS or mapped CSV/Parquet trade flows into a Parquet dataset.
    Ingest(cmd::ingest::Args),
    /// Exports, imports and trade balance of a reporter, by partner, product, end use or year.
    Balance(cmd::balance::Args),
    /// Value and share of a reporter's imports or exports by end use, HS chapter or section.
    Composition(cmd::composition::Args),
    /// Largest partners or products of a reporter, with growth between the first and last year.
    Top(cmd::top::Args),
    /// Estimate a structural gravity model by PPML or OLS with high-dimensional fixed effects.
    Estimate(cmd::estimate::Args),
    /// Simulate a tariff scenario in partial equilibrium (WITS/SMART or exact CES).
    Simulate(cmd::simulate::Args),
    /// Solve a general-equilibrium structural gravity counterfactual (GEPPML / exact hat algebra).
    Ge(cmd::ge::Args),
    /// Jobs and value added supported by trade, from input-output tables.
    Jobs(cmd::jobs::Args),
    /// Write a self-contained HTML report with charts of balance, scenario, GE and jobs results.
    Report(cmd::report::Args),
    /// Serve a local dashboard (127.0.0.1) with the same charts and a JSON API under /api.
    Serve(cmd::serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(a) => cmd::demo::run(a),
        Command::Ingest(a) => cmd::ingest::run(a),
        Command::Balance(a) => cmd::balance::run(a),
        Command::Composition(a) => cmd::composition::run(a),
        Command::Top(a) => cmd::top::run(a),
        Command::Estimate(a) => cmd::estimate::run(a),
        Command::Simulate(a) => cmd::simulate::run(a),
        Command::Ge(a) => cmd::ge::run(a),
        Command::Jobs(a) => cmd::jobs::run(a),
        Command::Report(a) => cmd::report::run(a),
        Command::Serve(a) => cmd::serve::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            // 2 = the input or the request was at fault (bad file, bad option, no convergence);
            // the message says what and where.
            ExitCode::from(2)
        }
    }
}
