//! A small LQL (Content Server search query language) interpreter for `POST /api/v2/search`.
//!
//! # Format
//! ```text
//! query   := or
//! or      := and ("or" and)*
//! and     := unary (["and"] unary)*
//! unary   := "not" unary | "(" query ")" | clause
//! clause  := REGION ":" value | word
//! value   := "[" bound ("to"|"TO") bound "]" | (">"|">="|"<"|"<=")? term
//! term    := "quoted text" | bare-word          (* in OTName is a wildcard)
//! ```
//! Regions: `OTName`, `OTSubType`, `OTLocation` (the node or anything below it),
//! `OTParentID`, `OTObjectID`, `OTModifyDate`, `OTCreateDate`, `OTObjectDate` (= modify date),
//! and category attributes as `Attr_{cat}_{attr}` (any row of a set, any value of a
//! multi-value attribute). Dates: `YYYYMMDD`, `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS[Z]`, `*`.
//! A bare word matches names containing it.

use serde_json::Value;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use crate::model::Node;
use crate::store::Store;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Both.
    And(Box<Query>, Box<Query>),
    /// Either.
    Or(Box<Query>, Box<Query>),
    /// Not.
    Not(Box<Query>),
    /// `region: test`.
    Clause(String, Test),
    /// A bare word.
    Word(String),
}

/// What a clause checks.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Equal to the term.
    Equals(String),
    /// In a range; `None` is open.
    Range(Option<String>, Option<String>),
    /// `>`, `>=`, `<`, `<=` the term.
    Compare(String, String),
}

/// Why a query could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read the query at position {position}: {message}")]
pub struct LqlError {
    /// Character offset.
    pub position: usize,
    /// What was expected.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
    Colon,
    Operator(String),
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, LqlError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push((start, Token::Open));
                i += 1;
            }
            ')' => {
                tokens.push((start, Token::Close));
                i += 1;
            }
            '[' => {
                tokens.push((start, Token::OpenBracket));
                i += 1;
            }
            ']' => {
                tokens.push((start, Token::CloseBracket));
                i += 1;
            }
            ':' => {
                tokens.push((start, Token::Colon));
                i += 1;
            }
            '<' | '>' => {
                let mut op = c.to_string();
                if chars.get(i + 1) == Some(&'=') {
                    op.push('=');
                    i += 1;
                }
                tokens.push((start, Token::Operator(op)));
                i += 1;
            }
            '"' => {
                let mut value = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    value.push(chars[i]);
                    i += 1;
                }
                if i >= chars.len() {
                    return Err(LqlError {
                        position: start,
                        message: "unclosed quote".to_owned(),
                    });
                }
                i += 1;
                tokens.push((start, Token::Quoted(value)));
            }
            _ => {
                let mut value = String::new();
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !"()[]:\"<>".contains(chars[i])
                {
                    value.push(chars[i]);
                    i += 1;
                }
                // `2024-01-01T10:00:00` contains colons: keep a time glued to its date.
                while i + 1 < chars.len()
                    && chars[i] == ':'
                    && chars[i + 1].is_ascii_digit()
                    && value.starts_with(|c: char| c.is_ascii_digit())
                    && value.contains('T')
                {
                    value.push(':');
                    i += 1;
                    while i < chars.len()
                        && !chars[i].is_whitespace()
                        && !"()[]:\"<>".contains(chars[i])
                    {
                        value.push(chars[i]);
                        i += 1;
                    }
                }
                tokens.push((start, Token::Word(value)));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
    length: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(_, t)| t)
    }
    fn position(&self) -> usize {
        self.tokens.get(self.at).map_or(self.length, |(p, _)| *p)
    }
    fn error(&self, message: &str) -> LqlError {
        LqlError {
            position: self.position(),
            message: message.to_owned(),
        }
    }
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).map(|(_, t)| t.clone());
        self.at += 1;
        token
    }
    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Query, LqlError> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = Query::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Query, LqlError> {
        let mut left = self.unary()?;
        loop {
            if self.keyword("and") {
                self.at += 1;
            } else if self.peek().is_none()
                || self.keyword("or")
                || self.peek() == Some(&Token::Close)
            {
                return Ok(left);
            }
            left = Query::And(Box::new(left), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Query, LqlError> {
        if self.keyword("not") {
            self.at += 1;
            return Ok(Query::Not(Box::new(self.unary()?)));
        }
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(self.error("expected ')'")),
                }
            }
            Some(Token::Word(word)) if self.peek() == Some(&Token::Colon) => {
                self.at += 1;
                Ok(Query::Clause(word, self.test()?))
            }
            Some(Token::Word(word) | Token::Quoted(word)) => Ok(Query::Word(word)),
            _ => {
                self.at = self.at.saturating_sub(1);
                Err(self.error("expected a clause"))
            }
        }
    }

    fn term(&mut self) -> Result<String, LqlError> {
        if let Some(Token::Word(w) | Token::Quoted(w)) = self.next() {
            Ok(w)
        } else {
            self.at = self.at.saturating_sub(1);
            Err(self.error("expected a value"))
        }
    }

    fn test(&mut self) -> Result<Test, LqlError> {
        match self.peek().cloned() {
            Some(Token::OpenBracket) => {
                self.at += 1;
                let low = self.term()?;
                if !self.keyword("to") {
                    return Err(self.error("expected 'to' in a range"));
                }
                self.at += 1;
                let high = self.term()?;
                if self.next() != Some(Token::CloseBracket) {
                    return Err(self.error("expected ']'"));
                }
                let open = |v: String| if v == "*" { None } else { Some(v) };
                Ok(Test::Range(open(low), open(high)))
            }
            Some(Token::Operator(op)) => {
                self.at += 1;
                Ok(Test::Compare(op, self.term()?))
            }
            _ => Ok(Test::Equals(self.term()?)),
        }
    }
}

/// Parses a query.
pub fn parse(text: &str) -> Result<Query, LqlError> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Err(LqlError {
            position: 0,
            message: "the query is empty".to_owned(),
        });
    }
    let mut parser = Parser {
        tokens,
        at: 0,
        length: text.chars().count(),
    };
    let query = parser.or()?;
    if parser.peek().is_some() {
        return Err(parser.error("unexpected text"));
    }
    Ok(query)
}

/// Regions the interpreter knows (besides `Attr_…`).
const REGIONS: [&str; 8] = [
    "OTName",
    "OTSubType",
    "OTLocation",
    "OTParentID",
    "OTObjectID",
    "OTModifyDate",
    "OTCreateDate",
    "OTObjectDate",
];

/// Checks that every region is known; returns the first unknown one.
pub fn unknown_region(query: &Query) -> Option<String> {
    match query {
        Query::And(a, b) | Query::Or(a, b) => unknown_region(a).or_else(|| unknown_region(b)),
        Query::Not(inner) => unknown_region(inner),
        Query::Clause(region, _) => {
            let known = REGIONS.iter().any(|r| r.eq_ignore_ascii_case(region))
                || attribute_region(region).is_some();
            (!known).then(|| region.clone())
        }
        Query::Word(_) => None,
    }
}

fn attribute_region(region: &str) -> Option<(i64, i64)> {
    let rest = region
        .strip_prefix("Attr_")
        .or_else(|| region.strip_prefix("attr_"))?;
    let (cat, attr) = rest.split_once('_')?;
    Some((cat.parse().ok()?, attr.parse().ok()?))
}

/// Whether a node matches.
pub fn matches(query: &Query, store: &Store, node: &Node) -> bool {
    match query {
        Query::And(a, b) => matches(a, store, node) && matches(b, store, node),
        Query::Or(a, b) => matches(a, store, node) || matches(b, store, node),
        Query::Not(inner) => !matches(inner, store, node),
        Query::Word(word) => node.name.to_lowercase().contains(&word.to_lowercase()),
        Query::Clause(region, test) => clause(region, test, store, node),
    }
}

fn clause(region: &str, test: &Test, store: &Store, node: &Node) -> bool {
    let region_lower = region.to_ascii_lowercase();
    match region_lower.as_str() {
        "otname" => match test {
            Test::Equals(value) => glob(&value.to_lowercase(), &node.name.to_lowercase()),
            _ => compare_text(test, &node.name),
        },
        "otsubtype" => compare_int(test, node.subtype),
        "otobjectid" => compare_int(test, node.id),
        "otparentid" => compare_int(test, node.parent_id),
        "otlocation" => match test {
            Test::Equals(value) => value
                .trim()
                .parse::<i64>()
                .is_ok_and(|id| id != node.id && store.is_within(node.id, id)),
            _ => false,
        },
        "otmodifydate" | "otobjectdate" => compare_date(test, node.modify_date),
        "otcreatedate" => compare_date(test, node.create_date),
        _ => attribute_region(region).is_some_and(|(cat, attr)| {
            node.categories.get(&cat).is_some_and(|values| {
                values.iter().any(|(key, value)| {
                    attribute_key_matches(key, cat, attr) && value_matches(test, value)
                })
            })
        }),
    }
}

fn attribute_key_matches(key: &str, cat: i64, attr: i64) -> bool {
    let mut parts = key.split('_');
    parts.next().and_then(|p| p.parse::<i64>().ok()) == Some(cat)
        && key.rsplit('_').next().and_then(|p| p.parse::<i64>().ok()) == Some(attr)
        && (key.split('_').count() == 2 || key.split('_').count() == 4)
}

fn value_matches(test: &Test, value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().any(|item| value_matches(test, item)),
        Value::String(text) => {
            if crate::categories::normalise_date(text).is_some() && !matches!(test, Test::Equals(_))
            {
                return parse_bound(text, false).is_some_and(|at| compare_date(test, at.at));
            }
            match test {
                Test::Equals(wanted) => glob(&wanted.to_lowercase(), &text.to_lowercase()),
                _ => compare_text(test, text),
            }
        }
        Value::Number(n) => n.as_i64().is_some_and(|n| compare_int(test, n)),
        Value::Bool(b) => matches!(test, Test::Equals(w) if w.eq_ignore_ascii_case(&b.to_string())),
        _ => false,
    }
}

fn glob(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == text;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (index, part) in parts.iter().enumerate() {
        if index == 0 {
            let Some(after) = rest.strip_prefix(part) else {
                return false;
            };
            rest = after;
        } else if index == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(found) = rest.find(part) else {
                return false;
            };
            rest = &rest[found + part.len()..];
        }
    }
    true
}

fn compare_text(test: &Test, text: &str) -> bool {
    let text = text.to_lowercase();
    match test {
        Test::Equals(v) => text == v.to_lowercase(),
        Test::Range(low, high) => {
            low.as_ref().is_none_or(|l| text >= l.to_lowercase())
                && high.as_ref().is_none_or(|h| text <= h.to_lowercase())
        }
        Test::Compare(op, v) => ordered(op, text.as_str().cmp(v.to_lowercase().as_str())),
    }
}

fn compare_int(test: &Test, actual: i64) -> bool {
    let number = |v: &str| v.trim().parse::<i64>().ok();
    match test {
        Test::Equals(v) => number(v) == Some(actual),
        Test::Range(low, high) => {
            low.as_deref()
                .is_none_or(|l| number(l).is_some_and(|l| actual >= l))
                && high
                    .as_deref()
                    .is_none_or(|h| number(h).is_some_and(|h| actual <= h))
        }
        Test::Compare(op, v) => number(v).is_some_and(|v| ordered(op, actual.cmp(&v))),
    }
}

fn ordered(op: &str, ordering: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match op {
        ">" => ordering == Greater,
        ">=" => ordering != Less,
        "<" => ordering == Less,
        "<=" => ordering != Greater,
        _ => ordering == Equal,
    }
}

struct Bound {
    at: OffsetDateTime,
    day_only: bool,
}

fn parse_bound(text: &str, _upper: bool) -> Option<Bound> {
    let text = text.trim();
    let compact = format_description!("[year][month][day]");
    let dashed = format_description!("[year]-[month]-[day]");
    let full = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    if let Ok(at) = PrimitiveDateTime::parse(text.trim_end_matches('Z'), &full) {
        return Some(Bound {
            at: at.assume_utc(),
            day_only: false,
        });
    }
    let date = Date::parse(text, &compact)
        .or_else(|_| Date::parse(text, &dashed))
        .ok()?;
    Some(Bound {
        at: date.midnight().assume_utc(),
        day_only: true,
    })
}

fn compare_date(test: &Test, actual: OffsetDateTime) -> bool {
    let cmp = |bound: &Bound| {
        if bound.day_only {
            actual.date().cmp(&bound.at.date())
        } else {
            actual.cmp(&bound.at)
        }
    };
    match test {
        Test::Equals(v) => parse_bound(v, false).is_some_and(|b| cmp(&b).is_eq()),
        Test::Range(low, high) => {
            low.as_deref()
                .is_none_or(|l| parse_bound(l, false).is_some_and(|b| cmp(&b).is_ge()))
                && high
                    .as_deref()
                    .is_none_or(|h| parse_bound(h, true).is_some_and(|b| cmp(&b).is_le()))
        }
        Test::Compare(op, v) => parse_bound(v, false).is_some_and(|b| ordered(op, cmp(&b))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_combine_with_and_or_not_and_parentheses() {
        let query =
            parse(r#"OTSubType: 144 and (OTName: "PO *" or not OTLocation: 2000)"#).unwrap();
        assert!(matches!(query, Query::And(_, _)));
        assert_eq!(unknown_region(&query), None);
    }

    #[test]
    fn date_ranges_with_times_keep_their_colons() {
        let query = parse("OTModifyDate: [2024-01-01T10:00:00Z TO *]").unwrap();
        assert_eq!(
            query,
            Query::Clause(
                "OTModifyDate".into(),
                Test::Range(Some("2024-01-01T10:00:00Z".into()), None)
            )
        );
    }

    #[test]
    fn an_unclosed_quote_is_reported_with_its_position() {
        assert_eq!(parse(r#"OTName: "abc"#).unwrap_err().position, 8);
    }

    #[test]
    fn unknown_regions_are_named() {
        let query = parse("OTBogus: 1").unwrap();
        assert_eq!(unknown_region(&query), Some("OTBogus".into()));
    }

    #[test]
    fn a_region_without_a_space_before_its_value_still_parses() {
        assert_eq!(
            parse("OTSubType:144").unwrap(),
            Query::Clause("OTSubType".into(), Test::Equals("144".into()))
        );
    }

    #[test]
    fn wildcards_match_prefixes_middles_and_suffixes() {
        assert!(glob("po *", "po 4500001234"));
        assert!(glob("*1234", "po 4500001234"));
        assert!(glob("po*00*34", "po 4500001234"));
        assert!(!glob("po*99", "po 4500001234"));
    }
}
