//! Options with a fixed set of values, declared once.
//!
//! Every option such as `--flow imports|exports` or `--method auto|geppml|hat` is an enum whose
//! words (the canonical one first, then accepted aliases) are listed in one place with
//! [`impl_words!`](crate::impl_words). That one list gives the enum `FromStr` (case-insensitive,
//! with an error that lists the choices), `Display` (the canonical word) and serde
//! `Serialize`/`Deserialize` (the same words), so the command line, the dashboard's query
//! strings and the Python package accept exactly the same words and print the same message for
//! a wrong one. The binary turns [`Words::WORDS`] into clap's possible values.

/// An enum whose values are words.
pub trait Words: Sized + Copy + PartialEq + 'static {
    /// What the option is called in messages, e.g. `flow` in "unknown flow `x`".
    const WHAT: &'static str;
    /// Every value with its canonical word and its aliases, in the order they are listed.
    const WORDS: &'static [(Self, &'static str, &'static [&'static str])];

    /// The canonical word of this value.
    fn word(self) -> &'static str {
        Self::WORDS
            .iter()
            .find(|(v, _, _)| *v == self)
            .map_or("", |(_, w, _)| w)
    }

    /// The value a word names (case-insensitive, aliases included); the error lists the
    /// canonical words.
    fn from_word(s: &str) -> Result<Self, String> {
        let lower = s.trim().to_ascii_lowercase();
        Self::WORDS
            .iter()
            .find(|(_, w, aliases)| *w == lower || aliases.contains(&lower.as_str()))
            .map(|(v, _, _)| *v)
            .ok_or_else(|| {
                format!(
                    "unknown {} `{lower}`: expected {}",
                    Self::WHAT,
                    choice_list(Self::WORDS.iter().map(|(_, w, _)| *w))
                )
            })
    }
}

/// `a`, `a or b`, `a, b or c`.
pub fn choice_list<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    let words: Vec<&str> = words.into_iter().collect();
    match words.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// Declares the words of an enum and derives `FromStr`, `Display`, `Serialize` and
/// `Deserialize` from them (see the [module documentation](crate::words)). The crate that
/// calls it needs no `serde` dependency of its own (the macro names this crate's).
///
/// ```
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// enum Flow { Exports, Imports }
/// balanza_data::impl_words!(Flow, "flow", [Flow::Imports => "imports" | "import", Flow::Exports => "exports"]);
/// assert_eq!("IMPORT".parse::<Flow>(), Ok(Flow::Imports));
/// assert_eq!(Flow::Exports.to_string(), "exports");
/// assert_eq!("x".parse::<Flow>().unwrap_err(), "unknown flow `x`: expected imports or exports");
/// ```
/// serde, re-exported so that [`impl_words!`] works in crates that do not depend on it.
#[doc(hidden)]
pub use serde as __serde;

#[macro_export]
macro_rules! impl_words {
    ($ty:ty, $what:literal, [$($value:expr => $word:literal $(| $alias:literal)*),+ $(,)?]) => {
        impl $crate::words::Words for $ty {
            const WHAT: &'static str = $what;
            const WORDS: &'static [(Self, &'static str, &'static [&'static str])] =
                &[$(($value, $word, &[$($alias),*])),+];
        }
        impl ::std::str::FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                <$ty as $crate::words::Words>::from_word(s)
            }
        }
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::words::Words::word(*self))
            }
        }
        impl $crate::words::__serde::Serialize for $ty {
            fn serialize<S: $crate::words::__serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::words::Words::word(*self))
            }
        }
        impl<'de> $crate::words::__serde::Deserialize<'de> for $ty {
            fn deserialize<D: $crate::words::__serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s: ::std::borrow::Cow<'de, str> = $crate::words::__serde::Deserialize::deserialize(d)?;
                <$ty as $crate::words::Words>::from_word(&s).map_err($crate::words::__serde::de::Error::custom)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Pick {
        A,
        B,
        C,
    }
    crate::impl_words!(Pick, "pick", [Pick::A => "a" | "alpha", Pick::B => "b", Pick::C => "c"]);

    #[test]
    fn words_parse_print_and_list_the_choices() {
        assert_eq!("ALPHA".parse::<Pick>(), Ok(Pick::A));
        assert_eq!(" b ".parse::<Pick>(), Ok(Pick::B));
        assert_eq!(Pick::C.to_string(), "c");
        assert_eq!(
            "z".parse::<Pick>().unwrap_err(),
            "unknown pick `z`: expected a, b or c"
        );
        assert_eq!(choice_list(["x"]), "x");
        assert_eq!(choice_list(["x", "y"]), "x or y");
    }
}
