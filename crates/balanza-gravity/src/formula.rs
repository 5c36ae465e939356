//! fixest-style formulas: `y ~ x1 + log(x2) + log(1 + t) | fe1^fe2 + fe3`.
//!
//! * Left of `~`: the dependent variable, any expression (e.g. `log(trade)`).
//! * Between `~` and `|`: regressors separated by `+`. Inside a term, arithmetic (`+ - * / ^`,
//!   where `+` must be inside parentheses or a function), functions `log exp sqrt abs log1p
//!   expm1 I`, comparisons (`(year == 1986)` is a 0/1 dummy) and logic are allowed. A term is
//!   named by its text (`log(dist_km)`). `1` alone means "no regressor"; `0` or `-1` removes the
//!   intercept of a model without fixed effects.
//! * `i(f)`, `i(f, x)`, `i(f, x, ref = v)`, `i(f, ref = c(v, w))`: fixest's factor terms.
//!   One regressor per level of column `f` (in ascending order), `1(f == level)` or
//!   `x * 1(f == level)`, leaving out the `ref` levels; named as fixest names them,
//!   `f::level` and `f::level:x`. Rows where `f` is missing are dropped (counted as missing).
//! * After `|`: fixed-effect dimensions separated by `+`; `a^b` is the interaction of columns
//!   `a` and `b` (built on the fly, any number of columns).

use crate::error::GravityError;
use crate::expr::{tokenize, Expr, Parser, Tok};

/// A regressor term: an expression, or a factor term expanded on the data.
#[derive(Debug, Clone)]
pub(crate) enum Term {
    /// One regressor: the value of an expression.
    Expr(Expr),
    /// fixest's `i(f, x, ref = ...)`.
    Factor(FactorTerm),
}

/// fixest's `i()` term: one regressor per level of a column, optionally times a variable.
#[derive(Debug, Clone)]
pub(crate) struct FactorTerm {
    /// The column whose levels make the regressors.
    pub column: String,
    /// The variable interacted with each level, and its text (for names).
    pub by: Option<(Expr, String)>,
    /// Levels left out (numbers or text).
    pub refs: Vec<Expr>,
}

/// A parsed formula.
#[derive(Debug, Clone)]
pub struct Formula {
    /// The text as given.
    pub text: String,
    /// Name of the dependent variable (its text, e.g. `log(trade)`).
    pub lhs_name: String,
    pub(crate) lhs: Expr,
    /// Regressor names (their text).
    pub term_names: Vec<String>,
    pub(crate) terms: Vec<Term>,
    /// Fixed-effect dimensions, each a list of interacted column names.
    pub fixed_effects: Vec<Vec<String>>,
    /// Whether an intercept is wanted when there are no fixed effects.
    pub intercept: bool,
}

impl Formula {
    /// Parses a formula; errors point at the offending character.
    pub fn parse(text: &str) -> Result<Formula, GravityError> {
        let toks = tokenize(text, "formula")?;
        let chars: Vec<char> = text.chars().collect();
        let slice = |a: usize, b: usize| -> String {
            chars[a..b.min(chars.len())]
                .iter()
                .collect::<String>()
                .trim()
                .to_string()
        };
        let mut p = Parser::new(&toks, text, "formula");
        if matches!(p.peek(), Tok::Op("~")) {
            return Err(p.err("expected the dependent variable before `~`"));
        }
        let start = p.pos();
        let lhs = p.parse_or()?;
        let lhs_name = slice(start, p.pos());
        if !matches!(p.peek(), Tok::Op("~")) {
            return Err(p.err("expected `~` after the dependent variable"));
        }
        p.i += 1;
        let mut terms = Vec::new();
        let mut term_names = Vec::new();
        let mut intercept = true;
        p.stop_at_plus = true;
        if matches!(p.peek(), Tok::Op("|") | Tok::End) {
            return Err(p.err("expected regressors after `~` (use `1` for none)"));
        }
        loop {
            let start = p.pos();
            let is_factor = matches!(p.peek(), Tok::Ident(w) if w == "i")
                && matches!(p.toks.get(p.i + 1).map(|t| &t.tok), Some(Tok::Op("(")));
            let term = if is_factor {
                Some(Term::Factor(parse_factor(&mut p, &slice)?))
            } else {
                match p.parse_or()? {
                    Expr::Num(1.0) => None,
                    Expr::Num(0.0) => {
                        intercept = false;
                        None
                    }
                    Expr::Neg(inner) if *inner == Expr::Num(1.0) => {
                        intercept = false;
                        None
                    }
                    Expr::Num(_) => {
                        return Err(GravityError::Parse {
                            what: "formula",
                            text: text.to_string(),
                            pos: start,
                            msg: "a constant term must be 1 (intercept) or 0 (none)".into(),
                        })
                    }
                    e => Some(Term::Expr(e)),
                }
            };
            if let Some(term) = term {
                let name = slice(start, p.pos());
                if term_names.contains(&name) {
                    return Err(GravityError::Parse {
                        what: "formula",
                        text: text.to_string(),
                        pos: start,
                        msg: format!("regressor `{name}` appears twice"),
                    });
                }
                terms.push(term);
                term_names.push(name);
            }
            match p.peek() {
                Tok::Op("+") => p.i += 1,
                Tok::Op("|") | Tok::End => break,
                _ => return Err(p.err("expected `+`, `|` or the end of the formula")),
            }
        }
        let mut fixed_effects = Vec::new();
        if matches!(p.peek(), Tok::Op("|")) {
            p.i += 1;
            loop {
                let mut dim = Vec::new();
                loop {
                    match p.peek().clone() {
                        Tok::Ident(c) => {
                            dim.push(c);
                            p.i += 1;
                        }
                        _ => return Err(p.err("expected a fixed-effect column name")),
                    }
                    if matches!(p.peek(), Tok::Op("^")) {
                        p.i += 1;
                    } else {
                        break;
                    }
                }
                fixed_effects.push(dim);
                match p.peek() {
                    Tok::Op("+") => p.i += 1,
                    Tok::End => break,
                    _ => return Err(p.err("expected `+`, `^` or the end of the formula")),
                }
            }
        }
        Ok(Formula {
            text: text.to_string(),
            lhs_name,
            lhs,
            term_names,
            terms,
            fixed_effects,
            intercept,
        })
    }

    /// Every column the formula refers to.
    pub fn columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.lhs.columns(&mut out);
        for t in &self.terms {
            match t {
                Term::Expr(e) => e.columns(&mut out),
                Term::Factor(f) => {
                    if !out.contains(&f.column) {
                        out.push(f.column.clone());
                    }
                    if let Some((e, _)) = &f.by {
                        e.columns(&mut out);
                    }
                }
            }
        }
        for d in &self.fixed_effects {
            for c in d {
                if !out.contains(c) {
                    out.push(c.clone());
                }
            }
        }
        out
    }

    /// Whether the dependent variable is `log(...)` (OLS then drops non-positive outcomes).
    pub fn lhs_is_log(&self) -> bool {
        self.lhs.is_log()
    }

    /// Names of the fixed-effect dimensions (`a^b` for interactions).
    pub fn fe_names(&self) -> Vec<String> {
        self.fixed_effects.iter().map(|d| d.join("^")).collect()
    }
}

/// Parses `i(f [, x] [, ref = v | ref = c(v, ...)])` at the parser's position.
fn parse_factor(
    p: &mut Parser,
    slice: &dyn Fn(usize, usize) -> String,
) -> Result<FactorTerm, GravityError> {
    p.i += 2; // `i` and `(`
    p.depth += 1;
    let column = match p.peek().clone() {
        Tok::Ident(c) => {
            p.i += 1;
            c
        }
        _ => return Err(p.err("expected the factor's column name after `i(`")),
    };
    let mut by = None;
    let mut refs = Vec::new();
    while matches!(p.peek(), Tok::Op(",")) {
        p.i += 1;
        let is_ref = matches!(p.peek(), Tok::Ident(w) if w == "ref")
            && matches!(p.toks.get(p.i + 1).map(|t| &t.tok), Some(Tok::Op("=")));
        if is_ref {
            p.i += 2;
            let list = matches!(p.peek(), Tok::Op("("))
                || (matches!(p.peek(), Tok::Ident(w) if w == "c")
                    && matches!(p.toks.get(p.i + 1).map(|t| &t.tok), Some(Tok::Op("("))));
            if list {
                if !matches!(p.peek(), Tok::Op("(")) {
                    p.i += 1;
                }
                p.i += 1;
                loop {
                    refs.push(factor_level(p)?);
                    match p.peek() {
                        Tok::Op(",") => p.i += 1,
                        Tok::Op(")") => {
                            p.i += 1;
                            break;
                        }
                        _ => {
                            return Err(p.err("expected `,` or `)` in the list of reference levels"))
                        }
                    }
                }
            } else {
                refs.push(factor_level(p)?);
            }
        } else if by.is_none() && refs.is_empty() {
            let start = p.pos();
            let e = p.parse_or()?;
            by = Some((e, slice(start, p.pos())));
        } else {
            return Err(p.err("expected `ref = level` (i() takes a column, a variable and `ref`)"));
        }
    }
    if !matches!(p.peek(), Tok::Op(")")) {
        return Err(p.err("expected `)` closing i()"));
    }
    p.i += 1;
    p.depth -= 1;
    Ok(FactorTerm { column, by, refs })
}

/// A reference level: a number (possibly negative) or a quoted text.
fn factor_level(p: &mut Parser) -> Result<Expr, GravityError> {
    let neg = matches!(p.peek(), Tok::Op("-"));
    if neg {
        p.i += 1;
    }
    match p.peek().clone() {
        Tok::Num(v) => {
            p.i += 1;
            Ok(Expr::Num(if neg { -v } else { v }))
        }
        Tok::Str(s) if !neg => {
            p.i += 1;
            Ok(Expr::Str(s))
        }
        _ => Err(p.err("expected a reference level (a number or a quoted text)")),
    }
}

/// A parsed `--where` filter.
#[derive(Debug, Clone)]
pub struct Filter {
    /// The text as given.
    pub text: String,
    pub(crate) expr: Expr,
}

impl Filter {
    /// Parses a filter; errors point at the offending character.
    pub fn parse(text: &str) -> Result<Filter, GravityError> {
        Ok(Filter {
            text: text.to_string(),
            expr: crate::expr::parse_filter(text)?,
        })
    }

    /// Every column the filter refers to.
    pub fn columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.expr.columns(&mut out);
        out
    }
}
