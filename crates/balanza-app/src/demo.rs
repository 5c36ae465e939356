//! `balanza demo`'s inputs and runs: a seeded synthetic world, its tariffs, a GE scenario and
//! an input-output table, each written under the demo's folder and analysed like real data.
//!
//! The world comes from `balanza_data::synth` (a seeded SplitMix64 generator), so the same
//! seed gives the same files on every machine. Everything it writes is labelled synthetic
//! (the dataset through its Parquet key `balanza.label`). The front end prints the steps.

use crate::error::AppResult;
use crate::query::SYNTHETIC_LABEL;
use crate::simulate::{build_tables, load_flows, write_dir};
use crate::{ge, jobs, Context};
use anyhow::Context as _;
use balanza_data::synth::{builtin_end_use, write_world_csv};
use balanza_data::{ColumnMap, ReadOptions, SourceFormat};
use balanza_pe::scenario::products::EndUseMap;
use balanza_pe::scenario::run::Outcome;
use balanza_pe::scenario::Scenario;
use balanza_pe::tariffs::{synthetic_mfn, TariffTable};
use balanza_report::{write_atomic, OutputFormat, Table};
use std::path::{Path, PathBuf};

/// Where a demo run lives and what it looks at.
#[derive(Debug, Clone)]
pub struct Demo {
    /// A folder for this run's files (datasets, scenario results, the report).
    pub dir: PathBuf,
    /// The synthetic trade-flow dataset (Parquet), written by [`write_dataset`].
    pub dataset: PathBuf,
    /// The reporter the demo looks at (ISO3).
    pub reporter: String,
    /// The seed of the synthetic world; the same seed gives the same world.
    pub seed: u64,
}

impl Demo {
    /// A demo run in `dir` (default: a folder under the system temporary directory named after
    /// the seed), created if missing; `reporter` must be one of the synthetic countries.
    pub fn new(dir: Option<PathBuf>, reporter: &str, seed: u64) -> anyhow::Result<Demo> {
        let reporter = reporter.trim().to_ascii_uppercase();
        if !balanza_data::synth::COUNTRIES
            .iter()
            .any(|c| c.0 == reporter)
        {
            let list: Vec<&str> = balanza_data::synth::COUNTRIES.iter().map(|c| c.0).collect();
            anyhow::bail!(
                "the synthetic world has no country `{reporter}`: choose one of {}",
                list.join(", ")
            );
        }
        let dir = dir.unwrap_or_else(|| std::env::temp_dir().join(format!("balanza-demo-{seed}")));
        std::fs::create_dir_all(&dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        Ok(Demo {
            dataset: dir.join("world.parquet"),
            dir,
            reporter,
            seed,
        })
    }
}

/// The data step: the reporter's balance by partner (the ten largest) and by year, the end-use
/// composition of its imports and its top ten export products, each with the file stem the demo
/// saves it under.
pub fn describe(ctx: &Context, d: &Demo) -> AppResult<Vec<(&'static str, Table)>> {
    use crate::query::{Breakdown, Query, Selection};
    use crate::{balance, composition, top};
    use balanza_data::Flow;
    let selection = Selection {
        data: vec![d.dataset.clone()],
        reporter: d.reporter.clone(),
        ..Selection::default()
    };
    let q = Query::load(ctx, &selection)?;
    let mut by_partner = balance::table(ctx, &q, Breakdown::Partner)?;
    by_partner.rows.truncate(10);
    by_partner.note("(the 10 largest partners by total trade; total row left out of this excerpt)");
    Ok(vec![
        ("balance_by_partner", by_partner),
        ("balance_by_year", balance::table(ctx, &q, Breakdown::Year)?),
        (
            "composition_imports_enduse",
            composition::table(ctx, &q, Flow::Imports, Breakdown::EndUse)?,
        ),
        (
            "top_export_products",
            top::table(ctx, &q, Flow::Exports, Breakdown::Product, 10)?,
        ),
    ])
}

/// The example scenario the demo runs (zero tariffs for LDCs with diplomatic relations).
pub const SCENARIO_TEXT: &str =
    include_str!("../../../examples/scenarios/china_ldc_zero_tariff.toml");

/// Generates the world and writes it as a labelled Parquet dataset through the real ingest
/// path; returns its row count.
pub fn write_dataset(d: &Demo) -> anyhow::Result<u64> {
    let csv = d.dir.join("world.csv");
    write_world_csv(&csv, d.seed)?;
    let mut map = ColumnMap::parse("year=year,exporter=exporter,importer=importer,product=hs6,value=value_usd,quantity=quantity_t")
        .map_err(anyhow::Error::msg)?;
    map.value_scale = 1.0;
    let opts = ReadOptions {
        format: SourceFormat::Mapped(map),
        hs_revision: Some("HS2017".to_string()),
        label: Some(SYNTHETIC_LABEL.to_string()),
        ..ReadOptions::default()
    };
    let mut rows = 0;
    let mut err = None;
    let write =
        balanza_report::atomic::write_atomic_with(&d.dataset, |w| {
            match balanza_data::ingest(
                std::slice::from_ref(&csv),
                &opts,
                w,
                &d.dataset,
                &mut |_, _, _| {},
            ) {
                Ok((_, n)) => {
                    rows = n;
                    Ok(())
                }
                Err(e) => {
                    err = Some(e);
                    Err(std::io::Error::other("ingest failed"))
                }
            }
        });
    // The raw CSV was only a vehicle for the real ingest path; the dataset is what later steps use.
    let _ = std::fs::remove_file(&csv);
    if let Some(e) = err {
        return Err(e.into());
    }
    write?;
    Ok(rows)
}

/// The demo's PE scenario, as run.
pub struct Simulated {
    /// The shipped example with the demo's importer, year and synthetic tariffs.
    pub scenario: Scenario,
    /// Line-level results.
    pub outcome: Outcome,
    /// The result tables, also written as CSV under `dir/simulate`.
    pub tables: Vec<(String, Table)>,
    /// The synthetic tariff file written.
    pub tariffs: PathBuf,
}

/// Synthetic MFN tariffs for the importer, then the shipped example "zero tariffs for LDCs
/// with diplomatic relations" on the synthetic world (China's scheme; for the demo's reporter
/// when the world has no Chinese imports). Needs [`write_dataset`] first.
pub fn simulate(ctx: &Context, d: &Demo) -> AppResult<Simulated> {
    Ok(simulate_inner(ctx, d)?)
}

fn simulate_inner(ctx: &Context, d: &Demo) -> anyhow::Result<Simulated> {
    let flows = &load_flows(ctx, &d.dataset)?.table;
    let has_imports = |iso: &str| {
        flows
            .country_id(iso)
            .is_some_and(|id| flows.importer.contains(&id))
    };
    let importer = if has_imports("CHN") {
        "CHN".to_string()
    } else {
        d.reporter.clone()
    };
    let id = flows
        .country_id(&importer)
        .with_context(|| format!("the synthetic world has no country {importer}"))?;
    let year = (0..flows.len())
        .filter(|&r| flows.importer[r] == id)
        .map(|r| flows.year[r])
        .max()
        .with_context(|| format!("the synthetic world has no imports of {importer}"))?;
    let tariff_path = d.dir.join("tariffs_synthetic.csv");
    let tariffs = synthetic_mfn(&importer, &flows.products, year, d.seed);
    write_atomic(&tariff_path, tariffs.to_csv().as_bytes())
        .with_context(|| format!("cannot write {}", tariff_path.display()))?;
    let mut sc = Scenario::parse(SCENARIO_TEXT, &d.dir).map_err(|issues| {
        anyhow::anyhow!(
            "the shipped example scenario does not validate: {}",
            issues
                .iter()
                .map(|i| format!("{}: {}", i.key, i.message))
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    sc.importer = importer;
    sc.base_year = year;
    sc.data.tariffs = Some(tariff_path.clone());
    sc.data.mfn_rate = None;
    let tariffs = TariffTable::read(&tariff_path)?;
    // End uses of the synthetic products (the demo's built-in HS → SNA class table).
    let end_use = EndUseMap::from_value_map(builtin_end_use());
    let outcome =
        balanza_pe::scenario::run::run_with(&sc, flows, &tariffs, &Default::default(), &end_use)?;
    let tables = build_tables(&sc, &outcome);
    write_dir(
        &d.dir.join("simulate"),
        &tables,
        &outcome,
        OutputFormat::Csv,
    )?;
    Ok(Simulated {
        scenario: sc,
        outcome,
        tables,
        tariffs: tariff_path,
    })
}

/// Countries of the demo's GE world.
pub const GE_COUNTRIES: usize = 20;

/// A GE world of [`GE_COUNTRIES`] synthetic countries and a scenario in which four of them
/// remove their internal borders, written as `ge_synthetic_world.csv` and `ge_scenario.toml`,
/// then solved. Returns the solution and the two files.
pub fn ge(ctx: &Context, d: &Demo) -> AppResult<(ge::Output, PathBuf, PathBuf)> {
    use balanza_ge::synthetic::{code, world_csv};
    let (data, path) = (|| -> anyhow::Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(&d.dir)
            .with_context(|| format!("cannot create {}", d.dir.display()))?;
        let data = d.dir.join("ge_synthetic_world.csv");
        write_atomic(
            &data,
            world_csv(GE_COUNTRIES, d.seed, false, 0.3).as_bytes(),
        )
        .with_context(|| format!("cannot write {}", data.display()))?;
        let members: Vec<String> = (0..4).map(code).collect();
        let list = members
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let scenario = format!(
            "name = \"SYNTHETIC: a customs union of {m} removes its internal borders\"\n\
             [ge]\ndata = \"ge_synthetic_world.csv\"\nreference = \"{r}\"\nsigma = 5\n\
             costs = [\"ln_dist\", \"cntg\", \"intl_brdr\"]\n\n\
             [[ge.changes]]\nname = \"no border inside the union\"\nvariable = \"intl_brdr\"\nset = 0\n\
             exporters = [{list}]\nimporters = [{list}]\n",
            m = members.join(", "),
            r = code(0),
        );
        let path = d.dir.join("ge_scenario.toml");
        write_atomic(&path, scenario.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok((data, path))
    })()?;
    let req = ge::Request {
        scenario: path.clone(),
        ..ge::Request::default()
    };
    Ok((ge::run(ctx, &req)?, data, path))
}

/// A seeded synthetic four-industry economy written under `dir/io_synthetic` in the
/// documented layout (docs/io-layout.md), then analysed like a real table (jobs and value
/// added supported by exports), its tables labelled synthetic.
pub fn jobs(ctx: &Context, d: &Demo) -> AppResult<Vec<Table>> {
    let dir = d.dir.join("io_synthetic");
    write_io_table(&dir, d.seed)?;
    let req = jobs::Request {
        io: dir.clone(),
        ..jobs::Request::default()
    };
    let mut tables = jobs::run(ctx, &req)?.tables;
    for t in &mut tables {
        t.title = Some(format!(
            "SYNTHETIC input-output table (seed {}): jobs and value added supported by exports",
            d.seed
        ));
        t.note(format!(
            "SYNTHETIC: a made-up 4-industry economy written to {}; not real statistics",
            dir.display()
        ));
    }
    Ok(tables)
}

/// Writes a small balanced, productive IO table: Z entries in [0, 10], final demand in
/// [60, 120] per industry (so every column of A sums to well under 1), exports a random part
/// of it, value added = output − intermediate inputs, jobs per unit of output in [2, 20].
pub fn write_io_table(dir: &Path, seed: u64) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    // The data layer's one seeded generator (balanza_data::synth).
    let mut rng = balanza_data::synth::SplitMix64(seed ^ 0x6a6f_6273);
    let names = ["agriculture", "manufacturing", "services", "mining"];
    let n = names.len();
    let round2 = |v: f64| (v * 100.0).round() / 100.0;
    let z: Vec<Vec<f64>> = (0..n)
        .map(|_| (0..n).map(|_| round2(rng.uniform() * 10.0)).collect())
        .collect();
    let y: Vec<[f64; 2]> = (0..n)
        .map(|_| {
            let total = 60.0 + 60.0 * rng.uniform();
            let exp = round2(total * (0.1 + 0.5 * rng.uniform()));
            [round2(total - exp), exp]
        })
        .collect();
    let x: Vec<f64> = (0..n)
        .map(|i| z[i].iter().sum::<f64>() + y[i][0] + y[i][1])
        .collect();
    let va: Vec<f64> = (0..n)
        .map(|j| x[j] - (0..n).map(|i| z[i][j]).sum::<f64>())
        .collect();
    let jobs: Vec<f64> = (0..n)
        .map(|j| (x[j] * (2.0 + 18.0 * rng.uniform())).round())
        .collect();
    let header = names.join(",");
    let mut zs = format!("row,{header}\n");
    let mut ys = "row,domestic_final_demand,exports\n".to_string();
    let mut xs = "row,gross_output\n".to_string();
    let mut es = "row,employment\n".to_string();
    for i in 0..n {
        let row: Vec<String> = z[i].iter().map(|v| v.to_string()).collect();
        zs.push_str(&format!("{},{}\n", names[i], row.join(",")));
        ys.push_str(&format!("{},{},{}\n", names[i], y[i][0], y[i][1]));
        xs.push_str(&format!("{},{}\n", names[i], x[i]));
        es.push_str(&format!("{},{}\n", names[i], jobs[i]));
    }
    let vs = format!(
        "row,{header}\nvalue_added,{}\n",
        va.iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    for (file, text) in [
        ("Z.csv", zs),
        ("Y.csv", ys),
        ("x.csv", xs),
        ("employment.csv", es),
        ("value_added.csv", vs),
    ] {
        let p = dir.join(file);
        write_atomic(&p, text.as_bytes()).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use balanza_leontief::{Analysis, IoSystem, LoadOptions};

    fn demo(name: &str, reporter: &str, seed: u64) -> Demo {
        let dir = std::env::temp_dir().join(format!("balanza-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Demo {
            dataset: dir.join("world.parquet"),
            dir,
            reporter: reporter.into(),
            seed,
        }
    }

    /// The PE step runs the shipped LDC example on the synthetic world (for any reporter:
    /// the synthetic world has Chinese imports) and writes its tables.
    #[test]
    fn simulate_runs_the_example_on_the_synthetic_world() {
        let d = demo("sim-demo", "ZAF", 42);
        write_dataset(&d).unwrap();
        let s = simulate(&Context::new(), &d).unwrap();
        assert_eq!(s.scenario.importer, "CHN");
        assert!(d.dir.join("simulate/lines.csv").exists());
        let summary = std::fs::read_to_string(d.dir.join("simulate/summary.csv")).unwrap();
        assert!(summary.contains("import_change"));
        assert!(s.tariffs.exists());
        std::fs::remove_dir_all(&d.dir).unwrap();
    }

    /// The GE step writes its synthetic world and scenario and solves them.
    #[test]
    fn ge_solves_the_synthetic_world() {
        let d = demo("ge-demo", "CHN", 7);
        let (out, data, scenario) = ge(&Context::new(), &d).unwrap();
        let world = std::fs::read_to_string(data).unwrap();
        assert_eq!(world.lines().count(), GE_COUNTRIES * GE_COUNTRIES + 1);
        assert!(scenario.exists());
        assert_eq!(out.countries(false).rows.len(), GE_COUNTRIES);
        std::fs::remove_dir_all(&d.dir).unwrap();
    }

    #[test]
    fn io_table_is_seeded_balanced_and_productive() {
        let d = demo("jobs-demo", "SYN", 7);
        jobs(&Context::new(), &d).unwrap();
        let z1 = std::fs::read_to_string(d.dir.join("io_synthetic/Z.csv")).unwrap();
        jobs(&Context::new(), &d).unwrap();
        let z2 = std::fs::read_to_string(d.dir.join("io_synthetic/Z.csv")).unwrap();
        assert_eq!(z1, z2, "same seed, same table");
        let sys = IoSystem::load(&d.dir.join("io_synthetic"), &LoadOptions::default()).unwrap();
        // Balanced by construction: no "does not balance" note; value added = x − Z'1 > 0.
        assert!(sys.notes.iter().all(|n| !n.contains("does not balance")));
        let an = Analysis::new(&sys).unwrap();
        assert!(an.notes.is_empty(), "{:?}", an.notes);
        // No imports or taxes in this economy, so value added closes every column and the
        // value added embodied in exports is the exports themselves (v' L = 1').
        let e = sys.exports().unwrap();
        let va = sys.find_satellites("value_added");
        let content = an.content(va[0], &e).total;
        assert!((content - e.iter().sum::<f64>()).abs() < 1e-9, "{content}");
        std::fs::remove_dir_all(&d.dir).unwrap();
    }
}
