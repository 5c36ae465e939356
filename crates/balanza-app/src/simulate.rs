//! A tariff scenario in partial equilibrium (WITS/SMART or exact CES): the scenario file, the
//! flows and tariffs it names, and every result table (summary, by partner, measure, region,
//! section and end use, the importer's balance, coverage, product markets, line results).

use crate::error::AppResult;
use crate::Context;
use anyhow::Context as _;
use balanza_pe::scenario::run::{Aggregate, Outcome};
use balanza_pe::scenario::Scenario;
use balanza_report::{write_atomic, Cell, OutputFormat, Table};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A scenario to simulate: the file, and what the command line may put in its place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Request {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Trade flows to use instead of the scenario's `data.flows`.
    pub flows: Option<PathBuf>,
    /// Tariff file to use instead of the scenario's `data.tariffs`.
    pub tariffs: Option<PathBuf>,
    /// Base year to use instead of the scenario's `base_year`.
    pub base_year: Option<i32>,
}

/// A simulated scenario: the scenario as run, the line-level outcome and the result tables.
pub struct Output {
    /// The scenario as run (after the request's overrides).
    pub scenario: Scenario,
    /// Line-level results.
    pub outcome: Outcome,
    /// Every result table, named (the names become file names with `--out`).
    pub named: Vec<(String, Table)>,
    /// Seconds spent loading the flows and simulating.
    pub seconds: (f64, f64),
}

impl Output {
    /// Every result table but the product markets and the lines (the summary a person reads).
    pub fn tables(&self) -> Vec<Table> {
        self.named
            .iter()
            .filter(|(n, _)| n != "products")
            .map(|(_, t)| t.clone())
            .collect()
    }

    /// The line-level results as a [`Table`] (for small markets; [`Output::write_dir`]
    /// streams them instead).
    pub fn lines_table(&self) -> Table {
        lines_table(&self.outcome)
    }

    /// Writes every table into `dir`, one file each (`.csv`, or `.json` with
    /// [`OutputFormat::Json`]), each atomically, the line table streamed.
    pub fn write_dir(&self, dir: &Path, format: OutputFormat) -> anyhow::Result<()> {
        write_dir(dir, &self.named, &self.outcome, format)
    }
}

/// Simulates a scenario.
pub fn run(ctx: &Context, req: &Request) -> AppResult<Output> {
    Ok(simulate(ctx, req)?)
}

fn simulate(ctx: &Context, req: &Request) -> anyhow::Result<Output> {
    let mut sc = Scenario::load(&req.scenario)?;
    if let Some(f) = &req.flows {
        sc.data.flows = Some(f.clone());
    }
    if let Some(t) = &req.tariffs {
        sc.data.tariffs = Some(t.clone());
    }
    if let Some(y) = req.base_year {
        sc.base_year = y;
    }
    let Some(flows_path) = sc.data.flows.clone() else {
        anyhow::bail!(
            "{}: no trade flows: set data.flows in the scenario or pass --flows FILE",
            req.scenario.display()
        );
    };
    let t_load = std::time::Instant::now();
    let flows = load_flows(ctx, &flows_path)?;
    let load_s = t_load.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let outcome = balanza_pe::scenario::run::run(&sc, &flows.table)?;
    let sim_s = started.elapsed().as_secs_f64();
    let named = build_tables(&sc, &outcome);
    Ok(Output {
        scenario: sc,
        outcome,
        named,
        seconds: (load_s, sim_s),
    })
}

/// Reads trade flows with the data layer's readers (format detected from the file), through
/// the context's cache.
pub fn load_flows(
    ctx: &Context,
    path: &Path,
) -> anyhow::Result<std::sync::Arc<crate::context::Dataset>> {
    ctx.dataset(&[path.to_path_buf()], &Default::default())
        .with_context(|| format!("cannot read trade flows from {}", path.display()))
}

/// A change in percent of its base (empty when the base is 0).
fn pct(change: f64, old: f64) -> Cell {
    if old != 0.0 {
        Cell::Float(100.0 * change / old)
    } else {
        Cell::Null
    }
}

fn agg_table(title: &str, key: &str, rows: &[Aggregate]) -> Table {
    let mut t = Table::new([
        key,
        "lines",
        "baseline_imports",
        "new_imports",
        "import_change",
        "import_change_pct",
        "trade_creation",
        "trade_diversion",
        "revenue_change",
        "consumer_surplus",
        "welfare",
    ])
    .with_title(title);
    for a in rows {
        t.push(vec![
            a.key.clone().into(),
            a.lines.into(),
            a.baseline.into(),
            a.new_imports.into(),
            a.import_change().into(),
            pct(a.import_change(), a.baseline),
            a.creation.into(),
            a.net_diversion().into(),
            a.revenue_change.into(),
            a.consumer_surplus.into(),
            a.welfare.into(),
        ]);
    }
    t
}

/// Every result table, named (the names become file names with `--out`).
pub fn build_tables(sc: &Scenario, o: &Outcome) -> Vec<(String, Table)> {
    let tot = o.totals();
    let cov = &o.coverage;
    let model = o.model.name();
    let mut summary = Table::new(["metric", "value"]).with_title(format!(
        "Scenario: {} — importer {}, base year {}, groups as of {}, model {} (values in US$)",
        sc.name, sc.importer, sc.base_year, sc.date, model
    ));
    let a = &tot.all;
    let rows: Vec<(&str, f64)> = vec![
        ("baseline_imports", a.baseline),
        ("new_imports", a.new_imports),
        ("import_change", a.import_change()),
        ("trade_creation", a.creation),
        ("trade_diversion", a.net_diversion()),
        ("tariff_revenue_before", tot.revenue_before),
        ("tariff_revenue_after", tot.revenue_after),
        ("tariff_revenue_change", a.revenue_change),
        ("consumer_surplus_change", a.consumer_surplus),
        ("welfare_triangle_tc", tot.welfare_triangle_tc),
        ("welfare_triangle_tc_td", tot.welfare_triangle_tc_td),
        ("net_welfare", tot.net_welfare),
        ("trade_balance_change", -a.import_change()),
    ];
    let smart = o.model == balanza_pe::market::Model::Smart;
    for (k, v) in rows {
        if !smart && k.starts_with("welfare_triangle") {
            continue; // SMART-only figures
        }
        summary.push(vec![k.into(), v.into()]);
    }
    summary.note(if smart {
        format!(
            "SMART: welfare = Harberger triangle ½Σ(t0−t1)·TC (the WITS figure); consumer surplus \
             = rectangle + triangle; net welfare = ΔCS + ΔTR. σ = {}, export supply {}.",
            sc.params.sigma,
            sc.params
                .export_supply
                .map_or("infinite".to_string(), |e| e.to_string())
        )
    } else {
        format!(
            "CES: exact consumer surplus per product (docs/models.md §1.4); net welfare = ΔCS + ΔTR. \
             σ = {}, export supply infinite.",
            sc.params.sigma
        )
    });
    if cov.products_default_elasticity > 0 {
        summary.note(format!(
            "DEFAULT ELASTICITY: |ε| = {} used for {} of {} products (no estimate given; \
             placeholder per docs/models.md §1.5 — set data.elasticities).",
            sc.default_demand_elasticity, cov.products_default_elasticity, cov.products
        ));
    }
    if cov.imports_without_tariff > 0 {
        summary.note(format!(
            "LEFT OUT: {} import lines (US$ {:.0}) have no tariff rate and are not simulated.",
            cov.imports_without_tariff, cov.imports_without_tariff_value
        ));
    }
    if cov.non_hs6_lines > 0 {
        summary.note(format!(
            "LEFT OUT: {} import lines (US$ {:.0}) have a product code that is not HS6.",
            cov.non_hs6_lines, cov.non_hs6_value
        ));
    }
    if cov.clamped_lines > 0 {
        summary.note(format!(
            "{} lines would have negative imports under SMART's linear creation and were set to 0.",
            cov.clamped_lines
        ));
    }

    let mut measures = Table::new(["measure", "partners", "countries", "products", "change"])
        .with_title("Measures (applied in order)");
    for m in &sc.measures {
        measures.push(vec![
            m.name.clone().into(),
            m.partners_expr.clone().into(),
            m.partners.len().into(),
            m.products.label().into(),
            m.action.label().into(),
        ]);
    }

    let mut coverage = Table::new(["item", "count"]).with_title("Data coverage");
    for (k, v) in [
        ("import_lines", cov.import_lines),
        ("lines_simulated", o.lines.len()),
        ("imports_without_tariff_line", cov.imports_without_tariff),
        ("imports_not_hs6", cov.non_hs6_lines),
        (
            "tariff_lines_without_imports",
            cov.tariff_lines_without_imports,
        ),
        (
            "tariff_rows_for_partners_without_imports",
            cov.tariff_rows_partner_without_imports,
        ),
        ("products", cov.products),
        (
            "products_with_default_elasticity",
            cov.products_default_elasticity,
        ),
        ("lines_clamped_at_zero", cov.clamped_lines),
    ] {
        coverage.push(vec![k.into(), v.into()]);
    }
    coverage.note(format!(
        "imports without a tariff line: US$ {:.0} (left out); tariff years used: {}",
        cov.imports_without_tariff_value,
        if cov.tariff_years.is_empty() {
            "none given (flat rate)".to_string()
        } else {
            cov.tariff_years
                .iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    ));

    // Trade balance by partner: exports are the importer's base-year exports to the partner.
    let mut balance = Table::new([
        "partner",
        "exports",
        "baseline_imports",
        "new_imports",
        "baseline_balance",
        "new_balance",
        "balance_change",
    ])
    .with_title("Trade balance of the importer (exports − imports), by partner");
    let by_partner = o.by_partner();
    let (mut ex_t, mut b_t, mut n_t) = (0.0, 0.0, 0.0);
    for p in &by_partner {
        // With the importer's exports in the data, a partner it does not sell to has exports 0.
        let ex = (!o.exports.is_empty()).then(|| o.exports.get(&p.key).copied().unwrap_or(0.0));
        ex_t += ex.unwrap_or(0.0);
        b_t += p.baseline;
        n_t += p.new_imports;
        balance.push(vec![
            p.key.clone().into(),
            ex.into(),
            p.baseline.into(),
            p.new_imports.into(),
            ex.map(|e| e - p.baseline).into(),
            ex.map(|e| e - p.new_imports).into(),
            (p.baseline - p.new_imports).into(),
        ]);
    }
    let known = (!o.exports.is_empty()).then_some(ex_t);
    balance.push(vec![
        "TOTAL".into(),
        known.into(),
        b_t.into(),
        n_t.into(),
        known.map(|e| e - b_t).into(),
        known.map(|e| e - n_t).into(),
        (b_t - n_t).into(),
    ]);
    if o.exports.is_empty() {
        balance.note(
            "The flows hold no exports of the importer, so balances are not shown; the change \
             (= −import change, at unchanged exports) is.",
        );
    }

    let mut products = Table::new([
        "product",
        "section",
        "end_use",
        "demand_elasticity",
        "default_elasticity",
        "price_index",
        "quantity_index",
        "consumer_surplus",
    ])
    .with_title("Product markets");
    for (p, pr) in o.products.iter().enumerate() {
        products.push(vec![
            o.product_codes[p].clone().into(),
            balanza_pe::scenario::products::hs_section(&o.product_codes[p]).into(),
            o.product_end_use[p].into(),
            o.market.demand_elasticity[p].into(),
            (if o.product_default_eps[p] {
                "yes"
            } else {
                "no"
            })
            .into(),
            pr.price_index.into(),
            pr.quantity_index.into(),
            pr.consumer_surplus.into(),
        ]);
    }

    vec![
        ("summary".into(), summary),
        ("measures".into(), measures),
        (
            "by_partner".into(),
            agg_table("By partner", "partner", &by_partner),
        ),
        (
            "by_measure".into(),
            agg_table("By partner group (measure)", "group", &o.by_measure()),
        ),
        (
            "by_region".into(),
            agg_table("By partner region (M49)", "region", &o.by_region()),
        ),
        (
            "by_section".into(),
            agg_table("By HS section", "section", &o.by_section()),
        ),
        (
            "by_end_use".into(),
            agg_table("By end use (BEC → SNA)", "end_use", &o.by_end_use()),
        ),
        ("balance".into(), balance),
        ("coverage".into(), coverage),
        ("products".into(), products),
    ]
}

const LINE_COLUMNS: [&str; 14] = [
    "partner",
    "product",
    "regime",
    "measure",
    "base_tariff_pct",
    "new_tariff_pct",
    "baseline_imports",
    "new_imports",
    "trade_creation",
    "trade_diversion",
    "revenue_change",
    "consumer_surplus",
    "welfare",
    "price_effect",
];

/// The text cells and numbers of one line, in [`LINE_COLUMNS`] order.
fn line_fields(o: &Outcome, i: usize) -> ([&str; 4], [f64; 10]) {
    let r = &o.lines[i];
    let measure = o.measure[i].map_or("", |k| o.measure_names[k as usize].as_str());
    (
        [
            o.partner_code(i),
            o.product_codes[o.product[i] as usize].as_str(),
            o.regime_names[o.regime[i] as usize].as_str(),
            measure,
        ],
        [
            o.market.t0[i] * 100.0,
            o.market.t1[i] * 100.0,
            o.market.imports[i],
            r.new_imports,
            r.creation,
            r.diversion,
            r.revenue_change,
            r.consumer_surplus,
            r.welfare,
            r.price_effect,
        ],
    )
}

/// The line-level results as a [`Table`] (for `--detail` on standard output).
fn lines_table(o: &Outcome) -> Table {
    let mut t = Table::new(LINE_COLUMNS).with_title("Line results (partner × HS6 product)");
    for i in 0..o.lines.len() {
        let (text, nums) = line_fields(o, i);
        let mut row: Vec<Cell> = text
            .iter()
            .enumerate()
            .map(|(k, s)| {
                if k == 3 && s.is_empty() {
                    Cell::Null
                } else {
                    Cell::from(*s)
                }
            })
            .collect();
        row.extend(nums.iter().map(|v| Cell::Float(*v)));
        t.push(row);
    }
    t
}

/// Streams the line-level results (one row per partner × product; a million rows for a large
/// market) as CSV or JSON without building a table of cells first.
fn write_lines(o: &Outcome, w: &mut dyn std::io::Write, json: bool) -> std::io::Result<()> {
    let text_json = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let num_json = |v: f64| {
        if v.is_finite() {
            v.to_string()
        } else {
            "null".to_string()
        }
    };
    if json {
        w.write_all(b"[")?;
    } else {
        writeln!(w, "{}", LINE_COLUMNS.join(","))?;
    }
    for i in 0..o.lines.len() {
        let (text, nums) = line_fields(o, i);
        if json {
            if i > 0 {
                w.write_all(b",")?;
            }
            w.write_all(b"\n  {")?;
            for (k, s) in text.iter().enumerate() {
                let v = if k == 3 && s.is_empty() {
                    "null".to_string()
                } else {
                    text_json(s)
                };
                write!(w, "\"{}\": {v}, ", LINE_COLUMNS[k])?;
            }
            for (k, v) in nums.iter().enumerate() {
                let sep = if k + 1 < nums.len() { ", " } else { "" };
                write!(w, "\"{}\": {}{sep}", LINE_COLUMNS[k + 4], num_json(*v))?;
            }
            w.write_all(b"}")?;
        } else {
            for s in text {
                if s.contains([',', '"', '\n']) {
                    write!(w, "\"{}\",", s.replace('"', "\"\""))?;
                } else {
                    write!(w, "{s},")?;
                }
            }
            for (k, v) in nums.iter().enumerate() {
                let sep = if k + 1 < nums.len() { "," } else { "\n" };
                write!(w, "{v}{sep}")?;
            }
        }
    }
    if json {
        w.write_all(b"\n]\n")?;
    }
    Ok(())
}

/// Writes every table into `dir`, one file each, each atomically (temporary name, then
/// rename), the line table streamed.
pub fn write_dir(
    dir: &Path,
    tables: &[(String, Table)],
    o: &Outcome,
    format: OutputFormat,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let json = format == OutputFormat::Json;
    let ext = if json { "json" } else { "csv" };
    for (name, t) in tables {
        let body = if json {
            t.render(OutputFormat::Json)
        } else {
            t.to_csv()
        };
        let path = dir.join(format!("{name}.{ext}"));
        write_atomic(&path, body.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let path = dir.join(format!("lines.{ext}"));
    balanza_report::atomic::write_atomic_with(&path, |w| write_lines(o, w, json))
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Named tables as `balanza simulate` prints them: in JSON one object keyed by table name, in
/// CSV each table under a `# name` line, as text one after the other.
pub fn render_named(tables: &[&(String, Table)], format: OutputFormat) -> String {
    match format {
        OutputFormat::Json => {
            let mut obj = serde_json::Map::new();
            for (name, t) in tables {
                obj.insert(name.clone(), t.to_json());
            }
            let mut s = serde_json::to_string_pretty(&obj).unwrap_or_default();
            s.push('\n');
            s
        }
        OutputFormat::Csv => tables
            .iter()
            .map(|(name, t)| format!("# {name}\n{}", t.to_csv()))
            .collect::<Vec<_>>()
            .join("\n"),
        OutputFormat::Table => tables
            .iter()
            .map(|(_, t)| t.to_text())
            .collect::<Vec<_>>()
            .join("\n"),
    }
}
