//! Checking a configuration file (a PE or GE scenario) key by key.
//!
//! Both scenario schemas collect every problem before anything runs, each with the dotted
//! key path it belongs to, and answer a misspelt key with the closest allowed one. This module
//! is that checker, once: [`Checker`] gathers [`Issue`]s while typed getters read a
//! `toml::Value`, and [`suggest`] offers the closest code from a list.

use crate::countries::edit_distance;
use crate::groups::Date;
use std::fmt;
use toml::{Table, Value};

/// One problem found while validating a file: the key path and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Dotted key path, e.g. `measures[2].partners`, or `(syntax)` for a TOML error.
    pub key: String,
    /// What is wrong and, where possible, what was meant.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Parses TOML text into a table, or one `(syntax)` issue with TOML's line and column.
pub fn parse_table(text: &str) -> Result<Table, Vec<Issue>> {
    text.parse().map_err(|e: toml::de::Error| {
        vec![Issue {
            key: "(syntax)".into(),
            message: e.to_string().trim().replace('\n', "\n    "),
        }]
    })
}

/// Collects issues while reading values; typed getters push an issue and return `None`
/// when a value has the wrong type, so one pass finds every problem.
#[derive(Debug, Default)]
pub struct Checker {
    /// Every problem found so far, in the order found.
    pub issues: Vec<Issue>,
}

impl Checker {
    /// An empty checker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem at `key`.
    pub fn push(&mut self, key: impl Into<String>, message: impl fmt::Display) {
        self.issues.push(Issue {
            key: key.into(),
            message: message.to_string(),
        });
    }

    /// Records every key of `table` that is not in `allowed`, with the closest allowed key
    /// when it is a plausible misspelling (within a third of its length, at least two edits).
    pub fn unknown_keys(&mut self, table: &Table, prefix: &str, allowed: &[&str]) {
        for k in table.keys() {
            if allowed.contains(&k.as_str()) {
                continue;
            }
            let path = join(prefix, k);
            let best = allowed
                .iter()
                .map(|a| (edit_distance(k, a), *a))
                .min_by_key(|(d, _)| *d);
            match best {
                Some((d, a)) if d <= (k.len() / 3).max(2) => {
                    self.push(path, format!("unknown key: did you mean `{a}`?"))
                }
                _ => self.push(
                    path,
                    format!("unknown key: expected one of {}", allowed.join(", ")),
                ),
            }
        }
    }

    /// A string value; a missing `required` key is an issue.
    pub fn string(&mut self, v: Option<&Value>, path: &str, required: bool) -> Option<String> {
        match v {
            None if required => {
                self.push(path, "missing: this key is required");
                None
            }
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                self.push(
                    path,
                    format!("expected a string, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// A finite number (integers are accepted as numbers).
    pub fn number(&mut self, v: Option<&Value>, path: &str) -> Option<f64> {
        match v? {
            Value::Integer(i) => Some(*i as f64),
            Value::Float(f) if f.is_finite() => Some(*f),
            other => {
                self.push(
                    path,
                    format!("expected a number, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// A finite number that is not negative; `what` names it in the message.
    pub fn non_negative(&mut self, v: Option<&Value>, path: &str, what: &str) -> Option<f64> {
        let x = self.number(v, path)?;
        if x < 0.0 {
            self.push(path, format!("{what} must not be negative (found {x})"));
            return None;
        }
        Some(x)
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, v: Option<&Value>, path: &str) -> Option<bool> {
        match v? {
            Value::Boolean(b) => Some(*b),
            other => {
                self.push(
                    path,
                    format!("expected true or false, found {}", type_name(other)),
                );
                None
            }
        }
    }

    /// One string or a list of strings; integers in a list are read as their digits
    /// (HS codes written without quotes).
    pub fn string_list(&mut self, v: &Value, path: &str) -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a
                .iter()
                .enumerate()
                .filter_map(|(i, x)| match x {
                    Value::String(s) => Some(s.clone()),
                    Value::Integer(n) => Some(n.to_string()),
                    other => {
                        self.push(
                            format!("{path}[{i}]"),
                            format!("expected a string, found {}", type_name(other)),
                        );
                        None
                    }
                })
                .collect(),
            other => {
                self.push(
                    path,
                    format!("expected a list of strings, found {}", type_name(other)),
                );
                Vec::new()
            }
        }
    }

    /// A calendar date, written as a TOML date (`2024-12-01`) or a string (`"2024-12-01"`).
    pub fn date(&mut self, v: Option<&Value>, path: &str) -> Option<Date> {
        let expected = "expected a date such as 2024-12-01";
        match v? {
            Value::Datetime(d) => {
                let parsed = d
                    .date
                    .and_then(|dd| Date::new(i32::from(dd.year), dd.month, dd.day));
                if parsed.is_none() {
                    self.push(path, expected);
                }
                parsed
            }
            Value::String(s) => Date::parse(s).map_err(|e| self.push(path, e)).ok(),
            other => {
                self.push(path, format!("{expected}, found {}", type_name(other)));
                None
            }
        }
    }

    /// `Ok(value)` when nothing was found, else every issue.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<Issue>> {
        if self.issues.is_empty() {
            Ok(value)
        } else {
            Err(self.issues)
        }
    }
}

/// `prefix.key`, or `key` at the top level.
pub fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// A TOML value's kind as a reader says it ("a string", "a list", ...).
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "a list",
        Value::Table(_) => "a table",
    }
}

/// `" (did you mean X?)"` when `code` is one edit away from one of `candidates`, else empty.
pub fn suggest<S: AsRef<str>>(code: &str, candidates: &[S]) -> String {
    candidates
        .iter()
        .map(|c| (edit_distance(code, c.as_ref()), c.as_ref()))
        .filter(|(d, _)| *d <= 1)
        .min()
        .map(|(_, c)| format!(" (did you mean {c}?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_collected_with_its_path() {
        let t = parse_table("nmae = 'x'\nrate = 'high'\nflag = 3\nlist = ['a', 1.5]").unwrap();
        let mut c = Checker::new();
        c.unknown_keys(&t, "", &["name", "rate", "flag", "list"]);
        assert_eq!(c.string(t.get("name"), "name", true), None);
        assert_eq!(c.number(t.get("rate"), "rate"), None);
        assert_eq!(c.boolean(t.get("flag"), "flag"), None);
        assert_eq!(c.string_list(&t["list"], "list"), vec!["a".to_string()]);
        let lines: Vec<String> = c.issues.iter().map(|i| i.to_string()).collect();
        assert_eq!(
            lines,
            [
                "nmae: unknown key: did you mean `name`?",
                "name: missing: this key is required",
                "rate: expected a number, found a string",
                "flag: expected true or false, found an integer",
                "list[1]: expected a string, found a number",
            ]
        );
        assert!(Checker::new().finish(1).is_ok());
        let t = parse_table("a = 2024-12-01\nb = '2020-02-30'\nc = 5").unwrap();
        let mut c = Checker::new();
        assert_eq!(c.date(t.get("a"), "a"), Date::new(2024, 12, 1));
        assert_eq!(c.date(t.get("b"), "b"), None);
        assert_eq!(c.date(t.get("c"), "c"), None);
        assert_eq!(c.issues.len(), 2, "{:?}", c.issues);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = parse_table("a = [1,").unwrap_err();
        assert_eq!(e[0].key, "(syntax)");
        assert!(e[0].message.contains("line 1"), "{}", e[0].message);
    }

    #[test]
    fn suggestions_are_one_edit_away() {
        assert_eq!(suggest("CHM", &["CHN", "USA"]), " (did you mean CHN?)");
        assert_eq!(suggest("XYZ", &["CHN", "USA"]), "");
        assert_eq!(join("ge", "sigma"), "ge.sigma");
        assert_eq!(join("", "name"), "name");
    }
}
