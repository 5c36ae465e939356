//! GE scenario files: a `[ge]` section in TOML, validated with key paths.
//!
//! The user documentation is docs/ge.md. A GE scenario names the data, the cost function
//! (which regressors make up `ln t_ij^(1-σ)`), σ, the reference importer, and a list of
//! changes to pairs. Every problem is collected before anything runs, each with its key path.

use crate::data::{ColumnMap, PairData};
use crate::estimate::CostTerm;
use crate::model::{Closure, Method};
use crate::GeError;
use balanza_data::groups::{Date, GroupSet};
pub use balanza_data::validate::suggest;
use balanza_data::validate::{parse_table, type_name, Checker, Issue};
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// Which countries a change selects.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// Every country in the data.
    All,
    /// These codes.
    List(Vec<String>),
}

impl Selection {
    fn contains(&self, code: &str) -> bool {
        match self {
            Selection::All => true,
            Selection::List(v) => v.iter().any(|c| c == code),
        }
    }
}

/// What a change does to the selected pairs.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Set a regressor column to a value (e.g. `intl_brdr = 0`, `rta = 1`, `tariff = 0.05`).
    Set {
        /// Column.
        variable: String,
        /// New value.
        value: f64,
    },
    /// Add to a regressor column.
    Add {
        /// Column.
        variable: String,
        /// Increment.
        value: f64,
    },
    /// Multiply a regressor column.
    Multiply {
        /// Column.
        variable: String,
        /// Factor.
        value: f64,
    },
    /// Change the time to trade by `days` (negative = faster), converted to an ad-valorem
    /// equivalent of `ave_per_day` per day (docs/models.md §3, Hummels & Schaur 2013):
    /// `τ̂ = (1 + base_ave + ave_per_day·days) / (1 + base_ave)`, entering as `τ̂^(1-σ)`.
    Days {
        /// Change in days.
        days: f64,
        /// Ad-valorem equivalent of one day (fraction; default 0.010).
        ave_per_day: f64,
        /// Baseline ad-valorem trade cost the change is measured against (fraction; default 0).
        base_ave: f64,
    },
    /// Multiply the iceberg cost `t_ij` by this factor (0.95 = 5% cheaper), entering as
    /// `factor^(1-σ)`.
    CostFactor(f64),
}

/// One change to bilateral costs.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Label.
    pub name: String,
    /// What it does.
    pub action: Action,
    /// Exporters selected.
    pub exporters: Selection,
    /// Importers selected.
    pub importers: Selection,
    /// Also apply to the reverse direction (importer → exporter).
    pub both_ways: bool,
    /// Include domestic pairs (i = i); off by default: border measures do not touch them.
    pub domestic: bool,
    /// Data edits only: first year the edit applies to (panel files).
    pub from_year: Option<i64>,
    /// Data edits only: last year the edit applies to.
    pub to_year: Option<i64>,
}

/// A validated GE scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct GeSpec {
    /// Name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Data file (relative paths resolved against the scenario's folder).
    pub data: Option<PathBuf>,
    /// Column names and year.
    pub columns: ColumnMapSpec,
    /// Code fixes applied to the data before anything else (e.g. `ZZZ` → `DEU`).
    pub rename: Vec<(String, String)>,
    /// Reference importer (its price index is the numéraire).
    pub reference: Option<String>,
    /// σ.
    pub sigma: Option<f64>,
    /// Cost terms.
    pub costs: Vec<CostTerm>,
    /// Given coefficients, aligned with `costs` (estimated when absent).
    pub coefficients: Option<Vec<f64>>,
    /// Solver.
    pub method: Option<Method>,
    /// Closure.
    pub closure: Option<Closure>,
    /// Changes, applied in order.
    pub changes: Vec<Change>,
    /// Edits to the data's regressors before anything is estimated (e.g. the Guide's
    /// "replace INTL_BRDR = 0 if INTL_BRDR_AB == 1"); same schema as changes, set/add/multiply
    /// only.
    pub data_edits: Vec<Change>,
    /// Panel first stage with pair fixed effects (None = cross-section with exporter and
    /// importer effects).
    pub pair_fe: Option<PairFeSpec>,
    /// A column of ad-valorem tariff rates whose revenue is rebated to consumers (exact hat
    /// algebra); None = tariffs, if any, are costs only.
    pub tariff: Option<String>,
    /// Report % changes as the effect of the baseline policy, `(BLN − CFL)/CFL`, as the Guide's
    /// NAFTA application does, instead of `(CFL − BLN)/BLN`.
    pub effect_of_baseline: bool,
}

/// `[ge.pair_fe]`: the Anderson–Yotov two-stage cost construction.
#[derive(Debug, Clone, PartialEq)]
pub struct PairFeSpec {
    /// Estimation years (None = every year in the file).
    pub years: Option<Vec<i64>>,
    /// Time-invariant gravity terms that predict the pair effects of pairs that never trade.
    pub fill: Vec<CostTerm>,
    /// A column identifying pairs (e.g. the Guide's undirected `pair_id`); None = one effect
    /// per directed pair. Domestic pairs are always pooled into one reference pair.
    pub pair_column: Option<String>,
}

/// Column names as given in the scenario.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnMapSpec {
    /// Exporter column.
    pub exporter: Option<String>,
    /// Importer column.
    pub importer: Option<String>,
    /// Flow column.
    pub flow: Option<String>,
    /// Year column.
    pub year_column: Option<String>,
    /// Year.
    pub year: Option<i64>,
}

impl ColumnMapSpec {
    /// The column map with defaults filled in.
    pub fn to_map(&self) -> ColumnMap {
        let d = ColumnMap::default();
        ColumnMap {
            exporter: self.exporter.clone().unwrap_or(d.exporter),
            importer: self.importer.clone().unwrap_or(d.importer),
            flow: self.flow.clone().unwrap_or(d.flow),
            year: self
                .year
                .map(|y| (self.year_column.clone().unwrap_or_else(|| "year".into()), y)),
        }
    }
}

const TOP_KEYS: &[&str] = &["name", "description", "ge"];
const GE_KEYS: &[&str] = &[
    "data",
    "year",
    "date",
    "columns",
    "rename",
    "reference",
    "sigma",
    "costs",
    "coefficients",
    "method",
    "closure",
    "changes",
    "pair_fe",
    "percent",
    "data_edits",
    "tariff",
];
const PAIR_FE_KEYS: &[&str] = &["years", "fill", "pair"];
const COLUMN_KEYS: &[&str] = &["exporter", "importer", "flow", "year"];
const CHANGE_KEYS: &[&str] = &[
    "name",
    "variable",
    "set",
    "add",
    "multiply",
    "days",
    "ave_per_day",
    "base_ave",
    "cost_factor",
    "exporters",
    "importers",
    "both_ways",
    "domestic",
    "from_year",
    "to_year",
];

/// Default ad-valorem equivalent of one day (docs/models.md §3: 0.6–2.1 %, default 1.0 %).
pub const DEFAULT_AVE_PER_DAY: f64 = 0.010;

impl GeSpec {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<GeSpec, GeError> {
        let text = std::fs::read_to_string(path).map_err(|e| GeError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        GeSpec::parse(&text, base).map_err(|issues| {
            GeError::Input(format!(
                "{}: {} problem(s) in the GE scenario:\n  {}",
                path.display(),
                issues.len(),
                issues
                    .iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join("\n  ")
            ))
        })
    }

    /// Parses scenario text; `base` resolves a relative `ge.data` path.
    pub fn parse(text: &str, base: &Path) -> Result<GeSpec, Vec<Issue>> {
        let table: Table = parse_table(text)?;
        let mut c = Checker::new();
        c.unknown_keys(&table, "", TOP_KEYS);
        let name = c
            .string(table.get("name"), "name", false)
            .unwrap_or_default();
        let description = c
            .string(table.get("description"), "description", false)
            .unwrap_or_default();
        let ge = match table.get("ge") {
            Some(Value::Table(t)) => t.clone(),
            Some(o) => {
                c.push("ge", format!("expected a table, found {}", type_name(o)));
                Table::new()
            }
            None => {
                c.push("ge", "missing: a GE scenario needs a [ge] section");
                Table::new()
            }
        };
        c.unknown_keys(&ge, "ge", GE_KEYS);
        let data = c
            .string(ge.get("data"), "ge.data", false)
            .map(|p| base.join(p));
        let mut columns = ColumnMapSpec {
            year: c.number(ge.get("year"), "ge.year").map(|y| y as i64),
            ..Default::default()
        };
        match ge.get("columns") {
            None => {}
            Some(Value::Table(t)) => {
                c.unknown_keys(t, "ge.columns", COLUMN_KEYS);
                columns.exporter = c.string(t.get("exporter"), "ge.columns.exporter", false);
                columns.importer = c.string(t.get("importer"), "ge.columns.importer", false);
                columns.flow = c.string(t.get("flow"), "ge.columns.flow", false);
                columns.year_column = c.string(t.get("year"), "ge.columns.year", false);
            }
            Some(o) => c.push(
                "ge.columns",
                format!("expected a table, found {}", type_name(o)),
            ),
        }
        let mut rename = Vec::new();
        match ge.get("rename") {
            None => {}
            Some(Value::Table(t)) => {
                for (k, v) in t {
                    if let Some(s) = c.string(Some(v), &format!("ge.rename.{k}"), false) {
                        rename.push((k.clone(), s));
                    }
                }
            }
            Some(o) => c.push(
                "ge.rename",
                format!(
                    "expected a table such as {{ ZZZ = \"DEU\" }}, found {}",
                    type_name(o)
                ),
            ),
        }
        let reference = c.string(ge.get("reference"), "ge.reference", false);
        let sigma = c.number(ge.get("sigma"), "ge.sigma");
        if let Some(s) = sigma {
            if s <= 1.0 {
                c.push(
                    "ge.sigma",
                    format!("must be above 1 (found {s}); the Guide uses 7"),
                );
            }
        }
        let costs: Vec<CostTerm> = match ge.get("costs") {
            Some(v) => c
                .string_list(v, "ge.costs")
                .iter()
                .enumerate()
                .filter_map(|(i, s)| match CostTerm::parse(s) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        c.push(format!("ge.costs[{i}]"), e);
                        None
                    }
                })
                .collect(),
            None => {
                c.push(
                    "ge.costs",
                    "missing: list the cost regressors, e.g. costs = [\"ln_dist\", \"cntg\", \"intl_brdr\"]",
                );
                Vec::new()
            }
        };
        let coefficients = match ge.get("coefficients") {
            None => None,
            Some(Value::Table(t)) => {
                for k in t.keys() {
                    if !costs.iter().any(|ct| &ct.label == k) {
                        c.push(
                            format!("ge.coefficients.{k}"),
                            "not one of ge.costs (give a coefficient for each cost term, by its label)",
                        );
                    }
                }
                let v: Vec<Option<f64>> = costs
                    .iter()
                    .map(|ct| {
                        let key = format!("ge.coefficients.{}", ct.label);
                        match t.get(&ct.label) {
                            None => {
                                c.push(&key, "missing: give all coefficients or none (then they are estimated)");
                                None
                            }
                            v => c.number(v, &key),
                        }
                    })
                    .collect();
                v.into_iter().collect::<Option<Vec<f64>>>()
            }
            Some(o) => {
                c.push(
                    "ge.coefficients",
                    format!("expected a table, found {}", type_name(o)),
                );
                None
            }
        };
        let method = c
            .string(ge.get("method"), "ge.method", false)
            .and_then(|s| s.parse::<Method>().map_err(|e| c.push("ge.method", e)).ok());
        let closure = c
            .string(ge.get("closure"), "ge.closure", false)
            .and_then(|s| {
                s.parse::<Closure>()
                    .map_err(|e| c.push("ge.closure", e))
                    .ok()
            });
        let pair_fe = match ge.get("pair_fe") {
            None => None,
            Some(Value::Table(t)) => {
                c.unknown_keys(t, "ge.pair_fe", PAIR_FE_KEYS);
                let years = match t.get("years") {
                    None => None,
                    Some(Value::Array(a)) => Some(
                        a.iter()
                            .enumerate()
                            .filter_map(|(i, v)| match v {
                                Value::Integer(y) => Some(*y),
                                o => {
                                    c.push(
                                        format!("ge.pair_fe.years[{i}]"),
                                        format!("expected a year, found {}", type_name(o)),
                                    );
                                    None
                                }
                            })
                            .collect(),
                    ),
                    Some(o) => {
                        c.push(
                            "ge.pair_fe.years",
                            format!("expected a list of years, found {}", type_name(o)),
                        );
                        None
                    }
                };
                let fill = match t.get("fill") {
                    None => Vec::new(),
                    Some(v) => c
                        .string_list(v, "ge.pair_fe.fill")
                        .iter()
                        .enumerate()
                        .filter_map(|(i, s)| match CostTerm::parse(s) {
                            Ok(t) => Some(t),
                            Err(e) => {
                                c.push(format!("ge.pair_fe.fill[{i}]"), e);
                                None
                            }
                        })
                        .collect(),
                };
                if columns.year.is_none() {
                    c.push(
                        "ge.year",
                        "missing: with [ge.pair_fe] give the base year the GE is solved on",
                    );
                }
                let pair_column = c.string(t.get("pair"), "ge.pair_fe.pair", false);
                Some(PairFeSpec {
                    years,
                    fill,
                    pair_column,
                })
            }
            Some(o) => {
                c.push(
                    "ge.pair_fe",
                    format!("expected a table, found {}", type_name(o)),
                );
                None
            }
        };
        let effect_of_baseline = match c.string(ge.get("percent"), "ge.percent", false).as_deref() {
            None | Some("cfl_vs_bln") => false,
            Some("bln_vs_cfl") => true,
            Some(o) => {
                c.push(
                    "ge.percent",
                    format!("unknown `{o}`: expected cfl_vs_bln (default) or bln_vs_cfl"),
                );
                false
            }
        };
        // Group expressions in exporters/importers are resolved on this date: ge.date, or the
        // end of ge.year.
        let groups_date = c.date(ge.get("date"), "ge.date").or_else(|| {
            columns
                .year
                .and_then(|y| i32::try_from(y).ok())
                .and_then(|y| Date::new(y, 12, 31))
        });
        let mut data_edits = Vec::new();
        match ge.get("data_edits") {
            None => {}
            Some(Value::Array(a)) => {
                for (i, v) in a.iter().enumerate() {
                    let key = format!("ge.data_edits[{i}]");
                    match v {
                        Value::Table(t) => {
                            if let Some(ch) = parse_change(&mut c, t, &key, i, &costs, groups_date)
                            {
                                if matches!(ch.action, Action::Days { .. } | Action::CostFactor(_))
                                {
                                    c.push(&key, "data edits change regressor columns: use set, add or multiply with variable");
                                } else {
                                    data_edits.push(ch);
                                }
                            }
                        }
                        o => c.push(&key, format!("expected a table, found {}", type_name(o))),
                    }
                }
            }
            Some(o) => c.push(
                "ge.data_edits",
                format!("expected [[ge.data_edits]] tables, found {}", type_name(o)),
            ),
        }
        let tariff = c.string(ge.get("tariff"), "ge.tariff", false);
        let mut changes = Vec::new();
        match ge.get("changes") {
            None => c.push(
                "ge.changes",
                "missing: add at least one [[ge.changes]] entry (e.g. variable = \"intl_brdr\", set = 0)",
            ),
            Some(Value::Array(a)) => {
                for (i, v) in a.iter().enumerate() {
                    let key = format!("ge.changes[{i}]");
                    match v {
                        Value::Table(t) => {
                            if let Some(ch) = parse_change(&mut c, t, &key, i, &costs, groups_date) {
                                changes.push(ch);
                            }
                        }
                        o => c.push(&key, format!("expected a table, found {}", type_name(o))),
                    }
                }
            }
            Some(o) => c.push(
                "ge.changes",
                format!("expected [[ge.changes]] tables, found {}", type_name(o)),
            ),
        }
        if c.issues.is_empty() {
            Ok(GeSpec {
                name,
                description,
                data,
                columns,
                rename,
                reference,
                sigma,
                costs,
                coefficients,
                method,
                closure,
                changes,
                data_edits,
                pair_fe,
                tariff,
                effect_of_baseline,
            })
        } else {
            Err(c.issues)
        }
    }

    /// Checks the countries a scenario names against the data.
    pub fn check_countries(&self, data: &PairData) -> Result<(), GeError> {
        let mut bad = Vec::new();
        let all = self
            .changes
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("ge.changes[{i}]"), c))
            .chain(
                self.data_edits
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (format!("ge.data_edits[{i}]"), c)),
            );
        for (key, ch) in all {
            for (what, sel) in [("exporters", &ch.exporters), ("importers", &ch.importers)] {
                if let Selection::List(v) = sel {
                    for code in v {
                        if data.world.index(code).is_none() {
                            bad.push(format!(
                                "{key}.{what}: {code} is not in the data{}",
                                suggest(code, &data.world.countries)
                            ));
                        }
                    }
                }
            }
        }
        if bad.is_empty() {
            Ok(())
        } else {
            Err(GeError::Input(bad.join("\n")))
        }
    }
}

fn is_all(s: &str) -> bool {
    s.trim() == "*" || s.trim().eq_ignore_ascii_case("all")
}

/// A single country code as GE data write them (`KEN`, `ROW`): three capital letters.
fn is_code(s: &str) -> bool {
    let s = s.trim();
    s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase())
}

/// Resolves a group expression (balanza_data::groups, the PE scenarios' language) on the
/// scenario's date.
fn select_group(c: &mut Checker, path: &str, expression: &str, date: Option<Date>) -> Selection {
    let Some(date) = date else {
        c.push(
            path,
            format!(
                "`{expression}` is a group expression: set ge.date (the date membership is \
                 taken at, e.g. 2024-12-01) or ge.year"
            ),
        );
        return Selection::List(Vec::new());
    };
    match GroupSet::new().resolve(expression, date) {
        Ok(set) if set.is_empty() => {
            c.push(path, format!("`{expression}` selects no country on {date}"));
            Selection::List(Vec::new())
        }
        Ok(set) => Selection::List(set.into_iter().map(String::from).collect()),
        Err(e) => {
            c.push(path, e);
            Selection::List(Vec::new())
        }
    }
}

fn parse_change(
    c: &mut Checker,
    t: &Table,
    key: &str,
    i: usize,
    costs: &[CostTerm],
    date: Option<Date>,
) -> Option<Change> {
    c.unknown_keys(t, key, CHANGE_KEYS);
    let name = c
        .string(t.get("name"), &format!("{key}.name"), false)
        .unwrap_or_else(|| format!("change {}", i + 1));
    let variable = c.string(t.get("variable"), &format!("{key}.variable"), false);
    let kinds: Vec<&str> = ["set", "add", "multiply", "days", "cost_factor"]
        .into_iter()
        .filter(|k| t.contains_key(*k))
        .collect();
    if kinds.len() != 1 {
        c.push(
            key,
            format!(
                "give exactly one of set, add, multiply (with variable), days or cost_factor; found {}",
                if kinds.is_empty() { "none".to_string() } else { kinds.join(", ") }
            ),
        );
        return None;
    }
    let kind = kinds[0];
    let num = |c: &mut Checker, k: &str| c.number(t.get(k), &format!("{key}.{k}"));
    let action = match kind {
        "set" | "add" | "multiply" => {
            let Some(variable) = variable else {
                c.push(
                    format!("{key}.variable"),
                    format!("missing: `{kind}` changes a regressor column; name it"),
                );
                return None;
            };
            if !costs.iter().any(|ct| ct.column == variable) {
                c.push(
                    format!("{key}.variable"),
                    format!(
                        "`{variable}` is not in ge.costs ({}), so changing it would change nothing",
                        costs
                            .iter()
                            .map(|ct| ct.column.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
            }
            let value = num(c, kind)?;
            match kind {
                "set" => Action::Set { variable, value },
                "add" => Action::Add { variable, value },
                _ => Action::Multiply { variable, value },
            }
        }
        "days" => {
            if variable.is_some() {
                c.push(
                    format!("{key}.variable"),
                    "not used with `days` (it changes the cost directly)",
                );
            }
            let days = num(c, "days")?;
            let ave_per_day = num(c, "ave_per_day").unwrap_or(DEFAULT_AVE_PER_DAY);
            let base_ave = num(c, "base_ave").unwrap_or(0.0);
            if !(0.0..=1.0).contains(&ave_per_day) {
                c.push(format!("{key}.ave_per_day"), format!("a fraction per day is expected (0.006–0.021 in Hummels & Schaur 2013); found {ave_per_day}"));
            }
            if 1.0 + base_ave + ave_per_day * days <= 0.0 || base_ave < 0.0 {
                c.push(key, "the cost after the change must stay positive: 1 + base_ave + ave_per_day·days > 0");
            }
            Action::Days {
                days,
                ave_per_day,
                base_ave,
            }
        }
        _ => {
            let f = num(c, "cost_factor")?;
            if f <= 0.0 {
                c.push(
                    format!("{key}.cost_factor"),
                    format!("must be positive (found {f})"),
                );
            }
            Action::CostFactor(f)
        }
    };
    if kind != "days" {
        for k in ["ave_per_day", "base_ave"] {
            if t.contains_key(k) {
                c.push(format!("{key}.{k}"), "only used with `days`");
            }
        }
    }
    let sel = |c: &mut Checker, k: &str| -> Selection {
        let path = format!("{key}.{k}");
        match t.get(k) {
            None => Selection::All,
            // One string that is not a single ISO3 code is a group expression, as in PE
            // scenarios: "ldc and china_relations", "africa or [KEN, UGA]".
            Some(Value::String(s)) if !is_code(s) && !is_all(s) => select_group(c, &path, s, date),
            Some(v) => {
                let list: Vec<String> = c.string_list(v, &path);
                if list.iter().any(|s| is_all(s)) {
                    Selection::All
                } else {
                    Selection::List(list.iter().map(|s| s.trim().to_ascii_uppercase()).collect())
                }
            }
        }
    };
    let exporters = sel(c, "exporters");
    let importers = sel(c, "importers");
    let both_ways = c
        .boolean(t.get("both_ways"), &format!("{key}.both_ways"))
        .unwrap_or(false);
    let domestic = c
        .boolean(t.get("domestic"), &format!("{key}.domestic"))
        .unwrap_or(false);
    let year =
        |c: &mut Checker, k: &str| c.number(t.get(k), &format!("{key}.{k}")).map(|y| y as i64);
    let from_year = year(c, "from_year");
    let to_year = year(c, "to_year");
    if (from_year.is_some() || to_year.is_some()) && key.starts_with("ge.changes") {
        c.push(
            key,
            "from_year/to_year select panel rows in data edits; a change acts on the base year",
        );
    }
    Some(Change {
        name,
        action,
        exporters,
        importers,
        both_ways,
        domestic,
        from_year,
        to_year,
    })
}

/// Applies data edits to a file's text cells (every row, or the rows in the edit's years),
/// creating a missing column (0 everywhere) for `set` edits: e.g. a NAFTA dummy.
pub fn edit_frame(
    edits: &[Change],
    frame: &mut crate::data::Frame,
    map: &crate::data::ColumnMap,
    year_col: &str,
) -> Result<(), GeError> {
    let (ce, ci) = (frame.column(&map.exporter)?, frame.column(&map.importer)?);
    for ch in edits {
        let (variable, f): (&str, Box<dyn Fn(f64) -> f64>) = match &ch.action {
            Action::Set { variable, value } => (variable, Box::new(move |_| *value)),
            Action::Add { variable, value } => (variable, Box::new(move |x| x + value)),
            Action::Multiply { variable, value } => (variable, Box::new(move |x| x * value)),
            _ => continue,
        };
        let col = match frame.column(variable) {
            Ok(c) => c,
            Err(e) => {
                if !matches!(ch.action, Action::Set { .. }) {
                    return Err(e);
                }
                frame.names.push(variable.to_string());
                for r in &mut frame.rows {
                    r.push("0".into());
                }
                frame.names.len() - 1
            }
        };
        let cy = if ch.from_year.is_some() || ch.to_year.is_some() {
            Some(frame.column(year_col)?)
        } else {
            None
        };
        for r in 0..frame.rows.len() {
            let (e, i) = (frame.rows[r][ce].trim(), frame.rows[r][ci].trim());
            if e == i && !ch.domestic {
                continue;
            }
            let fwd = ch.exporters.contains(e) && ch.importers.contains(i);
            let back = ch.both_ways && ch.exporters.contains(i) && ch.importers.contains(e);
            if !(fwd || back) {
                continue;
            }
            if let Some(cy) = cy {
                let y = frame.number(r, cy)? as i64;
                if ch.from_year.is_some_and(|f| y < f) || ch.to_year.is_some_and(|t| y > t) {
                    continue;
                }
            }
            let v = frame.number(r, col)?;
            frame.rows[r][col] = format!("{}", f(v));
        }
    }
    Ok(())
}

/// Counterfactual regressor values and cost factors for a list of changes.
#[derive(Debug, Clone)]
pub struct Applied {
    /// Counterfactual raw columns (same keys as the data's).
    pub vars: std::collections::BTreeMap<String, Vec<f64>>,
    /// Multiplicative factors on `T_ij` from `days` and `cost_factor` changes (already raised
    /// to `1-σ`).
    pub factor: Vec<f64>,
    /// Pairs each change touched, in order.
    pub touched: Vec<usize>,
}

/// Applies the changes to a copy of the data's regressors.
pub fn apply(changes: &[Change], data: &PairData, sigma: f64) -> Applied {
    let n = data.world.n();
    let mut vars = data.vars.clone();
    let mut factor = vec![1.0; n * n];
    let mut touched = Vec::new();
    let codes = &data.world.countries;
    for ch in changes {
        let mut count = 0;
        for i in 0..n {
            for j in 0..n {
                if i == j && !ch.domestic {
                    continue;
                }
                let fwd = ch.exporters.contains(&codes[i]) && ch.importers.contains(&codes[j]);
                let back = ch.both_ways
                    && ch.exporters.contains(&codes[j])
                    && ch.importers.contains(&codes[i]);
                if !(fwd || back) {
                    continue;
                }
                let k = i * n + j;
                count += 1;
                match &ch.action {
                    Action::Set { variable, value } => {
                        if let Some(m) = vars.get_mut(variable) {
                            m[k] = *value;
                        }
                    }
                    Action::Add { variable, value } => {
                        if let Some(m) = vars.get_mut(variable) {
                            m[k] += *value;
                        }
                    }
                    Action::Multiply { variable, value } => {
                        if let Some(m) = vars.get_mut(variable) {
                            m[k] *= *value;
                        }
                    }
                    Action::Days {
                        days,
                        ave_per_day,
                        base_ave,
                    } => {
                        let tau = (1.0 + base_ave + ave_per_day * days) / (1.0 + base_ave);
                        factor[k] *= tau.powf(1.0 - sigma);
                    }
                    Action::CostFactor(f) => factor[k] *= f.powf(1.0 - sigma),
                }
            }
        }
        touched.push(count);
    }
    Applied {
        vars,
        factor,
        touched,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
name = "Trade without borders"
[ge]
reference = "DEU"
sigma = 7
costs = ["ln_dist", "cntg", "intl_brdr"]
[[ge.changes]]
variable = "intl_brdr"
set = 0
"#;

    /// The PE scenarios' group language works in GE changes; membership is taken on ge.date.
    #[test]
    fn exporters_accept_group_expressions() {
        let with = |extra: &str| {
            OK.replace("[ge]\n", &format!("[ge]\n{extra}\n")).replace(
                "set = 0\n",
                "set = 0\nexporters = \"ldc and china_relations\"\nimporters = \"CHN\"\n",
            )
        };
        let s = GeSpec::parse(&with("date = 2024-12-01"), Path::new("")).unwrap();
        let Selection::List(ex) = &s.changes[0].exporters else {
            panic!("{:?}", s.changes[0].exporters)
        };
        // Afghanistan is an LDC with relations; Eswatini (an LDC recognising Taipei) is not in.
        assert!(ex.iter().any(|c| c == "AFG"), "{ex:?}");
        assert!(!ex.iter().any(|c| c == "SWZ"), "{ex:?}");
        assert!(!ex.iter().any(|c| c == "CHN"), "{ex:?}");
        assert_eq!(s.changes[0].importers, Selection::List(vec!["CHN".into()]));
        // The same selection, resolved by hand through the data layer.
        let want: Vec<String> = balanza_data::groups::GroupSet::new()
            .resolve("ldc and china_relations", Date::new(2024, 12, 1).unwrap())
            .unwrap()
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(ex, &want);
        let e = GeSpec::parse(&with(""), Path::new("")).unwrap_err();
        assert!(e[0].message.contains("set ge.date"), "{e:?}");
        assert_eq!(e[0].key, "ge.changes[0].exporters");
        let e = GeSpec::parse(
            &with("date = 2024-12-01").replace("ldc and", "ldcc and"),
            Path::new(""),
        )
        .unwrap_err();
        assert_eq!(e[0].key, "ge.changes[0].exporters", "{e:?}");
    }

    #[test]
    fn parses_the_guide_scenario() {
        let s = GeSpec::parse(OK, Path::new("")).unwrap();
        assert_eq!(s.costs.len(), 3);
        assert_eq!(s.sigma, Some(7.0));
        assert_eq!(
            s.changes[0].action,
            Action::Set {
                variable: "intl_brdr".into(),
                value: 0.0
            }
        );
    }

    #[test]
    fn collects_every_problem_with_key_paths() {
        let bad = r#"
[ge]
sigma = 0.5
costs = ["ln_dist"]
methd = "hat"
[[ge.changes]]
variable = "rta"
set = 1
[[ge.changes]]
days = -2
cost_factor = 0.9
"#;
        let e = GeSpec::parse(bad, Path::new(""))
            .unwrap_err()
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(e.contains("ge.sigma"), "{e}");
        assert!(
            e.contains("ge.methd: unknown key: did you mean `method`?"),
            "{e}"
        );
        assert!(
            e.contains("ge.changes[0].variable: `rta` is not in ge.costs"),
            "{e}"
        );
        assert!(e.contains("ge.changes[1]: give exactly one"), "{e}");
    }

    /// A time cost: 2 days faster at KEN's border with 1% per day (docs/models.md §3) is
    /// τ̂ = 0.98 on KEN's imports from abroad, entering costs as 0.98^(1-σ); nothing else moves.
    #[test]
    fn days_become_an_iceberg_factor_on_selected_pairs() {
        let text = r#"
[ge]
costs = ["ln_dist"]
[[ge.changes]]
days = -2
importers = ["KEN"]
"#;
        let spec = GeSpec::parse(text, Path::new("")).unwrap();
        let csv =
            "exporter,importer,trade,ln_dist\nKEN,KEN,5,0\nKEN,UGA,1,1\nUGA,KEN,2,1\nUGA,UGA,7,0\n";
        let f = crate::data::Frame::parse_csv(csv, "t").unwrap();
        let d = crate::data::build(&f, &Default::default(), &["ln_dist".into()]).unwrap();
        let a = apply(&spec.changes, &d, 7.0);
        let want = 0.98f64.powf(-6.0);
        // Order is KEN, UGA: only UGA→KEN (row 1, column 0) changes.
        assert_eq!(a.touched, vec![1]);
        assert!((a.factor[2] - want).abs() < 1e-12, "{:?}", a.factor);
        assert_eq!((a.factor[0], a.factor[1], a.factor[3]), (1.0, 1.0, 1.0));
    }
}
