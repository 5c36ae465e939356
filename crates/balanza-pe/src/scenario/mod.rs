//! Scenario files (TOML): schema, full validation with key paths, and the run.
//!
//! The schema is documented for users in docs/scenarios.md, with commented examples in
//! examples/scenarios/. Validation collects *every* problem before anything runs; each names
//! its key path (`measures[2].partners`) and, where one is close, a suggestion.

pub mod products;
pub mod run;

use crate::market::{Model, Params};
use crate::{Issue, PeError};
use balanza_data::countries::{country, edit_distance, unknown_country_message};
use balanza_data::groups::{CountrySet, Date, GroupSet};
use balanza_data::validate::{parse_table, type_name, Checker};
use products::{ProductSelection, END_USES};
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// What a measure does to the tariffs of the lines it selects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// Set the rate to this value (fraction).
    Set(f64),
    /// Cut the rate by this share of itself (0.5 = halve it).
    CutShare(f64),
    /// Cut the rate by this many percentage points (as a fraction: 0.02 = 2 points), not
    /// below zero.
    CutPoints(f64),
}

impl Action {
    /// The new rate given the current one.
    pub fn apply(self, t: f64) -> f64 {
        match self {
            Action::Set(r) => r,
            Action::CutShare(s) => t * (1.0 - s),
            Action::CutPoints(p) => (t - p).max(0.0),
        }
    }

    /// A short label, e.g. `set 0%`, `cut 50%`, `cut 2 points`.
    pub fn label(self) -> String {
        match self {
            Action::Set(r) => format!("set {}%", r * 100.0),
            Action::CutShare(s) => format!("cut {}%", s * 100.0),
            Action::CutPoints(p) => format!("cut {} points", p * 100.0),
        }
    }
}

/// One measure: a partner group × product selection and what happens to their tariffs.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// A label for outputs (default `measure N`).
    pub name: String,
    /// The partner expression as written.
    pub partners_expr: String,
    /// The partners it resolves to on the scenario date.
    pub partners: CountrySet,
    /// The products.
    pub products: ProductSelection,
    /// The tariff change.
    pub action: Action,
}

/// Paths and tariff defaults of the data a scenario reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataPaths {
    /// Trade flows (BACI CSV, canonical CSV, or a balanza Parquet dataset).
    pub flows: Option<PathBuf>,
    /// Tariff table (plain CSV or WITS/TRAINS export).
    pub tariffs: Option<PathBuf>,
    /// Import-demand elasticities per product (CSV `product,elasticity`).
    pub elasticities: Option<PathBuf>,
    /// HS → BEC Rev.4 concordance for end-use selections and aggregates.
    pub end_use: Option<PathBuf>,
    /// A flat MFN rate (fraction) for lines that the tariff file does not cover.
    pub mfn_rate: Option<f64>,
}

/// A validated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The model.
    pub model: Model,
    /// Importer ISO3.
    pub importer: String,
    /// Year of the baseline flows and tariffs.
    pub base_year: i32,
    /// The date groups are resolved at (the policy's effective date).
    pub date: Date,
    /// Data inputs (paths resolved relative to the scenario file).
    pub data: DataPaths,
    /// σ and export-supply elasticity.
    pub params: Params,
    /// |ε| for products without an estimate in the elasticities file.
    pub default_demand_elasticity: f64,
    /// User groups (name → expression), already checked.
    pub groups: GroupSet,
    /// The measures, applied in order (a later measure overrides an earlier one on the lines
    /// both select).
    pub measures: Vec<Measure>,
}

/// The default σ and |ε| (docs/models.md §1.1 and §1.5: WITS default σ = 1.5; engine placeholder
/// |ε| = 1.5 when no estimate exists).
pub const DEFAULT_SIGMA: f64 = 1.5;
/// See [`DEFAULT_SIGMA`].
pub const DEFAULT_DEMAND_ELASTICITY: f64 = 1.5;

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "model",
    "importer",
    "base_year",
    "date",
    "data",
    "parameters",
    "groups",
    "measures",
];
const DATA_KEYS: &[&str] = &[
    "flows",
    "tariffs",
    "elasticities",
    "end_use",
    "mfn_rate_pct",
];
const PARAM_KEYS: &[&str] = &[
    "sigma",
    "export_supply_elasticity",
    "import_demand_elasticity",
];
const MEASURE_KEYS: &[&str] = &[
    "name",
    "partners",
    "products",
    "set_rate_pct",
    "cut_pct",
    "cut_points",
];
const PRODUCT_KEYS: &[&str] = &["chapters", "headings", "codes", "end_use"];

impl Scenario {
    /// Reads and validates a scenario file. Relative data paths are resolved against the
    /// file's folder. Data files are checked for existence, not read.
    pub fn load(path: &Path) -> Result<Scenario, PeError> {
        let text = std::fs::read_to_string(path).map_err(|e| PeError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
        Scenario::parse(&text, &base).map_err(|issues| PeError::Scenario {
            path: path.to_path_buf(),
            issues,
        })
    }

    /// Parses and validates scenario text; `base` is the folder relative paths start from.
    pub fn parse(text: &str, base: &Path) -> Result<Scenario, Vec<Issue>> {
        let table: Table = parse_table(text)?;
        let mut c = Checker::new();
        c.unknown_keys(&table, "", TOP_KEYS);

        let name = c
            .string(table.get("name"), "name", true)
            .unwrap_or_default();
        let description = c
            .string(table.get("description"), "description", false)
            .unwrap_or_default();
        let model = match c.string(table.get("model"), "model", false).as_deref() {
            None | Some("smart") | Some("SMART") => Model::Smart,
            Some("ces") | Some("CES") => Model::Ces,
            Some(other) => {
                c.push(
                    "model",
                    format!("unknown model `{other}`: expected `smart` or `ces`"),
                );
                Model::Smart
            }
        };
        let importer = match c.string(table.get("importer"), "importer", true) {
            Some(s) => match country(&s) {
                Some(k) => k.iso3.to_string(),
                None => {
                    c.push("importer", unknown_country_message(&s));
                    String::new()
                }
            },
            None => String::new(),
        };
        let base_year = match table.get("base_year") {
            Some(Value::Integer(y)) if (1900..=2100).contains(y) => *y as i32,
            Some(v) => {
                c.push(
                    "base_year",
                    format!("expected a year such as 2020, found {}", v),
                );
                0
            }
            None => {
                c.push(
                    "base_year",
                    "missing: the year of the baseline flows, e.g. 2020",
                );
                0
            }
        };
        let date = c.date(table.get("date"), "date").unwrap_or_else(|| {
            Date::new(base_year.max(1), 12, 31).unwrap_or(Date {
                year: 2000,
                month: 1,
                day: 1,
            })
        });

        // [data]
        let mut data = DataPaths::default();
        match table.get("data") {
            None => {}
            Some(Value::Table(t)) => {
                c.unknown_keys(t, "data", DATA_KEYS);
                let path_of = |c: &mut Checker, key: &str| -> Option<PathBuf> {
                    let p = c.string(t.get(key), &format!("data.{key}"), false)?;
                    let full = base.join(&p);
                    if !full.exists() {
                        c.push(
                            format!("data.{key}"),
                            format!(
                                "file not found: {} (paths are relative to the scenario file)",
                                full.display()
                            ),
                        );
                    }
                    Some(full)
                };
                data.flows = path_of(&mut c, "flows");
                data.tariffs = path_of(&mut c, "tariffs");
                data.elasticities = path_of(&mut c, "elasticities");
                data.end_use = path_of(&mut c, "end_use");
                data.mfn_rate = c
                    .non_negative(t.get("mfn_rate_pct"), "data.mfn_rate_pct", "a tariff rate")
                    .map(|r| r / 100.0);
            }
            Some(v) => c.push("data", format!("expected a table, found {}", type_name(v))),
        }

        // [parameters]
        let mut params = Params::default();
        let mut default_eps = DEFAULT_DEMAND_ELASTICITY;
        match table.get("parameters") {
            None => {}
            Some(Value::Table(t)) => {
                c.unknown_keys(t, "parameters", PARAM_KEYS);
                if let Some(s) = c.non_negative(t.get("sigma"), "parameters.sigma", "sigma") {
                    params.sigma = s;
                }
                match t.get("export_supply_elasticity") {
                    None => {}
                    Some(Value::String(s)) if s.eq_ignore_ascii_case("infinite") => {}
                    Some(v) => {
                        let key = "parameters.export_supply_elasticity";
                        match c.non_negative(Some(v), key, "the export-supply elasticity") {
                            Some(x) if x > 0.0 => params.export_supply = Some(x),
                            Some(_) => c.push(
                                key,
                                "must be positive, or \"infinite\" (the default: world prices fixed)",
                            ),
                            None => {}
                        }
                    }
                }
                let key = "parameters.import_demand_elasticity";
                if let Some(e) = c.non_negative(
                    t.get("import_demand_elasticity"),
                    key,
                    "the import-demand elasticity (give its absolute value |ε|)",
                ) {
                    if e == 0.0 {
                        c.push(key, "must be positive (|ε| > 0)");
                    } else {
                        default_eps = e;
                    }
                }
            }
            Some(v) => c.push(
                "parameters",
                format!("expected a table, found {}", type_name(v)),
            ),
        }
        if model == Model::Ces && params.export_supply.is_some() {
            c.push(
                "parameters.export_supply_elasticity",
                "the CES model assumes infinite export supply (docs/models.md §1.4): remove the key or use model = \"smart\"",
            );
        }

        // [groups]
        let mut groups = GroupSet::new();
        let mut user_names = Vec::new();
        match table.get("groups") {
            None => {}
            Some(Value::Table(t)) => {
                for (name, v) in t {
                    let key = format!("groups.{name}");
                    match v {
                        Value::String(expr) => groups.define(name, expr),
                        Value::Array(_) => {
                            let codes = c.string_list(v, &key);
                            for (i, code) in codes.iter().enumerate() {
                                if country(code).is_none() {
                                    c.push(format!("{key}[{i}]"), unknown_country_message(code));
                                }
                            }
                            groups.define_list(name, &codes);
                        }
                        other => c.push(
                            key.clone(),
                            format!(
                                "expected a list of ISO3 codes or a group expression, found {}",
                                type_name(other)
                            ),
                        ),
                    }
                    user_names.push((key, name.clone()));
                }
            }
            Some(v) => c.push(
                "groups",
                format!("expected a table, found {}", type_name(v)),
            ),
        }
        for (key, name) in &user_names {
            if let Err(e) = groups.resolve(name, date) {
                c.push(key.clone(), e.to_string());
            }
        }

        // [[measures]]
        let mut measures = Vec::new();
        match table.get("measures") {
            None => c.push(
                "measures",
                "missing: add at least one [[measures]] table with partners and a tariff change",
            ),
            Some(Value::Array(a)) => {
                if a.is_empty() {
                    c.push("measures", "empty: add at least one measure");
                }
                for (i, v) in a.iter().enumerate() {
                    let p = format!("measures[{i}]");
                    match v {
                        Value::Table(t) => {
                            if let Some(m) = parse_measure(&mut c, t, &p, i, &groups, date) {
                                measures.push(m);
                            }
                        }
                        other => c.push(p, format!("expected a table, found {}", type_name(other))),
                    }
                }
            }
            Some(v) => c.push(
                "measures",
                format!(
                    "expected an array of tables ([[measures]]), found {}",
                    type_name(v)
                ),
            ),
        }

        if c.issues.is_empty() {
            Ok(Scenario {
                name,
                description,
                model,
                importer,
                base_year,
                date,
                data,
                params,
                default_demand_elasticity: default_eps,
                groups,
                measures,
            })
        } else {
            Err(c.issues)
        }
    }
}

fn parse_measure(
    c: &mut Checker,
    t: &Table,
    p: &str,
    i: usize,
    groups: &GroupSet,
    date: Date,
) -> Option<Measure> {
    c.unknown_keys(t, p, MEASURE_KEYS);
    let before = c.issues.len();
    let name = c
        .string(t.get("name"), &format!("{p}.name"), false)
        .unwrap_or_else(|| format!("measure {}", i + 1));
    // Partners: an expression string, or a list of codes/group names (their union).
    let pkey = format!("{p}.partners");
    let partners_expr = match t.get("partners") {
        None => {
            c.push(
                pkey.clone(),
                "missing: a partner group such as \"ldc and china_relations\" or [\"AFG\", \"NPL\"]",
            );
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(v @ Value::Array(_)) => {
            let items = c.string_list(v, &pkey);
            Some(items.join(" or "))
        }
        Some(v) => {
            c.push(
                pkey.clone(),
                format!(
                    "expected a group expression or a list, found {}",
                    type_name(v)
                ),
            );
            None
        }
    };
    let partners = match &partners_expr {
        Some(e) => match groups.resolve(e, date) {
            Ok(s) => {
                if s.is_empty() {
                    c.push(pkey.clone(), format!("`{e}` selects no country on {date}"));
                }
                s
            }
            Err(err) => {
                c.push(pkey.clone(), err.to_string());
                CountrySet::new()
            }
        },
        None => CountrySet::new(),
    };
    // Products.
    let mut products = ProductSelection::default();
    let prkey = format!("{p}.products");
    match t.get("products") {
        None => {}
        Some(Value::String(s)) if s.eq_ignore_ascii_case("all") => {}
        Some(Value::Table(pt)) => {
            c.unknown_keys(pt, &prkey, PRODUCT_KEYS);
            for (k, len) in [("chapters", 2usize), ("headings", 4), ("codes", 6)] {
                if let Some(v) = pt.get(k) {
                    let key = format!("{prkey}.{k}");
                    let list = c.string_list(v, &key);
                    for (j, code) in list.iter().enumerate() {
                        if code.len() != len || !code.bytes().all(|b| b.is_ascii_digit()) {
                            c.push(
                                format!("{key}[{j}]"),
                                format!(
                                    "`{code}` is not a {len}-digit HS code{}",
                                    if code.len() == len - 1 {
                                        format!(
                                            " (did you mean \"0{code}\"? write codes as strings)"
                                        )
                                    } else {
                                        String::new()
                                    }
                                ),
                            );
                        }
                    }
                    match k {
                        "chapters" => products.chapters = list,
                        "headings" => products.headings = list,
                        _ => products.codes = list,
                    }
                }
            }
            if let Some(v) = pt.get("end_use") {
                let key = format!("{prkey}.end_use");
                let list = c.string_list(v, &key);
                for (j, e) in list.iter().enumerate() {
                    if !END_USES.contains(&e.as_str()) {
                        let best = END_USES
                            .iter()
                            .min_by_key(|x| edit_distance(e, x))
                            .copied()
                            .unwrap_or("consumption");
                        c.push(
                            format!("{key}[{j}]"),
                            format!(
                                "unknown end use `{e}`: did you mean `{best}`? (expected one of {})",
                                END_USES.join(", ")
                            ),
                        );
                    }
                }
                products.end_use = list;
            }
        }
        Some(v) => c.push(
            prkey,
            format!(
                "expected \"all\" or a table such as {{ chapters = [\"61\", \"62\"] }}, found {}",
                type_name(v)
            ),
        ),
    }
    // Action: exactly one of set_rate_pct, cut_pct, cut_points.
    let set = c.non_negative(
        t.get("set_rate_pct"),
        &format!("{p}.set_rate_pct"),
        "a tariff rate",
    );
    let cut = c.non_negative(t.get("cut_pct"), &format!("{p}.cut_pct"), "a cut");
    let pts = c.non_negative(t.get("cut_points"), &format!("{p}.cut_points"), "a cut");
    let given = ["set_rate_pct", "cut_pct", "cut_points"]
        .iter()
        .filter(|k| t.contains_key(**k))
        .count();
    let action = match (set, cut, pts) {
        _ if given > 1 => {
            c.push(
                p.to_string(),
                "give only one of set_rate_pct, cut_pct and cut_points",
            );
            None
        }
        (Some(r), None, None) => Some(Action::Set(r / 100.0)),
        (None, Some(s), None) if s > 100.0 => {
            c.push(
                format!("{p}.cut_pct"),
                format!("a cut of {s}% would make the rate negative: use at most 100"),
            );
            None
        }
        (None, Some(s), None) => Some(Action::CutShare(s / 100.0)),
        (None, None, Some(x)) => Some(Action::CutPoints(x / 100.0)),
        _ if given == 0 => {
            c.push(
                p.to_string(),
                "missing the tariff change: add set_rate_pct (e.g. 0), cut_pct (e.g. 50 = halve) or cut_points (e.g. 2)",
            );
            None
        }
        _ => None,
    };
    if c.issues.len() > before {
        return None;
    }
    Some(Measure {
        name,
        partners_expr: partners_expr.unwrap_or_default(),
        partners,
        products,
        action: action?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "LDC zero tariff"
importer = "CHN"
base_year = 2020
date = 2024-12-01
[data]
mfn_rate_pct = 7.5
[parameters]
sigma = 1.5
[groups]
mine = ["AFG", "NPL"]
[[measures]]
partners = "ldc and china_relations"
set_rate_pct = 0
[[measures]]
name = "apparel"
partners = ["mine", "ZAF"]
products = { chapters = ["61", "62"], end_use = ["consumption"] }
cut_pct = 50
"#;

    #[test]
    fn parses_a_good_scenario() {
        let s = Scenario::parse(GOOD, Path::new(".")).unwrap();
        assert_eq!(s.importer, "CHN");
        assert_eq!(s.model, Model::Smart);
        assert_eq!(s.data.mfn_rate, Some(0.075));
        assert_eq!(s.measures.len(), 2);
        assert_eq!(s.measures[0].partners.len(), 43);
        assert_eq!(s.measures[1].partners.len(), 3);
        assert_eq!(s.measures[1].action, Action::CutShare(0.5));
        assert_eq!(s.params.export_supply, None);
        assert_eq!(s.default_demand_elasticity, 1.5);
    }

    #[test]
    fn every_problem_is_reported_with_its_key() {
        let bad = r#"
name = "bad"
importer = "CNH"
base_year = 2020
modle = "smart"
[parameters]
sigma = -1
[[measures]]
partners = "ldcc"
set_rate_pct = 0
[[measures]]
partners = ["AFG"]
products = { chapters = [8] }
[[measures]]
partners = "[ZAF]"
cut_pct = 10
set_rate_pct = 0
"#;
        let issues = Scenario::parse(bad, Path::new(".")).unwrap_err();
        let find = |k: &str| {
            issues
                .iter()
                .find(|i| i.key == k)
                .unwrap_or_else(|| panic!("no issue for {k}: {issues:?}"))
                .message
                .clone()
        };
        assert!(find("importer").contains("did you mean CHN"));
        assert!(find("modle").contains("did you mean `model`"));
        assert!(find("parameters.sigma").contains("negative"));
        assert!(find("measures[0].partners").contains("did you mean `ldc`"));
        assert!(find("measures[1].products.chapters[0]").contains("did you mean \"08\""));
        assert!(find("measures[1]").contains("missing the tariff change"));
        assert!(find("measures[2]").contains("only one"));
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let issues = Scenario::parse("name = \"x\"\nimporter = CHN\n", Path::new(".")).unwrap_err();
        assert_eq!(issues[0].key, "(syntax)");
        assert!(
            issues[0].message.contains("line 2"),
            "{}",
            issues[0].message
        );
    }

    #[test]
    fn actions() {
        assert_eq!(Action::Set(0.0).apply(0.1), 0.0);
        assert!((Action::CutShare(0.5).apply(0.1) - 0.05).abs() < 1e-15);
        assert_eq!(Action::CutPoints(0.2).apply(0.1), 0.0);
    }
}
