//! Options and helpers shared by the subcommands: output format and destination.

use balanza_report::{OutputFormat, Table};
use std::path::PathBuf;

/// `--format` and `--out`, shared by every command that prints tables.
#[derive(clap::Args, Debug, Clone)]
pub struct OutputArgs {
    /// Output format: `table` (readable text, the default), `csv` or `json` (an array of row
    /// objects keyed by snake_case column names).
    #[arg(long, default_value = "table", value_parser = parse_format)]
    pub format: OutputFormat,
    /// Write the output to this file (atomically: a temporary name, then a rename) instead of
    /// standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn parse_format(s: &str) -> Result<OutputFormat, String> {
    s.parse()
}

/// Renders the tables in the chosen format and prints them or writes them to `--out`.
///
/// In JSON, one table is its array of row objects; several tables are an array holding each
/// table's array, in order. Text and CSV renderings are separated by a blank line.
pub fn emit(tables: &[Table], out: &OutputArgs) -> anyhow::Result<()> {
    let text = match out.format {
        OutputFormat::Json if tables.len() == 1 => tables[0].render(OutputFormat::Json),
        OutputFormat::Json => {
            let all: Vec<_> = tables.iter().map(Table::to_json).collect();
            let mut s = serde_json::to_string_pretty(&all)?;
            s.push('\n');
            s
        }
        fmt => tables
            .iter()
            .map(|t| t.render(fmt))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    match &out.out {
        Some(path) => balanza_report::write_atomic(path, text.as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}
