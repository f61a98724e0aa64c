//! Validation of a submitted document before it is accepted. Every failure is a rejection
//! whose reason names the field, so the supplier can fix it without a phone call; what
//! cannot be checked goes to a buyer's review — never silently accepted.
//!
//! Checks, in order (the first failure is the reason):
//! - `file`: the type by its magic bytes (`%PDF-`, PNG, JPEG, TIFF) is one the matrix
//!   allows, and the size is at most `max_file_bytes` (and not empty);
//! - `valid_from` / `valid_until`: dates (`YYYY-MM-DD`), `valid_until` ≥ `valid_from`;
//! - W-9: `fields.tax_id` an EIN with a prefix the IRS assigns ([`EIN_PREFIXES`]) or an SSN
//!   of valid structure (area not 000, 666 or 9xx; group not 00; serial not 0000), equal to
//!   the workspace's `Tax ID` when it has one; `fields.legal_name` equal to the workspace's
//!   `Legal Name` after normalisation ([`normalise_name`]); `fields.form_revision` one the
//!   matrix lists (the built-in matrix: `2024-03` only, the current "Rev. March 2024");
//! - W-8BEN / W-8BEN-E: `fields.signature_date` present and not in the future — not later than
//!   today in the earliest time zone (UTC+14, [`latest_date_anywhere`]), since a supplier east
//!   of UTC signs on a date UTC has not reached yet; the form is
//!   valid from that day to 31 December of the third following year ([`w8_valid_until`]) —
//!   computed, never taken from what was typed; `fields.legal_name` as for the W-9;
//! - insurance: each limit of the matrix (`fields.<limit>`) at least the minimum, each
//!   required endorsement in `fields.endorsements`, `fields.insured_name` = legal name,
//!   `valid_until` present and not past;
//! - any other kind: nothing structural can be checked → buyer review.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::{Date, Month, OffsetDateTime, UtcOffset};

use crate::matrix::{Matrix, Requirement};

/// EIN prefixes the IRS assigns (IRS, "How EINs are assigned and valid EIN prefixes"):
/// 01–06, 10–16, 20–27, 30–48, 50–68, 71–77, 80–88, 90–95, 98, 99.
pub const EIN_PREFIXES: &[u8] = &[
    1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 26, 27, 30, 31, 32, 33,
    34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 50, 51, 52, 53, 54, 55, 56, 57, 58,
    59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 71, 72, 73, 74, 75, 76, 77, 80, 81, 82, 83, 84, 85, 86,
    87, 88, 90, 91, 92, 93, 94, 95, 98, 99,
];

/// The earliest time zone: UTC+14 (Kiribati, the Line Islands) — no day begins earlier.
pub const EARLIEST_OFFSET: UtcOffset = time::macros::offset!(+14);

/// The latest date anywhere on Earth at `now`: the date in UTC+14. A signature dated later is
/// in the future wherever it was signed; one dated a day after the UTC date may have been
/// signed east of UTC (from 10:00 UTC on, the next day has begun in UTC+14).
pub fn latest_date_anywhere(now: OffsetDateTime) -> Date {
    now.to_offset(EARLIEST_OFFSET).date()
}

/// What is known about the submitted file without reading all of it.
#[derive(Debug, Clone)]
pub struct FileFacts {
    /// Its size in bytes.
    pub size: u64,
    /// Its first bytes (at least 8 when the file has them).
    pub head: Vec<u8>,
}

/// The supplier's master data the submission is checked against.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Supplier {
    /// `Legal Name`.
    pub legal_name: String,
    /// `Tax ID` (may be empty).
    pub tax_id: String,
    /// `Tax Country`.
    pub tax_country: String,
    /// `Supplier Class`.
    pub supplier_class: String,
}

/// One submission of one item.
#[derive(Debug, Clone)]
pub struct Submission<'a> {
    /// The file.
    pub file: FileFacts,
    /// `valid_from` as typed.
    pub valid_from: Option<&'a str>,
    /// `valid_until` as typed.
    pub valid_until: Option<&'a str>,
    /// The structured fields.
    pub fields: &'a Map<String, Value>,
}

/// The outcome of validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Rejected: `field` is wrong because of `reason`.
    Rejected {
        /// The field (`file`, `valid_until`, `fields.tax_id`, …).
        field: String,
        /// Why, for the supplier.
        reason: String,
        /// The checks that ran before it.
        checks: Vec<String>,
    },
    /// Passed what could be checked; a buyer must look at the rest.
    Review {
        /// What the buyer must check.
        reason: String,
        /// The validity established.
        valid_from: Option<Date>,
        /// The validity established.
        valid_until: Option<Date>,
        /// The checks that ran.
        checks: Vec<String>,
    },
    /// Every check passed.
    Accepted {
        /// The validity established.
        valid_from: Option<Date>,
        /// The validity established.
        valid_until: Option<Date>,
        /// The checks that ran.
        checks: Vec<String>,
    },
}

impl Verdict {
    /// The text the supplier reads on a rejection: `<field>: <reason>`.
    pub fn rejection(&self) -> Option<String> {
        match self {
            Self::Rejected { field, reason, .. } => Some(format!("{field}: {reason}")),
            _ => None,
        }
    }
}

struct Checker {
    checks: Vec<String>,
}

type Check<T> = Result<T, (String, String)>;

fn fail<T>(field: &str, reason: impl Into<String>) -> Check<T> {
    Err((field.to_owned(), reason.into()))
}

/// The file type by magic bytes.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"%PDF-") {
        Some("pdf")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpeg")
    } else if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        Some("tiff")
    } else {
        None
    }
}

/// A date as `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format).ok()
}

/// A date as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The last day a W-8BEN / W-8BEN-E signed on `signed` is valid: 31 December of the third
/// year after the year of signing (26 CFR 1.1441-1(e)(4)(ii)(A)).
pub fn w8_valid_until(signed: Date) -> Date {
    Date::from_calendar_date(signed.year() + 3, Month::December, 31)
        .expect("31 December exists in every year")
}

/// Upper case, punctuation to spaces, `&` as `AND`, common legal-form suffixes dropped,
/// whitespace collapsed: `Brightwire Electric, Inc.` and `BRIGHTWIRE ELECTRIC INC` match.
pub fn normalise_name(name: &str) -> String {
    const FORMS: &[&str] = &[
        "INC",
        "INCORPORATED",
        "LLC",
        "LTD",
        "LIMITED",
        "CORP",
        "CORPORATION",
        "CO",
        "COMPANY",
        "LP",
        "LLP",
        "PLC",
    ];
    let upper = name.to_uppercase().replace('&', " AND ");
    let cleaned: String = upper
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut words: Vec<&str> = cleaned.split_whitespace().collect();
    while words.len() > 1 && words.last().is_some_and(|w| FORMS.contains(w)) {
        words.pop();
    }
    words.join(" ")
}

/// Why a US taxpayer identification number is not well formed, or `None` when it is: an
/// EIN (`NN-NNNNNNN`) with an IRS-assigned prefix, or an SSN (`AAA-GG-SSSS`) of valid
/// structure. Nine digits without dashes are read as an EIN.
pub fn tin_problem(text: &str) -> Option<String> {
    let text = text.trim();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let shape_ok = text.chars().all(|c| c.is_ascii_digit() || c == '-');
    if !shape_ok || digits.len() != 9 {
        return Some("must be an EIN (NN-NNNNNNN) or an SSN (NNN-NN-NNNN): nine digits".into());
    }
    let dashes: Vec<usize> = text
        .char_indices()
        .filter(|(_, c)| *c == '-')
        .map(|(i, _)| i)
        .collect();
    let ssn = dashes == [3, 6];
    if !ssn && !dashes.is_empty() && dashes != [2] {
        return Some("must be written NN-NNNNNNN (EIN) or NNN-NN-NNNN (SSN)".into());
    }
    let n = |range: std::ops::Range<usize>| digits[range].parse::<u32>().unwrap_or(0);
    if ssn {
        let (area, group, serial) = (n(0..3), n(3..5), n(5..9));
        if area == 0 || area == 666 || area >= 900 {
            return Some(format!(
                "SSN area {area:03} is never issued (000, 666 and 900–999 are not)"
            ));
        }
        if group == 0 {
            return Some("SSN group 00 is never issued".into());
        }
        if serial == 0 {
            return Some("SSN serial 0000 is never issued".into());
        }
        return None;
    }
    let prefix = n(0..2);
    if EIN_PREFIXES.contains(&u8::try_from(prefix).unwrap_or(0)) {
        None
    } else {
        Some(format!("EIN prefix {prefix:02} is not one the IRS assigns"))
    }
}

fn text<'a>(fields: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    fields
        .get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn amount(fields: &Map<String, Value>, name: &str) -> Option<f64> {
    match fields.get(name)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s
            .trim()
            .trim_start_matches('$')
            .replace([',', ' '], "")
            .parse()
            .ok(),
        _ => None,
    }
}

fn list(fields: &Map<String, Value>, name: &str) -> Vec<String> {
    match fields.get(name) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|s| s.trim().to_lowercase())
            .collect(),
        Some(Value::String(s)) => s
            .split([',', ';'])
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

impl Checker {
    fn ran(&mut self, check: &str) {
        self.checks.push(check.to_owned());
    }

    fn file(&mut self, matrix: &Matrix, file: &FileFacts) -> Check<()> {
        if file.size == 0 {
            return fail("file", "the file is empty");
        }
        if file.size > matrix.max_file_bytes {
            return fail(
                "file",
                format!(
                    "the file is {} bytes; at most {} are accepted",
                    file.size, matrix.max_file_bytes
                ),
            );
        }
        let Some(kind) = sniff(&file.head) else {
            return fail(
                "file",
                format!(
                    "the content is not a {} file (checked by its first bytes)",
                    matrix.file_types.join(", ")
                ),
            );
        };
        if !matrix.file_types.iter().any(|t| t == kind) {
            return fail(
                "file",
                format!(
                    "{kind} files are not accepted; send {}",
                    matrix.file_types.join(", ")
                ),
            );
        }
        self.ran(&format!("file type {kind} by magic bytes"));
        self.ran(&format!("size {} ≤ {}", file.size, matrix.max_file_bytes));
        Ok(())
    }

    fn dates(&mut self, submission: &Submission<'_>) -> Check<(Option<Date>, Option<Date>)> {
        let read = |field: &str, value: Option<&str>| -> Check<Option<Date>> {
            match value.map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => parse_date(v).map(Some).ok_or_else(|| {
                    (
                        field.to_owned(),
                        format!("`{v}` is not a date (YYYY-MM-DD)"),
                    )
                }),
            }
        };
        let from = read("valid_from", submission.valid_from)?;
        let until = read("valid_until", submission.valid_until)?;
        if let (Some(from), Some(until)) = (from, until) {
            if until < from {
                return fail(
                    "valid_until",
                    format!(
                        "{} is before valid_from {}",
                        format_date(until),
                        format_date(from)
                    ),
                );
            }
            self.ran("valid_until ≥ valid_from");
        }
        Ok((from, until))
    }

    fn legal_name(
        &mut self,
        supplier: &Supplier,
        fields: &Map<String, Value>,
        field: &str,
    ) -> Check<()> {
        let Some(given) = text(fields, field) else {
            return fail(&format!("fields.{field}"), "is required");
        };
        if supplier.legal_name.trim().is_empty() {
            return fail(
                &format!("fields.{field}"),
                "cannot be compared: the supplier has no legal name on record",
            );
        }
        if normalise_name(given) != normalise_name(&supplier.legal_name) {
            return fail(
                &format!("fields.{field}"),
                format!(
                    "`{given}` does not match the legal name on record `{}`",
                    supplier.legal_name
                ),
            );
        }
        self.ran(&format!("{field} matches the legal name"));
        Ok(())
    }

    fn w9(
        &mut self,
        matrix: &Matrix,
        supplier: &Supplier,
        fields: &Map<String, Value>,
    ) -> Check<()> {
        let Some(tin) = text(fields, "tax_id") else {
            return fail("fields.tax_id", "is required");
        };
        if let Some(problem) = tin_problem(tin) {
            return fail("fields.tax_id", problem);
        }
        self.ran("tax id structure (IRS EIN prefixes / SSN rules)");
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        if !supplier.tax_id.trim().is_empty() {
            if digits(tin) != digits(&supplier.tax_id) {
                return fail("fields.tax_id", "does not match the tax id on record");
            }
            self.ran("tax id matches the record");
        }
        self.legal_name(supplier, fields, "legal_name")?;
        if !matrix.w9_revisions.is_empty() {
            let Some(revision) = text(fields, "form_revision") else {
                return fail(
                    "fields.form_revision",
                    format!("is required (one of {})", matrix.w9_revisions.join(", ")),
                );
            };
            if !matrix.w9_revisions.iter().any(|r| r == revision) {
                return fail(
                    "fields.form_revision",
                    format!(
                        "revision {revision} is not current; use {}",
                        matrix.w9_revisions.join(" or ")
                    ),
                );
            }
            self.ran("current form revision");
        }
        Ok(())
    }

    fn w8(
        &mut self,
        supplier: &Supplier,
        fields: &Map<String, Value>,
        today: Date,
        latest: Date,
    ) -> Check<(Date, Date)> {
        let Some(signed) = text(fields, "signature_date") else {
            return fail("fields.signature_date", "is required");
        };
        let Some(signed) = parse_date(signed) else {
            return fail(
                "fields.signature_date",
                format!("`{signed}` is not a date (YYYY-MM-DD)"),
            );
        };
        if signed > latest {
            return fail(
                "fields.signature_date",
                format!(
                    "{} is in the future (it is {} at the latest anywhere)",
                    format_date(signed),
                    format_date(latest)
                ),
            );
        }
        let until = w8_valid_until(signed);
        if until < today {
            return fail(
                "fields.signature_date",
                format!(
                    "a form signed {} expired on {}",
                    format_date(signed),
                    format_date(until)
                ),
            );
        }
        self.ran("validity computed from the signature date (31 Dec of the 3rd following year)");
        self.legal_name(supplier, fields, "legal_name")?;
        Ok((signed, until))
    }

    fn insurance(
        &mut self,
        requirement: &Requirement,
        supplier: &Supplier,
        fields: &Map<String, Value>,
        until: Option<Date>,
        today: Date,
    ) -> Check<()> {
        let Some(until) = until else {
            return fail("valid_until", "the policy's expiry date is required");
        };
        if until < today {
            return fail(
                "valid_until",
                format!("the policy expired on {}", format_date(until)),
            );
        }
        let rule = requirement.insurance.clone().unwrap_or_default();
        for (limit, minimum) in &rule.min_limits {
            let field = format!("fields.{limit}");
            let Some(given) = amount(fields, limit) else {
                return fail(&field, format!("is required (at least {minimum})"));
            };
            #[allow(clippy::cast_precision_loss)]
            let least = *minimum as f64;
            if given < least {
                return fail(&field, format!("{given} is below the required {minimum}"));
            }
            self.ran(&format!("{limit} ≥ {minimum}"));
        }
        let endorsements = list(fields, "endorsements");
        for required in &rule.endorsements {
            if !endorsements.iter().any(|e| e == &required.to_lowercase()) {
                return fail(
                    "fields.endorsements",
                    format!("the {required} endorsement is missing"),
                );
            }
            self.ran(&format!("endorsement {required}"));
        }
        self.legal_name(supplier, fields, "insured_name")?;
        Ok(())
    }
}

/// Validates a code-of-conduct attestation answered through the annual campaign's form
/// ([`crate::attestation`]): `form_data.attested` must be `true`, `form_data.signature_date` a
/// date neither in the future (later than today in UTC+14, [`latest_date_anywhere`]) nor older
/// than the requirement's validity, and exactly one file (the signed attestation) of an
/// accepted type by its magic bytes. Valid `validity_days` (365) from the signing date.
pub fn validate_attestation(
    matrix: &Matrix,
    requirement: &Requirement,
    form: &Map<String, Value>,
    files: &[FileFacts],
    now: OffsetDateTime,
) -> Verdict {
    let today = now.to_offset(UtcOffset::UTC).date();
    let latest = latest_date_anywhere(now);
    let mut checker = Checker { checks: Vec::new() };
    let outcome = (|| -> Check<(Date, Date)> {
        match form.get("attested") {
            Some(Value::Bool(true)) => checker.ran("attested"),
            Some(Value::Bool(false)) => {
                return fail(
                    "form_data.attested",
                    "the code of conduct was not attested (answer true to attest)",
                );
            }
            _ => return fail("form_data.attested", "the attestation (true) is missing"),
        }
        let signed = match text(form, "signature_date") {
            None => return fail("form_data.signature_date", "the signing date is missing"),
            Some(t) => parse_date(t).ok_or_else(|| {
                (
                    "form_data.signature_date".to_owned(),
                    format!("`{t}` is not a date (YYYY-MM-DD)"),
                )
            })?,
        };
        if signed > latest {
            return fail(
                "form_data.signature_date",
                format!(
                    "{} is in the future (it is {} at the latest anywhere)",
                    format_date(signed),
                    format_date(latest)
                ),
            );
        }
        let days = i64::from(requirement.validity_days.unwrap_or(365));
        let until = signed + time::Duration::days(days);
        if until < today {
            return fail(
                "form_data.signature_date",
                format!(
                    "signed {}: an attestation is valid {days} days, so it has expired",
                    format_date(signed)
                ),
            );
        }
        checker.ran(&format!("signed {}", format_date(signed)));
        match files {
            [one] => checker.file(matrix, one)?,
            _ => {
                return fail(
                    "attachment_ids",
                    format!(
                        "send exactly one signed attestation ({} were sent)",
                        files.len()
                    ),
                );
            }
        }
        Ok((signed, until))
    })();
    let checks = checker.checks;
    match outcome {
        Ok((signed, until)) => Verdict::Accepted {
            valid_from: Some(signed),
            valid_until: Some(until),
            checks,
        },
        Err((field, reason)) => Verdict::Rejected {
            field,
            reason,
            checks,
        },
    }
}

/// Validates one submission of `requirement` for `supplier` at `now` (expiries are judged
/// against the UTC date, signature dates against the latest date anywhere).
pub fn validate(
    matrix: &Matrix,
    requirement: &Requirement,
    supplier: &Supplier,
    submission: &Submission<'_>,
    now: OffsetDateTime,
) -> Verdict {
    let today = now.to_offset(UtcOffset::UTC).date();
    let latest = latest_date_anywhere(now);
    let mut checker = Checker { checks: Vec::new() };
    let outcome = (|| -> Check<Verdict> {
        checker.file(matrix, &submission.file)?;
        let (from, until) = checker.dates(submission)?;
        match requirement.kind.as_str() {
            "w9" => {
                checker.w9(matrix, supplier, submission.fields)?;
                Ok(Verdict::Accepted {
                    valid_from: from,
                    valid_until: None,
                    checks: Vec::new(),
                })
            }
            "w8ben" | "w8ben_e" => {
                let (signed, computed) = checker.w8(supplier, submission.fields, today, latest)?;
                Ok(Verdict::Accepted {
                    valid_from: Some(signed),
                    valid_until: Some(computed),
                    checks: Vec::new(),
                })
            }
            "insurance_certificate" => {
                checker.insurance(requirement, supplier, submission.fields, until, today)?;
                Ok(Verdict::Accepted {
                    valid_from: from,
                    valid_until: until,
                    checks: Vec::new(),
                })
            }
            _ => {
                let until = until.or_else(|| {
                    let days = requirement.validity_days?;
                    Some(from.unwrap_or(today) + time::Duration::days(i64::from(days)))
                });
                Ok(Verdict::Review {
                    reason: format!(
                        "{} cannot be checked automatically: a buyer must review it",
                        requirement.title()
                    ),
                    valid_from: from,
                    valid_until: until,
                    checks: Vec::new(),
                })
            }
        }
    })();
    let checks = checker.checks;
    match outcome {
        Ok(Verdict::Accepted {
            valid_from,
            valid_until,
            ..
        }) => Verdict::Accepted {
            valid_from,
            valid_until,
            checks,
        },
        Ok(Verdict::Review {
            reason,
            valid_from,
            valid_until,
            ..
        }) => Verdict::Review {
            reason,
            valid_from,
            valid_until,
            checks,
        },
        Ok(rejected @ Verdict::Rejected { .. }) => rejected,
        Err((field, reason)) => Verdict::Rejected {
            field,
            reason,
            checks,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn w8_forms_run_to_the_end_of_the_third_following_year() {
        assert_eq!(w8_valid_until(date!(2026 - 01 - 01)), date!(2029 - 12 - 31));
        assert_eq!(w8_valid_until(date!(2026 - 12 - 31)), date!(2029 - 12 - 31));
        // a year boundary: the last day of a year and the first of the next differ by a year
        assert_eq!(w8_valid_until(date!(2027 - 01 - 01)), date!(2030 - 12 - 31));
        // leap years: signed on 29 February, still 31 December three years on
        assert_eq!(w8_valid_until(date!(2028 - 02 - 29)), date!(2031 - 12 - 31));
        assert_eq!(w8_valid_until(date!(2024 - 02 - 29)), date!(2027 - 12 - 31));
    }

    fn supplier() -> Supplier {
        Supplier {
            legal_name: "Brightwire Electric, Inc.".into(),
            tax_id: "27-1234567".into(),
            tax_country: "US".into(),
            supplier_class: "services".into(),
        }
    }

    fn fields(value: serde_json::Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("an object, not {other}"),
        }
    }

    fn pdf() -> FileFacts {
        FileFacts {
            size: 2048,
            head: b"%PDF-1.7\n".to_vec(),
        }
    }

    fn run(
        kind: &str,
        file: FileFacts,
        from: Option<&str>,
        until: Option<&str>,
        f: &Map<String, Value>,
        today: Date,
    ) -> Verdict {
        let matrix = Matrix::builtin();
        let requirement = matrix.requirement(kind).expect("kind").clone();
        validate(
            &matrix,
            &requirement,
            &supplier(),
            &Submission {
                file,
                valid_from: from,
                valid_until: until,
                fields: f,
            },
            today.midnight().assume_utc(),
        )
    }

    fn rejected_field(verdict: &Verdict) -> String {
        match verdict {
            Verdict::Rejected { field, .. } => field.clone(),
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    const TODAY: Date = date!(2026 - 12 - 02);

    #[test]
    fn the_w8_signature_day_decides_at_the_day_boundary() {
        let f = |signed: &str| {
            fields(
                serde_json::json!({"signature_date": signed, "legal_name": "Brightwire Electric Inc"}),
            )
        };
        // signed 2023-12-31 → valid to 2026-12-31: still valid on 2026-12-31, expired on 2027-01-01
        let last_day = run(
            "w8ben",
            pdf(),
            None,
            None,
            &f("2023-12-31"),
            date!(2026 - 12 - 31),
        );
        assert!(
            matches!(last_day, Verdict::Accepted { valid_until: Some(d), .. } if d == date!(2026 - 12 - 31)),
            "{last_day:?}"
        );
        let next_day = run(
            "w8ben",
            pdf(),
            None,
            None,
            &f("2023-12-31"),
            date!(2027 - 01 - 01),
        );
        assert_eq!(rejected_field(&next_day), "fields.signature_date");
        // the typed valid_until is ignored: computed from the signature
        let typed = run(
            "w8ben_e",
            pdf(),
            None,
            Some("2040-01-01"),
            &f("2024-02-29"),
            TODAY,
        );
        assert!(
            matches!(typed, Verdict::Accepted { valid_from: Some(a), valid_until: Some(b), .. } if a == date!(2024 - 02 - 29) && b == date!(2027 - 12 - 31)),
            "{typed:?}"
        );
        let future = run("w8ben", pdf(), None, None, &f("2026-12-03"), TODAY);
        assert_eq!(rejected_field(&future), "fields.signature_date");
        let nonsense = run("w8ben", pdf(), None, None, &f("2026-02-30"), TODAY);
        assert_eq!(rejected_field(&nonsense), "fields.signature_date");
    }

    /// Signed in UTC+10 on 2027-01-01 while it is 2026-12-31T23:00Z: not in the future. The
    /// day after the date in UTC+14 is.
    #[test]
    fn a_signature_date_is_in_the_future_only_past_the_earliest_time_zone() {
        use time::macros::datetime;
        let w8 = |signed: &str, now: OffsetDateTime| {
            let matrix = Matrix::builtin();
            let requirement = matrix.requirement("w8ben").expect("kind").clone();
            let f = fields(
                serde_json::json!({"signature_date": signed, "legal_name": "Brightwire Electric Inc"}),
            );
            validate(
                &matrix,
                &requirement,
                &supplier(),
                &Submission {
                    file: pdf(),
                    valid_from: None,
                    valid_until: None,
                    fields: &f,
                },
                now,
            )
        };
        let late_evening = datetime!(2026-12-31 23:00 UTC);
        let ahead = w8("2027-01-01", late_evening);
        assert!(
            matches!(ahead, Verdict::Accepted { valid_from: Some(d), .. } if d == date!(2027 - 01 - 01)),
            "{ahead:?}"
        );
        let two_ahead = w8("2027-01-02", late_evening);
        assert_eq!(rejected_field(&two_ahead), "fields.signature_date");
        assert!(
            matches!(&two_ahead, Verdict::Rejected { reason, .. } if reason.contains("2027-01-02 is in the future")),
            "{two_ahead:?}"
        );
        // 10:00 UTC is midnight in UTC+14: the next day begins there
        let before = w8("2027-01-01", datetime!(2026-12-31 09:59:59 UTC));
        assert_eq!(rejected_field(&before), "fields.signature_date");
        let at = w8("2027-01-01", datetime!(2026-12-31 10:00 UTC));
        assert!(matches!(at, Verdict::Accepted { .. }), "{at:?}");
        // the attestation's signing date alike
        let matrix = Matrix::builtin();
        let rule = matrix.requirement("code_of_conduct").expect("kind").clone();
        let form =
            |signed: &str| fields(serde_json::json!({"attested": true, "signature_date": signed}));
        let attested =
            validate_attestation(&matrix, &rule, &form("2027-01-01"), &[pdf()], late_evening);
        assert!(
            matches!(attested, Verdict::Accepted { valid_from: Some(d), .. } if d == date!(2027 - 01 - 01)),
            "{attested:?}"
        );
        let too_early =
            validate_attestation(&matrix, &rule, &form("2027-01-02"), &[pdf()], late_evening);
        assert_eq!(rejected_field(&too_early), "form_data.signature_date");
        let before = validate_attestation(
            &matrix,
            &rule,
            &form("2027-01-01"),
            &[pdf()],
            datetime!(2026-12-31 09:59:59 UTC),
        );
        assert_eq!(rejected_field(&before), "form_data.signature_date");
    }

    #[test]
    fn ein_prefixes_and_ssn_structure() {
        assert_eq!(tin_problem("27-1234567"), None);
        assert_eq!(tin_problem("271234567"), None);
        assert!(tin_problem("07-1234567").unwrap().contains("prefix 07"));
        assert!(tin_problem("89-1234567").unwrap().contains("prefix 89"));
        assert!(tin_problem("00-1234567").is_some());
        assert_eq!(tin_problem("123-45-6789"), None);
        assert!(tin_problem("666-45-6789").unwrap().contains("666"));
        assert!(tin_problem("900-45-6789").is_some());
        assert!(tin_problem("123-00-6789").unwrap().contains("group"));
        assert!(tin_problem("123-45-0000").unwrap().contains("serial"));
        assert!(tin_problem("12-345").is_some());
        assert!(tin_problem("1234-56789").is_some());
    }

    #[test]
    fn names_match_after_normalisation() {
        assert_eq!(
            normalise_name("Brightwire Electric, Inc."),
            "BRIGHTWIRE ELECTRIC"
        );
        assert_eq!(
            normalise_name("BRIGHTWIRE  ELECTRIC INC"),
            "BRIGHTWIRE ELECTRIC"
        );
        assert_eq!(normalise_name("Smith & Sons Co."), "SMITH AND SONS");
        assert_ne!(
            normalise_name("Brightwire Electrics"),
            "BRIGHTWIRE ELECTRIC"
        );
    }

    fn w9(tin: &str) -> Map<String, Value> {
        fields(
            serde_json::json!({"tax_id": tin, "legal_name": "Brightwire Electric Inc.", "form_revision": "2024-03"}),
        )
    }

    fn insurance() -> Map<String, Value> {
        fields(serde_json::json!({
            "general_liability_each_occurrence": 1_000_000,
            "general_liability_aggregate": "$2,000,000",
            "endorsements": ["additional_insured", "waiver_of_subrogation"],
            "insured_name": "Brightwire Electric, Inc."
        }))
    }

    #[test]
    fn every_negative_validation_names_its_field() {
        let png = FileFacts {
            size: 10,
            head: b"\x89PNG\r\n\x1a\nrest".to_vec(),
        };
        let text = FileFacts {
            size: 10,
            head: b"hello you".to_vec(),
        };
        let big = FileFacts {
            size: 11 * 1024 * 1024,
            head: b"%PDF-1.4".to_vec(),
        };
        let empty = FileFacts {
            size: 0,
            head: Vec::new(),
        };
        let ok = w9("27-1234567");
        assert!(matches!(
            run("w9", png, None, None, &ok, TODAY),
            Verdict::Accepted { .. }
        ));
        let cases: Vec<(Verdict, &str)> = vec![
            (run("w9", text, None, None, &ok, TODAY), "file"),
            (run("w9", big, None, None, &ok, TODAY), "file"),
            (run("w9", empty, None, None, &ok, TODAY), "file"),
            (
                run("w9", pdf(), Some("2026-13-01"), None, &ok, TODAY),
                "valid_from",
            ),
            (
                run(
                    "w9",
                    pdf(),
                    Some("2026-12-01"),
                    Some("2026-11-30"),
                    &ok,
                    TODAY,
                ),
                "valid_until",
            ),
            (
                run("w9", pdf(), None, None, &w9("07-1234567"), TODAY),
                "fields.tax_id",
            ),
            (
                run("w9", pdf(), None, None, &w9("41-7654321"), TODAY),
                "fields.tax_id",
            ),
            (
                run(
                    "w9",
                    pdf(),
                    None,
                    None,
                    &fields(serde_json::json!({"legal_name": "Brightwire Electric"})),
                    TODAY,
                ),
                "fields.tax_id",
            ),
            (
                run(
                    "w9",
                    pdf(),
                    None,
                    None,
                    &fields(
                        serde_json::json!({"tax_id": "27-1234567", "legal_name": "Brightwater Electric", "form_revision": "2024-03"}),
                    ),
                    TODAY,
                ),
                "fields.legal_name",
            ),
            (
                run(
                    "w9",
                    pdf(),
                    None,
                    None,
                    &fields(
                        serde_json::json!({"tax_id": "27-1234567", "legal_name": "Brightwire Electric", "form_revision": "2011-12"}),
                    ),
                    TODAY,
                ),
                "fields.form_revision",
            ),
            (
                run(
                    "w8ben",
                    pdf(),
                    None,
                    None,
                    &fields(serde_json::json!({"legal_name": "Brightwire Electric"})),
                    TODAY,
                ),
                "fields.signature_date",
            ),
            (
                run(
                    "w8ben",
                    pdf(),
                    None,
                    None,
                    &fields(
                        serde_json::json!({"signature_date": "2026-01-05", "legal_name": "Other Name"}),
                    ),
                    TODAY,
                ),
                "fields.legal_name",
            ),
            (
                run(
                    "insurance_certificate",
                    pdf(),
                    Some("2026-01-01"),
                    None,
                    &insurance(),
                    TODAY,
                ),
                "valid_until",
            ),
            (
                run(
                    "insurance_certificate",
                    pdf(),
                    Some("2025-01-01"),
                    Some("2026-01-01"),
                    &insurance(),
                    TODAY,
                ),
                "valid_until",
            ),
        ];
        for (i, (verdict, field)) in cases.iter().enumerate() {
            assert_eq!(rejected_field(verdict), *field, "case {i}: {verdict:?}");
            let reason = verdict.rejection().expect("a reason");
            assert!(
                reason.starts_with(&format!("{field}: ")),
                "case {i}: {reason}"
            );
        }
        let mut low = insurance();
        low.insert(
            "general_liability_each_occurrence".into(),
            serde_json::json!(500_000),
        );
        let v = run(
            "insurance_certificate",
            pdf(),
            Some("2026-01-01"),
            Some("2027-01-01"),
            &low,
            TODAY,
        );
        assert_eq!(
            rejected_field(&v),
            "fields.general_liability_each_occurrence"
        );
        let mut unendorsed = insurance();
        unendorsed.insert(
            "endorsements".into(),
            serde_json::json!("additional_insured"),
        );
        let v = run(
            "insurance_certificate",
            pdf(),
            Some("2026-01-01"),
            Some("2027-01-01"),
            &unendorsed,
            TODAY,
        );
        assert_eq!(rejected_field(&v), "fields.endorsements");
        assert!(v.rejection().unwrap().contains("waiver_of_subrogation"));
        let mut other = insurance();
        other.insert("insured_name".into(), serde_json::json!("Someone Else LLC"));
        let v = run(
            "insurance_certificate",
            pdf(),
            Some("2026-01-01"),
            Some("2027-01-01"),
            &other,
            TODAY,
        );
        assert_eq!(rejected_field(&v), "fields.insured_name");
        let good = run(
            "insurance_certificate",
            pdf(),
            Some("2026-01-01"),
            Some("2027-01-01"),
            &insurance(),
            TODAY,
        );
        assert!(
            matches!(good, Verdict::Accepted { valid_until: Some(d), .. } if d == date!(2027 - 01 - 01)),
            "{good:?}"
        );
    }

    #[test]
    fn the_built_in_matrix_refuses_a_w9_older_than_the_current_revision() {
        let mut old = w9("27-1234567");
        old.insert("form_revision".into(), serde_json::json!("2018-10"));
        let v = run("w9", pdf(), None, None, &old, TODAY);
        assert_eq!(rejected_field(&v), "fields.form_revision", "{v:?}");
        let reason = v.rejection().expect("a reason");
        assert!(
            reason.contains("2018-10") && reason.contains("2024-03"),
            "names the revision given and the current one: {reason}"
        );
        assert!(
            matches!(
                run("w9", pdf(), None, None, &w9("27-1234567"), TODAY),
                Verdict::Accepted { .. }
            ),
            "the current revision (Rev. March 2024) is accepted"
        );
    }

    #[test]
    fn what_cannot_be_checked_goes_to_a_buyer() {
        let v = run(
            "iso9001",
            pdf(),
            Some("2026-01-01"),
            Some("2029-01-01"),
            &Map::new(),
            TODAY,
        );
        assert!(matches!(v, Verdict::Review { .. }), "{v:?}");
    }
}
