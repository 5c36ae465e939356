//! `balanza serve`: the local dashboard and its JSON API (`balanza-serve`), from the flags.

use std::net::IpAddr;
use std::path::PathBuf;

/// Arguments of `balanza serve`.
#[derive(clap::Args, Debug)]
#[command(
    after_long_help = "Serve a local dashboard with the report's charts and a JSON API.

The dashboard lists the datasets (*.parquet) and scenarios (*.toml, also under scenarios/) of
the --data folder; pick a dataset, a reporter and a scenario to see the trade balance by
partner, import composition by end use and the scenario's effects by partner.

API (GET, JSON; a bad or unknown parameter gets 400 with {\"error\": ...}):
  /api/health
  /api/datasets                                  datasets and scenarios in --data
  /api/balance?dataset=D&reporter=ISO3[&by=partner|product|hs2|hs4|section|enduse|year][&year=Y]
  /api/composition?dataset=D&reporter=ISO3[&flow=imports|exports]
                  [&by=enduse|hs2|hs4|section|partner|product][&year=Y]
  /api/scenario?scenario=S                       the tables of `simulate --scenario S`

Examples:
  balanza serve --data ./datasets                 # then open http://127.0.0.1:8080/
  balanza serve --port 0                          # any free port; the address is printed"
)]
pub struct Args {
    /// TCP port; 0 picks a free one. The address is printed on standard output.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on. The default serves this machine only; anything else exposes
    /// your files to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Folder with the datasets (*.parquet) and scenarios (*.toml) to offer.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub data: PathBuf,
    /// Classification tables for end use (hs2017_to_bec4.csv, bec4_to_sna_end_use.csv, ...),
    /// passed to `composition`.
    #[arg(long, value_name = "DIR")]
    pub refdata: Option<PathBuf>,
    /// HS revision of datasets that do not record theirs (e.g. HS2017), for `composition`.
    #[arg(long, value_name = "REV")]
    pub data_hs_revision: Option<String>,
}

/// Runs `balanza serve` until interrupted (Ctrl-C).
pub fn run(args: Args) -> anyhow::Result<()> {
    balanza_serve::serve(balanza_serve::Options {
        port: args.port,
        bind: args.bind,
        data: args.data,
        refdata: args.refdata,
        hs_revision: args.data_hs_revision,
    })
}
