//! Numbers handed out from a named sequence, once per identity: the same identity asking
//! again gets its number back, and two identities never share one (until the sequence wraps
//! around after `last`). Interchange control numbers of outbound acknowledgments are the
//! use: X12 ISA13 / EDIFACT UNB 0020 must be unique per sender for the partner's duplicate
//! detection, and a re-run must write the very same number.
//!
//! # Format
//! - counter: `("sequence", "{name}")`, data `{"next": 100000001}`;
//! - assignment: `("sequence-number", "{name}/{identity}")`, data `{"number": 100000000}`,
//!   plus `"with": {…}` when the caller kept something beside the number
//!   ([`Sequence::number_with`]).
//!
//! The counter step and the assignment are one ledger transaction, so a number is never
//! given twice and an identity never gets two; twins racing for the counter retry.

use serde_json::json;

use super::{Ledger, LedgerError, LedgerWrite, NewRecord, RecordId};

/// How many times a number is asked for under contention before giving up.
const MAX_ROUNDS: usize = 64;

/// A named range of numbers, `first..=last`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequence {
    name: String,
    first: u64,
    last: u64,
}

impl Sequence {
    /// A sequence; `first <= last` and the name must make a valid record key.
    pub fn new(name: impl Into<String>, first: u64, last: u64) -> Result<Self, LedgerError> {
        let name = name.into();
        if first > last {
            return Err(LedgerError::invalid(
                "sequence",
                format!("{name}: first {first} is after last {last}"),
            ));
        }
        RecordId::new("sequence", name.clone())?;
        Ok(Self { name, first, last })
    }

    /// The number of `identity`: the one it was given before, or the next free one.
    ///
    /// # Errors
    /// Ledger failures; [`LedgerError::TransactionCancelled`] if the counter stayed contended
    /// for every round.
    pub async fn number_for(
        &self,
        ledger: &dyn Ledger,
        identity: &str,
    ) -> Result<u64, LedgerError> {
        Ok(self
            .number_with(ledger, identity, serde_json::Value::Null)
            .await?
            .0)
    }

    /// [`Sequence::number_for`], keeping `with` beside a newly given number and returning what
    /// was kept with it (`with` itself the first time; the first caller's value on every later
    /// ask; `Null` for a number given before this was kept). What must be the same on every
    /// re-run of the work the number is for — the time an acknowledgment was prepared — is
    /// kept here, so the re-run writes the very same bytes.
    ///
    /// # Errors
    /// As [`Sequence::number_for`].
    pub async fn number_with(
        &self,
        ledger: &dyn Ledger,
        identity: &str,
        with: serde_json::Value,
    ) -> Result<(u64, serde_json::Value), LedgerError> {
        let counter_id = RecordId::new("sequence", self.name.clone())?;
        let assignment_id = RecordId::new("sequence-number", format!("{}/{identity}", self.name))?;
        let mut last_error = None;
        for _ in 0..MAX_ROUNDS {
            if let Some(assigned) = ledger.get(&assignment_id).await? {
                let kept = assigned
                    .data
                    .get("with")
                    .cloned()
                    .unwrap_or(serde_json::Value::Null);
                return Ok((number_of(&assigned.data, &assignment_id)?, kept));
            }
            let (number, counter_write) = match ledger.get(&counter_id).await? {
                None => (
                    self.first,
                    LedgerWrite::Create(NewRecord::new(
                        counter_id.clone(),
                        "open",
                        json!({"next": self.after(self.first)}),
                    )),
                ),
                Some(counter) => {
                    let next = counter
                        .data
                        .get("next")
                        .and_then(serde_json::Value::as_u64)
                        .filter(|n| (self.first..=self.last).contains(n))
                        .unwrap_or(self.first);
                    let mut change = counter.change();
                    change.data = json!({"next": self.after(next)});
                    (next, LedgerWrite::Update(change))
                }
            };
            let assignment = LedgerWrite::Create(NewRecord::new(
                assignment_id.clone(),
                "assigned",
                if with.is_null() {
                    json!({"number": number})
                } else {
                    json!({"number": number, "with": with})
                },
            ));
            match ledger.transact(vec![counter_write, assignment]).await {
                Ok(()) => return Ok((number, with)),
                // A twin moved the counter or assigned this identity: look again.
                Err(error @ LedgerError::TransactionCancelled { .. }) => last_error = Some(error),
                Err(error) => return Err(error),
            }
        }
        Err(last_error.unwrap_or_else(|| {
            LedgerError::invalid("sequence", format!("{}: no rounds were run", self.name))
        }))
    }

    fn after(&self, number: u64) -> u64 {
        if number >= self.last {
            self.first
        } else {
            number + 1
        }
    }
}

fn number_of(data: &serde_json::Value, id: &RecordId) -> Result<u64, LedgerError> {
    data.get("number")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| LedgerError::invalid("sequence-number", format!("{id} holds no number")))
}
