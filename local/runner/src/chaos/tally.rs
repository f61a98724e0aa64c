//! Counting a chaos run's world: what was sent against what xECM, the ledger and TG hold.
//! Pure — the driver gathers the facts, [`tally`] judges them — so it is tested on worlds
//! that lost, doubled and crossed documents.

#![allow(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)] // counts, shares and amounts of a test run: small and non-negative

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::corpus::{Expect, Planned, key_tokens};

/// A partner document found filed in xECM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiledDoc {
    /// The business identity recorded on it (its description, as the one filer writes it).
    pub identity: String,
    /// The name of the workspace it is in (`PO 4591000001`).
    pub workspace: String,
    /// Its node id.
    pub node_id: i64,
}

/// An acknowledgment the tenant sent through TG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckDoc {
    /// The TG document id.
    pub document_id: String,
    /// The TG partner it went to.
    pub partner_id: String,
    /// The interchange (EDIFACT) or group (X12) control number it acknowledges.
    pub acknowledges: String,
}

/// What the run found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    /// Documents the partners sent into TG.
    pub sent: usize,
    /// Of them, to be filed in their order's workspace.
    pub expected_filed: usize,
    /// Filed exactly once, in the right workspace, nowhere else.
    pub filed: usize,
    /// Of them, to be parked (sender not the order's supplier, or an unknown order).
    pub expected_parked: usize,
    /// Parked as unmatched and filed nowhere.
    pub parked: usize,
    /// Neither filed nor parked.
    pub lost: usize,
    /// Filed more than once in their workspace.
    pub doubled: usize,
    /// Filed in a workspace their sender does not belong to (or filed when they had to park).
    pub wrong_workspace: usize,
    /// Partner documents filed in xECM whose identity nothing sent in this run has.
    pub unexplained_filed: usize,
    /// Acknowledgments (997 / CONTRL) the tenant sent.
    pub acks_sent: usize,
    /// Sent documents with at least one acknowledgment.
    pub acknowledged: usize,
    /// Sent documents acknowledged more than once.
    pub acknowledged_twice: usize,
    /// Sent documents never acknowledged.
    pub unacknowledged: usize,
    /// Inbox items the functions gave up on (dead letters).
    pub dead_letters: usize,
    /// The partners' answers of the xECM-started use cases, per use case (their lost,
    /// doubled, crossed and unexplained are in the counts above).
    pub answers: BTreeMap<String, super::answers::AnswerCounts>,
    /// Up to 20 findings, each naming the document.
    pub findings: Vec<String>,
}

impl Tally {
    /// Whether anything was lost, doubled or crossed (or acknowledged twice, never, or
    /// dead-lettered).
    pub fn failed(&self) -> bool {
        self.lost + self.doubled + self.wrong_workspace + self.unexplained_filed > 0
            || self.acknowledged_twice + self.unacknowledged + self.dead_letters > 0
    }

    /// Whether every document is where it belongs (filed or parked) and acknowledged: the
    /// world is done changing as far as the run can see.
    pub fn settled(&self) -> bool {
        self.filed == self.expected_filed
            && self.parked == self.expected_parked
            && self.unacknowledged == 0
            && self
                .answers
                .values()
                .all(|a| a.filed == a.expected_filed && a.refused == a.expected_refused)
    }

    pub(crate) fn note(&mut self, finding: String) {
        if self.findings.len() < 20 {
            self.findings.push(finding);
        }
    }
}

/// Judges the world: `sent` (what the partners sent), `filed` (every partner document in
/// xECM), `parked` (identities in the functions' unmatched queues), `acks` (what TG carried
/// back), `dead_letters` (from the functions' inboxes).
pub fn tally(
    sent: &[Planned],
    filed: &[FiledDoc],
    parked: &BTreeSet<String>,
    acks: &[AckDoc],
    dead_letters: usize,
) -> Tally {
    let mut out = Tally {
        sent: sent.len(),
        dead_letters,
        acks_sent: acks.len(),
        ..Tally::default()
    };
    let mut by_token: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, doc) in filed.iter().enumerate() {
        for token in key_tokens(&doc.identity) {
            by_token.entry(token).or_default().push(i);
        }
    }
    let mut explained = vec![false; filed.len()];
    for planned in sent {
        let hits: Vec<&FiledDoc> = by_token
            .get(planned.key())
            .into_iter()
            .flatten()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|&i| planned.is(&filed[i].identity))
            .map(|i| {
                explained[i] = true;
                &filed[i]
            })
            .collect();
        let what = format!(
            "#{} {} {} from {}",
            planned.index, planned.doc_type, planned.number, planned.partner_id
        );
        match &planned.expect {
            Expect::Filed(workspace) => {
                out.expected_filed += 1;
                let right = hits.iter().filter(|d| &d.workspace == workspace).count();
                let wrong: Vec<&&FiledDoc> =
                    hits.iter().filter(|d| &d.workspace != workspace).collect();
                if !wrong.is_empty() {
                    out.wrong_workspace += 1;
                    out.note(format!(
                        "CROSSED {what}: in {} (belongs in {workspace})",
                        wrong
                            .iter()
                            .map(|d| format!("{} node {}", d.workspace, d.node_id))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                match right {
                    0 if wrong.is_empty() => {
                        out.lost += 1;
                        out.note(format!("LOST {what}: not filed in {workspace}"));
                    }
                    1 if wrong.is_empty() => out.filed += 1,
                    0 | 1 => {}
                    n => {
                        out.doubled += 1;
                        out.note(format!("DOUBLED {what}: {n} documents in {workspace}"));
                    }
                }
            }
            Expect::Parked(function) => {
                out.expected_parked += 1;
                let is_parked = parked.iter().any(|identity| planned.is(identity));
                if !hits.is_empty() {
                    out.wrong_workspace += 1;
                    out.note(format!(
                        "CROSSED {what}: had to be parked by {function}, filed in {}",
                        hits.iter()
                            .map(|d| format!("{} node {}", d.workspace, d.node_id))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                } else if is_parked {
                    out.parked += 1;
                } else {
                    out.lost += 1;
                    out.note(format!(
                        "LOST {what}: neither parked by {function} nor filed"
                    ));
                }
            }
        }
    }
    for (doc, seen) in filed.iter().zip(&explained) {
        if !seen {
            out.unexplained_filed += 1;
            out.note(format!(
                "UNEXPLAINED filed document node {} in {}: identity {}",
                doc.node_id, doc.workspace, doc.identity
            ));
        }
    }
    let mut per_interchange: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for ack in acks {
        *per_interchange
            .entry((ack.partner_id.as_str(), ack.acknowledges.as_str()))
            .or_default() += 1;
    }
    for planned in sent {
        match per_interchange
            .get(&(planned.partner_id, planned.interchange.as_str()))
            .copied()
            .unwrap_or(0)
        {
            0 => {
                out.unacknowledged += 1;
                out.note(format!(
                    "UNACKNOWLEDGED #{} {} {} (interchange {})",
                    planned.index, planned.doc_type, planned.number, planned.interchange
                ));
            }
            1 => out.acknowledged += 1,
            n => {
                out.acknowledged += 1;
                out.acknowledged_twice += 1;
                out.note(format!(
                    "ACKNOWLEDGED {n}x #{} {} {} (interchange {})",
                    planned.index, planned.doc_type, planned.number, planned.interchange
                ));
            }
        }
    }
    out
}

/// The control number an acknowledgment's content refers to: `AK1*<id>*<group>` in a
/// 997/999, `UCI+<interchange>+…` in a CONTRL.
pub fn acknowledged_control(content: &str) -> Option<String> {
    for segment in content.split(['~', '\'', '\n']) {
        let segment = segment.trim();
        if let Some(rest) = segment.strip_prefix("AK1*") {
            return rest.split('*').nth(1).map(str::to_owned);
        }
        if let Some(rest) = segment.strip_prefix("UCI+") {
            return rest.split('+').next().map(str::to_owned);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::corpus;
    use super::*;

    /// The world as a correct run leaves it: every planned document where it belongs, once,
    /// acknowledged once.
    fn perfect(plan: &[Planned]) -> (Vec<FiledDoc>, BTreeSet<String>, Vec<AckDoc>) {
        let mut filed = Vec::new();
        let mut parked = BTreeSet::new();
        let mut acks = Vec::new();
        for p in plan {
            let identity = format!("{}x{}", p.identity_prefix, p.identity_suffix);
            match &p.expect {
                Expect::Filed(ws) => filed.push(FiledDoc {
                    identity,
                    workspace: ws.clone(),
                    node_id: 1000 + p.index as i64,
                }),
                Expect::Parked(_) => {
                    parked.insert(identity);
                }
            }
            acks.push(AckDoc {
                document_id: format!("doc_{}", p.index),
                partner_id: p.partner_id.to_owned(),
                acknowledges: p.interchange.clone(),
            });
        }
        (filed, parked, acks)
    }

    fn plan() -> Vec<Planned> {
        let plan = corpus::plan(400, 11);
        assert!(plan.iter().any(|p| matches!(p.expect, Expect::Parked(_))));
        assert!(plan.iter().any(|p| p.doc_type == "IFTSTA"));
        assert!(plan.iter().any(|p| p.doc_type == "214"));
        plan
    }

    #[test]
    fn a_correct_world_passes() {
        let plan = plan();
        let (filed, parked, acks) = perfect(&plan);
        let t = tally(&plan, &filed, &parked, &acks, 0);
        assert!(!t.failed(), "{t:?}");
        assert!(t.settled());
        assert_eq!(t.filed, t.expected_filed);
        assert_eq!(t.parked, t.expected_parked);
        assert_eq!(t.acknowledged, plan.len());
    }

    #[test]
    fn a_lost_document_fails() {
        let plan = plan();
        let (mut filed, parked, acks) = perfect(&plan);
        filed.remove(3);
        let t = tally(&plan, &filed, &parked, &acks, 0);
        assert_eq!(t.lost, 1, "{t:?}");
        assert!(t.failed());
        assert!(t.findings[0].starts_with("LOST"), "{:?}", t.findings);
    }

    #[test]
    fn a_doubled_document_fails() {
        let plan = plan();
        let (mut filed, parked, acks) = perfect(&plan);
        let mut twin = filed[5].clone();
        twin.node_id = 99_999;
        filed.push(twin);
        let t = tally(&plan, &filed, &parked, &acks, 0);
        assert_eq!(t.doubled, 1, "{t:?}");
        assert_eq!(t.filed, t.expected_filed - 1);
        assert!(t.failed());
    }

    #[test]
    fn a_document_in_another_workspace_or_a_parked_one_filed_is_crossed() {
        let plan = plan();
        let (mut filed, parked, acks) = perfect(&plan);
        filed[7].workspace = "PO 4500001234".to_owned();
        let t = tally(&plan, &filed, &parked, &acks, 0);
        assert_eq!(t.wrong_workspace, 1, "{t:?}");
        assert!(t.failed());

        let (mut filed, mut parked, acks) = perfect(&plan);
        let crossing = plan
            .iter()
            .find(|p| matches!(p.expect, Expect::Parked(_)))
            .unwrap();
        let identity = parked.iter().find(|i| crossing.is(i)).cloned().unwrap();
        parked.remove(&identity);
        filed.push(FiledDoc {
            identity,
            workspace: "PO 4593000001".to_owned(),
            node_id: 4242,
        });
        let t = tally(&plan, &filed, &parked, &acks, 0);
        assert_eq!(t.wrong_workspace, 1, "{t:?}");
        assert_eq!(t.parked, t.expected_parked - 1);
        assert!(t.failed());
    }

    #[test]
    fn two_statuses_of_one_shipment_at_0800_and_1430_are_two_documents() {
        let plan = plan();
        let second = plan
            .iter()
            .find(|p| p.identity_suffix.ends_with("14:30:00.0"))
            .expect("the plan has a second status of a shipment");
        let first = plan
            .iter()
            .find(|p| p.number == second.number && p.index != second.index)
            .expect("and its first");
        assert!(first.identity_suffix.ends_with(" 8:00:00.0"));
        let (mut filed, parked, acks) = perfect(&plan);
        // Only one of the pair filed (the defect: the second adopted the first's name).
        filed.retain(|d| !second.is(&d.identity));
        let t = tally(&plan, &filed, &parked, &acks, 0);
        assert_eq!(t.lost, 1, "{t:?}");
    }

    #[test]
    fn acknowledgments_twice_or_never_fail_and_dead_letters_fail() {
        let plan = plan();
        let (filed, parked, mut acks) = perfect(&plan);
        let again = AckDoc {
            document_id: "doc_again".to_owned(),
            ..acks[2].clone()
        };
        acks.push(again);
        acks.remove(0);
        let t = tally(&plan, &filed, &parked, &acks, 1);
        assert_eq!(t.acknowledged_twice, 1, "{t:?}");
        assert_eq!(t.unacknowledged, 1);
        assert_eq!(t.dead_letters, 1);
        assert!(t.failed());
    }

    #[test]
    fn a_filed_document_nothing_sent_is_unexplained() {
        let plan = plan();
        let (mut filed, parked, acks) = perfect(&plan);
        filed.push(FiledDoc {
            identity: "ZZ:ACMESUPPLY|Invoice|INV-NOT-SENT".to_owned(),
            workspace: "PO 4591000001".to_owned(),
            node_id: 5,
        });
        let t = tally(&plan, &filed, &parked, &acks, 0);
        assert_eq!(t.unexplained_filed, 1);
        assert!(t.failed());
    }

    #[test]
    fn acknowledged_control_numbers_are_read_from_997_and_contrl() {
        assert_eq!(
            acknowledged_control("ISA*00~GS*FA~ST*997*0001~AK1*IN*100042~AK9*A*1*1*1~"),
            Some("100042".to_owned())
        );
        assert_eq!(
            acknowledged_control(
                "UNA:+.? 'UNB+UNOC:3+A+B'UNH+1+CONTRL:D:3:UN'UCI+100043+NORDFAST:ZZZ+BUYERCO:ZZZ+7'"
            ),
            Some("100043".to_owned())
        );
        assert_eq!(acknowledged_control("nothing"), None);
    }

    #[test]
    fn the_plan_is_the_same_for_the_same_seed_and_identities_are_unique() {
        let a = corpus::plan(300, 5);
        let b = corpus::plan(300, 5);
        assert_eq!(
            a.iter().map(|p| &p.payload).collect::<Vec<_>>(),
            b.iter().map(|p| &p.payload).collect::<Vec<_>>()
        );
        let keys: BTreeSet<_> = a
            .iter()
            .map(|p| (p.identity_prefix.clone(), p.identity_suffix.clone()))
            .collect();
        assert_eq!(keys.len(), a.len());
    }
}
