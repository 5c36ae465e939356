//! The expression language shared by formula terms and `--where` filters.
//!
//! Grammar (lowest precedence first):
//! ```text
//! or:      and ( ("or" | "||") and )*
//! and:     not ( ("and" | "&&") not )*
//! not:     ("not" | "!") not | cmp
//! cmp:     sum ( ("==" | "=" | "!=" | "<" | "<=" | ">" | ">=") sum
//!               | ["not"] "in" "(" value ("," value)* ")" )?
//! sum:     prod ( ("+" | "-") prod )*      -- at the top of a formula term, "+" ends the term
//! prod:    unary ( ("*" | "/") unary )*
//! unary:   "-" unary | pow
//! pow:     atom ( "^" unary )?
//! atom:    number | 'text' | "text" | column | `odd column name` | func "(" or ")" | "(" or ")"
//! func:    log exp sqrt abs log1p expm1 I
//! ```
//! Comparisons and logic give 1 (true) or 0 (false); any non-zero number is true. A missing
//! value (NaN) makes a comparison false and an arithmetic result missing.

use crate::error::GravityError;
use crate::frame::{Column, Frame};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Op(&'static str),
    End,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: usize,
}

/// Splits `text` into tokens with their character positions.
pub(crate) fn tokenize(text: &str, what: &'static str) -> Result<Vec<Token>, GravityError> {
    let chars: Vec<char> = text.chars().collect();
    let err = |pos: usize, msg: &str| GravityError::Parse {
        what,
        text: text.to_string(),
        pos,
        msg: msg.to_string(),
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let s: String = chars[start..i].iter().collect();
            let v = s
                .parse::<f64>()
                .map_err(|_| err(start, "malformed number"))?;
            out.push(Token {
                tok: Tok::Num(v),
                pos: start,
            });
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == '.' {
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            let s: String = chars[start..i].iter().collect();
            out.push(Token {
                tok: Tok::Ident(s),
                pos: start,
            });
            continue;
        }
        if c == '\'' || c == '"' || c == '`' {
            i += 1;
            let mut s = String::new();
            while i < chars.len() && chars[i] != c {
                s.push(chars[i]);
                i += 1;
            }
            if i >= chars.len() {
                return Err(err(start, "unterminated quote"));
            }
            i += 1;
            out.push(Token {
                tok: if c == '`' { Tok::Ident(s) } else { Tok::Str(s) },
                pos: start,
            });
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let op2 = ["==", "!=", "<=", ">=", "&&", "||"]
            .into_iter()
            .find(|o| *o == two);
        if let Some(o) = op2 {
            out.push(Token {
                tok: Tok::Op(o),
                pos: start,
            });
            i += 2;
            continue;
        }
        let op1 = [
            "+", "-", "*", "/", "^", "(", ")", ",", "<", ">", "=", "!", "~", "|",
        ]
        .into_iter()
        .find(|o| o.starts_with(c));
        match op1 {
            Some(o) => {
                out.push(Token {
                    tok: Tok::Op(o),
                    pos: start,
                });
                i += 1;
            }
            None => return Err(err(start, &format!("unexpected character `{c}`"))),
        }
    }
    out.push(Token {
        tok: Tok::End,
        pos: chars.len(),
    });
    Ok(out)
}

/// Functions allowed in expressions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Func {
    Log,
    Exp,
    Sqrt,
    Abs,
    Log1p,
    Expm1,
    Identity,
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Num(f64),
    Str(String),
    Col(String),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(&'static str, Box<Expr>, Box<Expr>),
    Call(Func, Box<Expr>),
    In(Box<Expr>, Vec<Expr>, bool),
}

impl Expr {
    /// Column names used.
    pub fn columns(&self, out: &mut Vec<String>) {
        match self {
            Expr::Col(c) => {
                if !out.contains(c) {
                    out.push(c.clone())
                }
            }
            Expr::Neg(e) | Expr::Not(e) | Expr::Call(_, e) => e.columns(out),
            Expr::Bin(_, a, b) => {
                a.columns(out);
                b.columns(out);
            }
            Expr::In(a, l, _) => {
                a.columns(out);
                l.iter().for_each(|e| e.columns(out));
            }
            Expr::Num(_) | Expr::Str(_) => {}
        }
    }

    /// Whether the top of the expression is `log(...)`.
    pub fn is_log(&self) -> bool {
        matches!(self, Expr::Call(Func::Log, _))
    }
}

/// Recursive-descent parser over a token slice.
pub(crate) struct Parser<'t> {
    pub toks: &'t [Token],
    pub i: usize,
    pub text: &'t str,
    pub what: &'static str,
    /// Parenthesis depth; at depth 0 in a formula term, `+` ends the term.
    pub depth: usize,
    pub stop_at_plus: bool,
}

impl<'t> Parser<'t> {
    pub fn new(toks: &'t [Token], text: &'t str, what: &'static str) -> Self {
        Parser {
            toks,
            i: 0,
            text,
            what,
            depth: 0,
            stop_at_plus: false,
        }
    }

    pub fn peek(&self) -> &Tok {
        &self.toks[self.i].tok
    }

    pub fn pos(&self) -> usize {
        self.toks[self.i].pos
    }

    pub fn err(&self, msg: &str) -> GravityError {
        GravityError::Parse {
            what: self.what,
            text: self.text.to_string(),
            pos: self.pos(),
            msg: msg.to_string(),
        }
    }

    fn is_op(&self, o: &str) -> bool {
        matches!(self.peek(), Tok::Op(x) if *x == o)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Tok::Ident(x) if x.eq_ignore_ascii_case(w))
    }

    fn expect_op(&mut self, o: &str) -> Result<(), GravityError> {
        if self.is_op(o) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err(&format!("expected `{o}`")))
        }
    }

    pub fn parse_or(&mut self) -> Result<Expr, GravityError> {
        let mut a = self.parse_and()?;
        while self.is_word("or") || self.is_op("||") {
            self.i += 1;
            let b = self.parse_and()?;
            a = Expr::Bin("or", Box::new(a), Box::new(b));
        }
        Ok(a)
    }

    fn parse_and(&mut self) -> Result<Expr, GravityError> {
        let mut a = self.parse_not()?;
        while self.is_word("and") || self.is_op("&&") {
            self.i += 1;
            let b = self.parse_not()?;
            a = Expr::Bin("and", Box::new(a), Box::new(b));
        }
        Ok(a)
    }

    fn parse_not(&mut self) -> Result<Expr, GravityError> {
        if self.is_word("not") || self.is_op("!") {
            self.i += 1;
            return Ok(Expr::Not(Box::new(self.parse_not()?)));
        }
        self.parse_cmp()
    }

    fn parse_cmp(&mut self) -> Result<Expr, GravityError> {
        let a = self.parse_sum()?;
        let negated_in = self.is_word("not")
            && matches!(self.toks.get(self.i + 1).map(|t| &t.tok), Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("in"));
        if self.is_word("in") || negated_in {
            self.i += if negated_in { 2 } else { 1 };
            self.expect_op("(")?;
            let mut list = Vec::new();
            loop {
                list.push(self.parse_sum()?);
                if self.is_op(",") {
                    self.i += 1;
                } else {
                    break;
                }
            }
            self.expect_op(")")?;
            return Ok(Expr::In(Box::new(a), list, negated_in));
        }
        let op = match self.peek() {
            Tok::Op(o) if ["==", "=", "!=", "<", "<=", ">", ">="].contains(o) => *o,
            _ => return Ok(a),
        };
        self.i += 1;
        let b = self.parse_sum()?;
        let op = if op == "=" { "==" } else { op };
        Ok(Expr::Bin(op, Box::new(a), Box::new(b)))
    }

    fn parse_sum(&mut self) -> Result<Expr, GravityError> {
        let mut a = self.parse_prod()?;
        loop {
            if self.is_op("+") && !(self.stop_at_plus && self.depth == 0) {
                self.i += 1;
                let b = self.parse_prod()?;
                a = Expr::Bin("+", Box::new(a), Box::new(b));
            } else if self.is_op("-") {
                self.i += 1;
                let b = self.parse_prod()?;
                a = Expr::Bin("-", Box::new(a), Box::new(b));
            } else {
                return Ok(a);
            }
        }
    }

    fn parse_prod(&mut self) -> Result<Expr, GravityError> {
        let mut a = self.parse_unary()?;
        while self.is_op("*") || self.is_op("/") {
            let op = if self.is_op("*") { "*" } else { "/" };
            self.i += 1;
            let b = self.parse_unary()?;
            a = Expr::Bin(op, Box::new(a), Box::new(b));
        }
        Ok(a)
    }

    fn parse_unary(&mut self) -> Result<Expr, GravityError> {
        if self.is_op("-") {
            self.i += 1;
            return Ok(Expr::Neg(Box::new(self.parse_unary()?)));
        }
        let a = self.parse_atom()?;
        if self.is_op("^") {
            self.i += 1;
            let b = self.parse_unary()?;
            return Ok(Expr::Bin("^", Box::new(a), Box::new(b)));
        }
        Ok(a)
    }

    fn parse_atom(&mut self) -> Result<Expr, GravityError> {
        match self.peek().clone() {
            Tok::Num(v) => {
                self.i += 1;
                Ok(Expr::Num(v))
            }
            Tok::Str(s) => {
                self.i += 1;
                Ok(Expr::Str(s))
            }
            Tok::Ident(name) => {
                self.i += 1;
                if self.is_op("(") {
                    let f = match name.as_str() {
                        "log" | "ln" => Func::Log,
                        "exp" => Func::Exp,
                        "sqrt" => Func::Sqrt,
                        "abs" => Func::Abs,
                        "log1p" => Func::Log1p,
                        "expm1" => Func::Expm1,
                        "I" => Func::Identity,
                        _ => {
                            self.i -= 1;
                            return Err(self.err(&format!(
                                "unknown function `{name}` (known: log, exp, sqrt, abs, log1p, expm1, I)"
                            )));
                        }
                    };
                    self.i += 1;
                    self.depth += 1;
                    let e = self.parse_or()?;
                    self.expect_op(")")?;
                    self.depth -= 1;
                    Ok(Expr::Call(f, Box::new(e)))
                } else {
                    Ok(Expr::Col(name))
                }
            }
            Tok::Op("(") => {
                self.i += 1;
                self.depth += 1;
                let e = self.parse_or()?;
                self.expect_op(")")?;
                self.depth -= 1;
                Ok(e)
            }
            Tok::End => Err(self.err("unexpected end: expected a number, column or `(`")),
            Tok::Op(o) => Err(self.err(&format!(
                "unexpected `{o}`: expected a number, column or `(`"
            ))),
        }
    }
}

/// Parses a complete filter expression.
pub(crate) fn parse_filter(text: &str) -> Result<Expr, GravityError> {
    let toks = tokenize(text, "filter")?;
    let mut p = Parser::new(&toks, text, "filter");
    let e = p.parse_or()?;
    if *p.peek() != Tok::End {
        return Err(p.err("unexpected text after the end of the expression"));
    }
    Ok(e)
}

/// Value of an expression over all rows.
enum Val<'a> {
    Num(Vec<f64>),
    Text(&'a [u32], &'a [String]),
    Lit(String),
}

fn eval_val<'a>(e: &Expr, f: &'a Frame) -> Result<Val<'a>, GravityError> {
    let n = f.nrows();
    Ok(match e {
        Expr::Num(v) => Val::Num(vec![*v; n]),
        Expr::Str(s) => Val::Lit(s.clone()),
        Expr::Col(c) => match f.get(c)? {
            Column::Num(v) => Val::Num(v.clone()),
            Column::Text { codes, levels } => Val::Text(codes, levels),
        },
        Expr::Neg(a) => Val::Num(num(a, f)?.into_iter().map(|v| -v).collect()),
        Expr::Not(a) => Val::Num(
            num(a, f)?
                .into_iter()
                .map(|v| {
                    if v.is_nan() {
                        f64::NAN
                    } else if v != 0.0 {
                        0.0
                    } else {
                        1.0
                    }
                })
                .collect(),
        ),
        Expr::Call(func, a) => {
            let v = num(a, f)?;
            let g: fn(f64) -> f64 = match func {
                Func::Log => f64::ln,
                Func::Exp => f64::exp,
                Func::Sqrt => f64::sqrt,
                Func::Abs => f64::abs,
                Func::Log1p => f64::ln_1p,
                Func::Expm1 => f64::exp_m1,
                Func::Identity => |x| x,
            };
            Val::Num(v.into_iter().map(g).collect())
        }
        Expr::In(a, list, negated) => {
            let mut acc = vec![0.0; n];
            for item in list {
                let eq = compare("==", eval_val(a, f)?, eval_val(item, f)?, n)?;
                for (x, y) in acc.iter_mut().zip(eq) {
                    if y == 1.0 {
                        *x = 1.0;
                    }
                }
            }
            if *negated {
                acc.iter_mut().for_each(|x| *x = 1.0 - *x);
            }
            Val::Num(acc)
        }
        Expr::Bin(op, a, b) if ["==", "!=", "<", "<=", ">", ">="].contains(op) => {
            Val::Num(compare(op, eval_val(a, f)?, eval_val(b, f)?, n)?)
        }
        Expr::Bin(op, a, b) => {
            let x = num(a, f)?;
            let y = num(b, f)?;
            let g: fn(f64, f64) -> f64 = match *op {
                "+" => |p, q| p + q,
                "-" => |p, q| p - q,
                "*" => |p, q| p * q,
                "/" => |p, q| p / q,
                "^" => f64::powf,
                "and" => |p, q| {
                    if p.is_nan() || q.is_nan() {
                        0.0
                    } else {
                        ((p != 0.0) && (q != 0.0)) as u8 as f64
                    }
                },
                "or" => {
                    |p, q| ((p != 0.0 && !p.is_nan()) || (q != 0.0 && !q.is_nan())) as u8 as f64
                }
                _ => unreachable!("operator {op}"),
            };
            Val::Num(x.into_iter().zip(y).map(|(p, q)| g(p, q)).collect())
        }
    })
}

fn compare(op: &str, a: Val, b: Val, n: usize) -> Result<Vec<f64>, GravityError> {
    let test = |o: std::cmp::Ordering| -> bool {
        use std::cmp::Ordering::*;
        match op {
            "==" => o == Equal,
            "!=" => o != Equal,
            "<" => o == Less,
            "<=" => o != Greater,
            ">" => o == Greater,
            ">=" => o != Less,
            _ => false,
        }
    };
    let b01 = |t: bool| if t { 1.0 } else { 0.0 };
    Ok(match (a, b) {
        (Val::Num(x), Val::Num(y)) => x
            .iter()
            .zip(&y)
            .map(|(p, q)| p.partial_cmp(q).map_or(0.0, |o| b01(test(o))))
            .collect(),
        (Val::Text(c, l), Val::Lit(s)) => {
            let per: Vec<f64> = l
                .iter()
                .map(|v| b01(test(v.as_str().cmp(s.as_str()))))
                .collect();
            c.iter().map(|&k| per[k as usize]).collect()
        }
        (Val::Lit(s), Val::Text(c, l)) => {
            let per: Vec<f64> = l
                .iter()
                .map(|v| b01(test(s.as_str().cmp(v.as_str()))))
                .collect();
            c.iter().map(|&k| per[k as usize]).collect()
        }
        (Val::Text(c1, l1), Val::Text(c2, l2)) => c1
            .iter()
            .zip(c2)
            .map(|(&p, &q)| b01(test(l1[p as usize].cmp(&l2[q as usize]))))
            .collect(),
        (Val::Lit(s), Val::Lit(t)) => vec![b01(test(s.cmp(&t))); n],
        (Val::Num(x), Val::Lit(s)) | (Val::Lit(s), Val::Num(x)) => {
            let v: f64 = s.trim().parse().map_err(|_| {
                GravityError::Input(format!("cannot compare a number with the text '{s}'"))
            })?;
            x.iter()
                .map(|p| p.partial_cmp(&v).map_or(0.0, |o| b01(test(o))))
                .collect()
        }
        (Val::Text(c, l), Val::Num(x)) | (Val::Num(x), Val::Text(c, l)) => {
            // Text that looks like numbers compares numerically.
            let per: Vec<f64> = l
                .iter()
                .map(|v| v.trim().parse().unwrap_or(f64::NAN))
                .collect();
            c.iter()
                .zip(&x)
                .map(|(&k, q)| per[k as usize].partial_cmp(q).map_or(0.0, |o| b01(test(o))))
                .collect()
        }
    })
}

/// Evaluates an expression to numbers (text columns are not numbers: error).
pub(crate) fn num(e: &Expr, f: &Frame) -> Result<Vec<f64>, GravityError> {
    match eval_val(e, f)? {
        Val::Num(v) => Ok(v),
        Val::Text(..) => {
            let mut cols = Vec::new();
            e.columns(&mut cols);
            Err(GravityError::Input(format!(
                "column `{}` holds text; it can be compared (==, in) or used as a fixed effect, not used as a number",
                cols.first().cloned().unwrap_or_default()
            )))
        }
        Val::Lit(s) => Err(GravityError::Input(format!(
            "the text '{s}' is not a number"
        ))),
    }
}

/// Evaluates a filter to a row mask (missing = false).
pub(crate) fn eval_mask(e: &Expr, f: &Frame) -> Result<Vec<bool>, GravityError> {
    Ok(num(e, f)?
        .into_iter()
        .map(|v| v != 0.0 && !v.is_nan())
        .collect())
}
