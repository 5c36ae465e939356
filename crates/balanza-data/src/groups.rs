//! Country groups as dated data, and a small set-expression language over them.
//!
//! A policy names its beneficiaries by group ("LDCs with diplomatic relations", "African
//! partners"), and group membership changes over time: countries graduate from the LDC
//! category, and switch recognition between Beijing and Taipei. Every group here is therefore
//! resolved *as of a date*.
//!
//! Built-in groups (names are case-insensitive; `-` and spaces read as `_`):
//! * `ldc` — the UN least developed countries on the date ([`LDC_TABLE`]).
//! * `china_relations` — countries with diplomatic relations with the People's Republic of
//!   China on the date ([`NO_PRC_RELATIONS`] lists the exceptions; China itself is excluded).
//! * M49 regions and sub-regions from [`crate::countries`]: `africa`, `americas`, `asia`,
//!   `europe`, `oceania`, `sub_saharan_africa`, `northern_africa`, `southern_asia`,
//!   `latin_america_and_the_caribbean`, ...
//! * `world` (alias `all`) — every country in the country table.
//!
//! User-defined groups are lists of codes or expressions ([`GroupSet::define`]).
//!
//! Expressions: `ldc and not [HTI, TUV]`, `africa or ldc`, `(africa or asia) and not CHN`.
//! Grammar (lowest precedence first): `or` (also `|`), `and` (also `&`), `not` (also `!`),
//! then an atom: a group name, an ISO3 code, a bracketed list `[AFG, ZAF]`, or a parenthesised
//! expression. `a - b` is shorthand for `a and not b`.

use crate::countries::{all_countries, country, edit_distance, suggest_country};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A calendar date (proleptic Gregorian), enough to order policy and membership events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, e.g. 2024.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
}

impl Date {
    /// A date from its parts; `None` when the day does not exist in that month.
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (day >= 1 && day <= days).then_some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Date, String> {
        let bad = || format!("invalid date `{s}`: expected YYYY-MM-DD, e.g. 2024-12-01");
        let parts: Vec<&str> = s.trim().split('-').collect();
        if parts.len() != 3 || parts[0].len() != 4 || parts[1].len() != 2 || parts[2].len() != 2 {
            return Err(bad());
        }
        let y = parts[0].parse::<i32>().map_err(|_| bad())?;
        let m = parts[1].parse::<u8>().map_err(|_| bad())?;
        let d = parts[2].parse::<u8>().map_err(|_| bad())?;
        Date::new(y, m, d).ok_or_else(bad)
    }

    const fn ymd(year: i32, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One country's history in the UN LDC category.
#[derive(Debug, Clone, Copy)]
pub struct LdcEntry {
    /// ISO3 code.
    pub iso3: &'static str,
    /// Year of inclusion in the category (the UN lists inclusion by year; we treat a member as
    /// included from 1 January of that year, which only matters for dates before 2013).
    pub included: i32,
    /// Date of graduation (the country is no longer an LDC from this date on), if any;
    /// scheduled future graduations are included as decided by the UN General Assembly.
    pub graduated: Option<Date>,
}

const fn ldc(iso3: &'static str, included: i32, graduated: Option<Date>) -> LdcEntry {
    LdcEntry {
        iso3,
        included,
        graduated,
    }
}

/// The UN LDC list with inclusion years and graduation dates.
///
/// Source: UN DESA / Committee for Development Policy, "LDCs at a glance" and the list of
/// least developed countries (inclusion years and graduation dates), as summarised in
/// docs/models.md §5 and ../shared/data/countries/un_ldc_list_m49_2024.csv
/// (45 rows including São Tomé and Príncipe, which graduated on 2024-12-13 → 44 members).
/// Scheduled graduations: Bangladesh, Lao PDR and Nepal on 2026-11-24 (GA resolution 76/8);
/// Solomon Islands on 2027-12-13 (GA resolution 76/8). Cambodia and Senegal were recommended
/// for graduation in 2029 but have no General Assembly date yet, so they stay members here.
/// Past graduations: Botswana (1994-12-20), Cabo Verde (2007-12-20), Maldives (2011-01-01),
/// Samoa (2014-01-01), Equatorial Guinea (2017-06-04), Vanuatu (2020-12-04), Bhutan
/// (2023-12-13), São Tomé and Príncipe (2024-12-13).
pub static LDC_TABLE: &[LdcEntry] = &[
    // Africa (32 current members + São Tomé and Príncipe until 2024).
    ldc("AGO", 1994, None),
    ldc("BEN", 1971, None),
    ldc("BFA", 1971, None),
    ldc("BDI", 1971, None),
    ldc("CAF", 1975, None),
    ldc("TCD", 1971, None),
    ldc("COM", 1977, None),
    ldc("COD", 1991, None),
    ldc("DJI", 1982, None),
    ldc("ERI", 1994, None),
    ldc("ETH", 1971, None),
    ldc("GMB", 1975, None),
    ldc("GIN", 1971, None),
    ldc("GNB", 1981, None),
    ldc("LSO", 1971, None),
    ldc("LBR", 1990, None),
    ldc("MDG", 1991, None),
    ldc("MWI", 1971, None),
    ldc("MLI", 1971, None),
    ldc("MRT", 1986, None),
    ldc("MOZ", 1988, None),
    ldc("NER", 1971, None),
    ldc("RWA", 1971, None),
    ldc("SEN", 2000, None),
    ldc("SLE", 1982, None),
    ldc("SOM", 1971, None),
    ldc("SSD", 2012, None),
    ldc("SDN", 1971, None),
    ldc("TGO", 1982, None),
    ldc("UGA", 1971, None),
    ldc("TZA", 1971, None),
    ldc("ZMB", 1991, None),
    ldc("STP", 1982, Some(Date::ymd(2024, 12, 13))),
    // Asia (8 current members).
    ldc("AFG", 1971, None),
    ldc("BGD", 1975, Some(Date::ymd(2026, 11, 24))),
    ldc("KHM", 1991, None),
    ldc("LAO", 1971, Some(Date::ymd(2026, 11, 24))),
    ldc("MMR", 1987, None),
    ldc("NPL", 1971, Some(Date::ymd(2026, 11, 24))),
    ldc("TLS", 2003, None),
    ldc("YEM", 1971, None),
    ldc("BTN", 1971, Some(Date::ymd(2023, 12, 13))),
    ldc("MDV", 1971, Some(Date::ymd(2011, 1, 1))),
    // Caribbean (1).
    ldc("HTI", 1971, None),
    // Pacific (3 current members).
    ldc("KIR", 1986, None),
    ldc("SLB", 1991, Some(Date::ymd(2027, 12, 13))),
    ldc("TUV", 1986, None),
    ldc("WSM", 1971, Some(Date::ymd(2014, 1, 1))),
    ldc("VUT", 1985, Some(Date::ymd(2020, 12, 4))),
    // Other past members.
    ldc("BWA", 1971, Some(Date::ymd(1994, 12, 20))),
    ldc("CPV", 1977, Some(Date::ymd(2007, 12, 20))),
    ldc("GNQ", 1982, Some(Date::ymd(2017, 6, 4))),
];

/// Whether `iso3` is a UN LDC on `date`.
pub fn is_ldc(iso3: &str, date: Date) -> bool {
    LDC_TABLE.iter().any(|e| {
        e.iso3.eq_ignore_ascii_case(iso3)
            && date >= Date::ymd(e.included, 1, 1)
            && e.graduated.is_none_or(|g| date < g)
    })
}

/// A period during which a country had no diplomatic relations with the People's Republic of
/// China (it recognised Taipei, or neither).
#[derive(Debug, Clone, Copy)]
pub struct NoRelations {
    /// ISO3 code.
    pub iso3: &'static str,
    /// First day without relations; `None` = before 2000-01-01 (the table's horizon).
    pub from: Option<Date>,
    /// The day relations with Beijing were (re-)established; `None` = still none.
    pub until: Option<Date>,
}

const fn norel(iso3: &'static str, from: Option<Date>, until: Option<Date>) -> NoRelations {
    NoRelations { iso3, from, until }
}

/// Countries without diplomatic relations with the PRC, as dated periods, from 2000 on.
///
/// Sources: the joint communiqués establishing or resuming relations, as listed by the PRC
/// Ministry of Foreign Affairs ("Dates of establishment of diplomatic relations"), and
/// docs/models.md §5 (Haiti and Tuvalu recognise Taipei; Burkina Faso switched in 2018, Solomon
/// Islands and Kiribati in 2019; Eswatini is the only African state without relations).
/// Countries that recognised Taipei at some point before 2000 and are not listed here had
/// relations with Beijing throughout 2000–today. Dates older than 2010 are less critical for
/// the scenarios this table serves (China's LDC schemes start in 2010) and are marked.
pub static NO_PRC_RELATIONS: &[NoRelations] = &[
    // Still recognise Taipei (2026) or have no relations with either (Bhutan).
    norel("HTI", None, None),
    norel("TUV", None, None),
    norel("SWZ", None, None),
    norel("BTN", None, None),
    norel("VAT", None, None),
    norel("BLZ", None, None),
    norel("GTM", None, None),
    norel("PRY", None, None),
    norel("KNA", None, None),
    norel("LCA", Some(Date::ymd(2007, 4, 30)), None),
    norel("VCT", None, None),
    norel("MHL", None, None),
    norel("PLW", None, None),
    // Switched to Beijing after 2000.
    norel("MKD", None, Some(Date::ymd(2001, 6, 18))),
    norel("LBR", None, Some(Date::ymd(2003, 10, 11))),
    norel("DMA", None, Some(Date::ymd(2004, 3, 23))),
    norel("GRD", None, Some(Date::ymd(2005, 1, 20))),
    norel("SEN", None, Some(Date::ymd(2005, 10, 25))),
    norel("TCD", None, Some(Date::ymd(2006, 8, 6))),
    norel("CRI", None, Some(Date::ymd(2007, 6, 1))),
    norel("MWI", None, Some(Date::ymd(2007, 12, 28))),
    norel("GMB", None, Some(Date::ymd(2016, 3, 17))),
    norel("STP", None, Some(Date::ymd(2016, 12, 26))),
    norel("PAN", None, Some(Date::ymd(2017, 6, 13))),
    norel("DOM", None, Some(Date::ymd(2018, 5, 1))),
    norel("BFA", None, Some(Date::ymd(2018, 5, 26))),
    norel("SLV", None, Some(Date::ymd(2018, 8, 21))),
    norel("SLB", None, Some(Date::ymd(2019, 9, 21))),
    norel(
        "KIR",
        Some(Date::ymd(2003, 11, 29)),
        Some(Date::ymd(2019, 9, 27)),
    ),
    norel("NIC", None, Some(Date::ymd(2021, 12, 10))),
    norel("HND", None, Some(Date::ymd(2023, 3, 26))),
    // Nauru: Beijing 2002-07-21 to 2005-05-31, Taipei until 2024-01-24.
    norel("NRU", None, Some(Date::ymd(2002, 7, 21))),
    norel(
        "NRU",
        Some(Date::ymd(2005, 5, 31)),
        Some(Date::ymd(2024, 1, 24)),
    ),
];

/// Areas of the country table that are not sovereign states (territories, dependencies, parts
/// of other states, Antarctica), plus Taiwan: none of them can hold diplomatic relations with
/// the PRC. Source: the `is_independent` column of ../shared/data/countries/
/// country_codes_m49_ldc.csv (datasets/country-codes), except Palestine, the Cook Islands and
/// Niue, which that file does not mark independent but which have relations with the PRC
/// (1988, 1997 and 2007).
pub static NOT_SOVEREIGN: &[&str] = &[
    "ABW", "AIA", "ALA", "ASM", "ATA", "ATF", "BES", "BLM", "BMU", "BVT", "CCK", "CUW", "CXR",
    "CYM", "ESH", "FLK", "FRO", "GGY", "GIB", "GLP", "GRL", "GUF", "GUM", "HKG", "HMD", "IMN",
    "IOT", "JEY", "MAC", "MAF", "MNP", "MSR", "MTQ", "MYT", "NCL", "NFK", "PCN", "PRI", "PYF",
    "REU", "SGS", "SHN", "SJM", "SPM", "SXM", "TCA", "TKL", "TWN", "UMI", "VGB", "VIR", "WLF",
];

/// Whether `iso3` has diplomatic relations with the People's Republic of China on `date`.
/// China itself, its special administrative regions, Taiwan and non-sovereign territories are
/// not counted.
pub fn has_prc_relations(iso3: &str, date: Date) -> bool {
    if iso3.eq_ignore_ascii_case("CHN")
        || NOT_SOVEREIGN.iter().any(|c| c.eq_ignore_ascii_case(iso3))
    {
        return false;
    }
    !NO_PRC_RELATIONS.iter().any(|p| {
        p.iso3.eq_ignore_ascii_case(iso3)
            && p.from.is_none_or(|f| date >= f)
            && p.until.is_none_or(|u| date < u)
    })
}

/// A set of ISO3 codes, ordered (so outputs are stable).
pub type CountrySet = BTreeSet<&'static str>;

/// Why a group expression could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    /// The expression is malformed; `pos` is the 0-based character offset.
    #[error("at character {}: {message}", pos + 1)]
    Syntax {
        /// Character offset.
        pos: usize,
        /// What was expected.
        message: String,
    },
    /// A name that is neither a group nor a country code.
    #[error("{0}")]
    Unknown(String),
    /// A user group refers to itself.
    #[error("group `{0}` is defined in terms of itself")]
    Cycle(String),
}

/// Built-in groups plus user-defined ones, resolved as of a date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupSet {
    /// User groups: name (normalised) → expression text.
    user: BTreeMap<String, String>,
}

fn normalise(name: &str) -> String {
    name.trim()
        .to_ascii_lowercase()
        .replace(['-', ' ', '&'], "_")
        .replace("__", "_")
}

/// Names of the built-in groups (for help texts and suggestions).
pub fn builtin_group_names() -> Vec<String> {
    let mut names: BTreeSet<String> = ["ldc", "china_relations", "world", "all"]
        .into_iter()
        .map(String::from)
        .collect();
    for c in all_countries() {
        if !c.region.is_empty() {
            names.insert(normalise(c.region));
            names.insert(normalise(c.subregion));
        }
    }
    names.into_iter().collect()
}

impl GroupSet {
    /// Only the built-in groups.
    pub fn new() -> GroupSet {
        GroupSet::default()
    }

    /// Defines a user group by an expression (a bracketed list is an expression too).
    /// Names are normalised like built-in ones; a user group may shadow a built-in name.
    pub fn define(&mut self, name: &str, expression: &str) {
        self.user.insert(normalise(name), expression.to_string());
    }

    /// Defines a user group from a list of ISO3 codes.
    pub fn define_list(&mut self, name: &str, codes: &[String]) {
        self.define(name, &format!("[{}]", codes.join(", ")));
    }

    /// All group names known to this set (built-in and user-defined).
    pub fn names(&self) -> Vec<String> {
        let mut v = builtin_group_names();
        v.extend(self.user.keys().cloned());
        v.sort();
        v.dedup();
        v
    }

    /// Resolves an expression to the set of countries it denotes on `date`.
    pub fn resolve(&self, expression: &str, date: Date) -> Result<CountrySet, GroupError> {
        self.resolve_inner(expression, date, &mut Vec::new())
    }

    fn resolve_inner(
        &self,
        expression: &str,
        date: Date,
        stack: &mut Vec<String>,
    ) -> Result<CountrySet, GroupError> {
        let tokens = tokenize(expression)?;
        let mut p = Parser {
            tokens,
            i: 0,
            set: self,
            date,
            stack,
            len: expression.chars().count(),
        };
        let v = p.or_expr()?;
        if let Some((pos, t)) = p.tokens.get(p.i) {
            return Err(GroupError::Syntax {
                pos: *pos,
                message: format!("unexpected `{t}`: expected `and`, `or` or the end"),
            });
        }
        Ok(v)
    }

    fn named(
        &self,
        name: &str,
        date: Date,
        stack: &mut Vec<String>,
    ) -> Result<CountrySet, GroupError> {
        let key = normalise(name);
        if let Some(expr) = self.user.get(&key) {
            if stack.contains(&key) {
                return Err(GroupError::Cycle(key));
            }
            stack.push(key.clone());
            let r = self.resolve_inner(expr, date, stack);
            stack.pop();
            return r;
        }
        let all = all_countries().iter().filter(|c| !c.region.is_empty());
        let set: CountrySet = match key.as_str() {
            "ldc" | "ldcs" => all
                .filter(|c| is_ldc(c.iso3, date))
                .map(|c| c.iso3)
                .collect(),
            "china_relations" | "prc_relations" => all
                .filter(|c| has_prc_relations(c.iso3, date))
                .map(|c| c.iso3)
                .collect(),
            "world" | "all" => all.map(|c| c.iso3).collect(),
            _ => {
                let s: CountrySet = all
                    .filter(|c| normalise(c.region) == key || normalise(c.subregion) == key)
                    .map(|c| c.iso3)
                    .collect();
                if s.is_empty() {
                    if let Some(c) = country(name) {
                        return Ok([c.iso3].into_iter().collect());
                    }
                    return Err(GroupError::Unknown(self.unknown_message(name)));
                }
                s
            }
        };
        Ok(set)
    }

    /// "unknown group or country" with the closest group name or country code.
    pub fn unknown_message(&self, name: &str) -> String {
        let key = normalise(name);
        let best = self
            .names()
            .into_iter()
            .map(|n| (edit_distance(&key, &n), n))
            .min_by_key(|(d, _)| *d);
        if let Some((d, n)) = &best {
            if *d <= (key.len() / 3).max(2) {
                return format!("unknown group or country `{name}`: did you mean `{n}`?");
            }
        }
        if name.trim().len() <= 4 {
            if let Some(c) = suggest_country(name) {
                return format!(
                    "unknown group or country `{name}`: did you mean {} ({})?",
                    c.iso3, c.name
                );
            }
        }
        format!(
            "unknown group or country `{name}`: expected an ISO3 code or one of the groups ldc, \
             china_relations, world, an M49 region such as africa, or a group defined in the scenario"
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    And,
    Or,
    Not,
    Minus,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Tok::Word(w) => w.as_str(),
            Tok::And => "and",
            Tok::Or => "or",
            Tok::Not => "not",
            Tok::Minus => "-",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Comma => ",",
        };
        f.write_str(s)
    }
}

fn tokenize(s: &str) -> Result<Vec<(usize, Tok)>, GroupError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let single = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            ',' => Some(Tok::Comma),
            '&' => Some(Tok::And),
            '|' => Some(Tok::Or),
            '!' => Some(Tok::Not),
            '-' => Some(Tok::Minus),
            _ => None,
        };
        if c.is_whitespace() {
            i += 1;
        } else if let Some(t) = single {
            out.push((i, t));
            i += 1;
        } else if c.is_alphanumeric() || c == '_' || c == '"' || c == '\'' {
            let start = i;
            let quoted = c == '"' || c == '\'';
            if quoted {
                i += 1;
            }
            let body_start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || (quoted && chars[i] != c))
            {
                i += 1;
            }
            let word: String = chars[body_start..i].iter().collect();
            if quoted {
                if i >= chars.len() {
                    return Err(GroupError::Syntax {
                        pos: start,
                        message: "unterminated quote".into(),
                    });
                }
                i += 1;
            }
            let tok = match word.to_ascii_lowercase().as_str() {
                "and" if !quoted => Tok::And,
                "or" if !quoted => Tok::Or,
                "not" if !quoted => Tok::Not,
                _ => Tok::Word(word),
            };
            out.push((start, tok));
        } else {
            return Err(GroupError::Syntax {
                pos: i,
                message: format!(
                    "unexpected character `{c}`: expected a group name, ISO3 code, `[`, `(`, \
                     `and`, `or` or `not`"
                ),
            });
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<(usize, Tok)>,
    i: usize,
    set: &'a GroupSet,
    date: Date,
    stack: &'a mut Vec<String>,
    len: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.i).map(|(_, t)| t)
    }
    fn pos(&self) -> usize {
        self.tokens.get(self.i).map_or(self.len, |(p, _)| *p)
    }

    fn or_expr(&mut self) -> Result<CountrySet, GroupError> {
        let mut acc = self.and_expr()?;
        while self.peek() == Some(&Tok::Or) {
            self.i += 1;
            let rhs = self.and_expr()?;
            acc.extend(rhs);
        }
        Ok(acc)
    }

    fn and_expr(&mut self) -> Result<CountrySet, GroupError> {
        let mut acc = self.not_expr()?;
        loop {
            match self.peek() {
                Some(Tok::And) => {
                    self.i += 1;
                    let rhs = self.not_expr()?;
                    acc = acc.intersection(&rhs).copied().collect();
                }
                Some(Tok::Minus) => {
                    self.i += 1;
                    let rhs = self.not_expr()?;
                    acc = acc.difference(&rhs).copied().collect();
                }
                _ => return Ok(acc),
            }
        }
    }

    fn not_expr(&mut self) -> Result<CountrySet, GroupError> {
        if self.peek() == Some(&Tok::Not) {
            self.i += 1;
            let inner = self.not_expr()?;
            let world = self.set.named("world", self.date, self.stack)?;
            return Ok(world.difference(&inner).copied().collect());
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<CountrySet, GroupError> {
        let pos = self.pos();
        match self.tokens.get(self.i).map(|(_, t)| t.clone()) {
            Some(Tok::LParen) => {
                self.i += 1;
                let v = self.or_expr()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(GroupError::Syntax {
                        pos: self.pos(),
                        message: "expected `)`".into(),
                    });
                }
                self.i += 1;
                Ok(v)
            }
            Some(Tok::LBracket) => {
                self.i += 1;
                let mut set = CountrySet::new();
                loop {
                    match self.tokens.get(self.i).map(|(_, t)| t.clone()) {
                        Some(Tok::RBracket) => {
                            self.i += 1;
                            return Ok(set);
                        }
                        Some(Tok::Comma) => self.i += 1,
                        Some(Tok::Word(w)) => {
                            match country(&w) {
                                Some(c) => set.insert(c.iso3),
                                None => {
                                    return Err(GroupError::Unknown(
                                        crate::countries::unknown_country_message(&w),
                                    ))
                                }
                            };
                            self.i += 1;
                        }
                        _ => {
                            return Err(GroupError::Syntax {
                                pos: self.pos(),
                                message: "expected an ISO3 code, `,` or `]`".into(),
                            })
                        }
                    }
                }
            }
            Some(Tok::Word(w)) => {
                self.i += 1;
                self.set.named(&w, self.date, self.stack)
            }
            Some(t) => Err(GroupError::Syntax {
                pos,
                message: format!("unexpected `{t}`: expected a group name, ISO3 code, `[` or `(`"),
            }),
            None => Err(GroupError::Syntax {
                pos,
                message: "expression ends early: expected a group name, ISO3 code, `[` or `(`"
                    .into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn ldc_counts_match_the_un_list() {
        // docs/models.md §5: 44 LDCs after São Tomé and Príncipe graduated on 2024-12-13;
        // 45 the day before; Bhutan graduated on 2023-12-13.
        let g = GroupSet::new();
        assert_eq!(g.resolve("ldc", d("2025-01-01")).unwrap().len(), 44);
        assert_eq!(g.resolve("ldc", d("2024-12-12")).unwrap().len(), 45);
        assert!(is_ldc("STP", d("2024-12-12")));
        assert!(!is_ldc("STP", d("2024-12-13")));
        assert!(is_ldc("BTN", d("2023-12-12")) && !is_ldc("BTN", d("2023-12-13")));
        // Bangladesh, Lao PDR and Nepal graduate on 2026-11-24: 41 left after.
        assert_eq!(g.resolve("ldc", d("2026-11-24")).unwrap().len(), 41);
        // 32 African LDCs in 2025 (docs/models.md §5).
        assert_eq!(
            g.resolve("ldc and africa", d("2025-06-01")).unwrap().len(),
            32
        );
    }

    #[test]
    fn ldcs_with_relations_match_chinas_count() {
        // docs/models.md §5: 43 LDCs with relations on 2024-12-01 (STP still an LDC), 42 after.
        let g = GroupSet::new();
        let on = |s| g.resolve("ldc and china_relations", d(s)).unwrap();
        assert_eq!(on("2024-12-01").len(), 43);
        assert_eq!(on("2025-01-01").len(), 42);
        assert!(!on("2024-12-01").contains("HTI"));
        // Burkina Faso switched on 2018-05-26; Solomon Islands and Kiribati in Sept 2019.
        assert!(!on("2018-01-01").contains("BFA") && on("2018-06-01").contains("BFA"));
        assert!(!on("2019-01-01").contains("SLB") && on("2020-01-01").contains("SLB"));
        assert!(!on("2019-01-01").contains("KIR") && on("2020-01-01").contains("KIR"));
        let rel = |c: &str, day: &str| has_prc_relations(c, d(day));
        assert!(rel("NRU", "2003-01-01") && !rel("NRU", "2010-01-01") && rel("NRU", "2024-02-01"));
        assert!(rel("KIR", "2002-01-01") && !rel("KIR", "2004-01-01"));
        assert_eq!(
            g.resolve("ldc and not [HTI, TUV]", d("2025-01-01"))
                .unwrap(),
            on("2025-01-01")
        );
    }

    #[test]
    fn africa_with_relations_is_53() {
        // docs/models.md §5: 53 African countries with diplomatic relations (all but Eswatini).
        // The M49 "Africa" region also lists territories (Réunion, Mayotte, St Helena, Western
        // Sahara, British Indian Ocean Territory...), so the count of 54 UN member states in
        // Africa is checked through the LDC + non-LDC lists of §5 instead.
        let g = GroupSet::new();
        let s = g
            .resolve("africa and china_relations", d("2026-05-01"))
            .unwrap();
        assert!(!s.contains("SWZ"));
        assert_eq!(s.len(), 53, "{s:?}");
        for c in [
            "DZA", "BWA", "CPV", "CMR", "COG", "CIV", "EGY", "GNQ", "GAB", "GHA", "KEN", "LBY",
            "MUS", "MAR", "NAM", "NGA", "STP", "SYC", "ZAF", "TUN", "ZWE",
        ] {
            assert!(s.contains(c), "{c}");
        }
        let ldc_africa = g.resolve("ldc and africa", d("2026-05-01")).unwrap();
        assert_eq!(ldc_africa.len() + 21, 53);
    }

    #[test]
    fn expressions_and_errors() {
        let mut g = GroupSet::new();
        g.define_list("mine", &["AFG".into(), "ZAF".into()]);
        g.define("both", "mine or [CHN]");
        let at = d("2025-01-01");
        assert_eq!(g.resolve("both", at).unwrap().len(), 3);
        assert_eq!(g.resolve("(mine) - AFG", at).unwrap().len(), 1);
        assert!(g.resolve("africa or ldc", at).unwrap().contains("AFG"));
        assert!(g
            .resolve("'Sub-Saharan Africa' and sub_saharan_africa", at)
            .unwrap()
            .contains("ZAF"));
        let e = g.resolve("ldcc", at).unwrap_err().to_string();
        assert!(e.contains("did you mean `ldc`"), "{e}");
        let e = g.resolve("[CNH]", at).unwrap_err().to_string();
        assert!(e.contains("did you mean CHN"), "{e}");
        let e = g.resolve("ldc and", at).unwrap_err().to_string();
        assert!(e.contains("ends early"), "{e}");
        g.define("loop", "loop or ldc");
        assert!(matches!(g.resolve("loop", at), Err(GroupError::Cycle(_))));
        assert!(Date::parse("2024-02-30").is_err());
    }
}
