//! From business keys to the order workspace, and whether the sender may write to it.
//!
//! The order of questions: (1) did an operator teach a route for this sender and this
//! reference ([`crate::taught`])? — then that workspace, as an explicit override for that
//! sender and key only; (2) otherwise the purchase-order workspace by business object, and
//! the sender must be the trading partner of the order's supplier.

use gridlink_core::error::{Classify, ErrorKind};
use gridlink_flow::Platform;
use gridlink_tgrid::PartyId;
use gridlink_xecm::{AttributeValue, BusinessObject, Node, NodeId};
use serde::{Deserialize, Serialize};

use crate::config::InboundConfig;
use crate::error::InboundError;

/// Why a document found no workspace it may go into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum UnmatchedReason {
    /// The document names no order.
    NoOrderNumber,
    /// No purchase-order workspace for the number.
    NoWorkspace {
        /// The PO number.
        po_number: String,
    },
    /// The order's supplier has no trading partner id, so nobody may write to it.
    NoPartnerLinked {
        /// The PO number.
        po_number: String,
    },
    /// The sender is not the order's partner.
    PartnerMismatch {
        /// The PO number.
        po_number: String,
        /// Who sent it.
        sender: String,
    },
    /// The order's supplier names its partner without a qualifier (`NORDFAST`), and Trading
    /// Grid holds that id under more than one qualifier, so it cannot say who is meant.
    AmbiguousPartnerId {
        /// The PO number.
        po_number: String,
        /// The supplier's `Trading Partner ID` as configured.
        configured: String,
        /// Every TG address with that id (`ZZ:NORDFAST`, `01:NORDFAST`).
        holders: Vec<String>,
    },
}

impl std::fmt::Display for UnmatchedReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoOrderNumber => f.write_str("the document names no purchase order"),
            Self::NoWorkspace { po_number } => {
                write!(f, "no purchase-order workspace for {po_number}")
            }
            Self::NoPartnerLinked { po_number } => {
                write!(f, "order {po_number} has no trading partner linked")
            }
            Self::PartnerMismatch { po_number, sender } => {
                write!(
                    f,
                    "{sender} is not the trading partner of order {po_number}"
                )
            }
            Self::AmbiguousPartnerId {
                po_number,
                configured,
                holders,
            } => write!(
                f,
                "order {po_number}'s supplier names its trading partner '{configured}' without a \
                 qualifier, and Trading Grid holds that id as {}; qualify the supplier's \
                 Trading Partner ID in xECM (for example {})",
                holders.join(", "),
                holders.first().map_or("ZZ:…", String::as_str)
            ),
        }
    }
}

/// Where a document belongs.
#[derive(Debug, Clone)]
pub enum Correlation {
    /// The order workspace, and the sender is its partner.
    Matched {
        /// The workspace.
        workspace: Node,
        /// The PO number.
        po_number: String,
    },
    /// Nowhere (yet).
    Unmatched(UnmatchedReason),
}

fn text(value: Option<&AttributeValue>) -> Option<String> {
    match value {
        Some(AttributeValue::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_owned()),
        _ => None,
    }
}

/// Whether a configured partner id (`ACMESUPPLY` or `ZZ:ACMESUPPLY`) can name `sender` at all:
/// a qualified id must equal the sender's qualifier and id; an unqualified one only its id
/// (and is then resolved through Trading Grid by [`resolve_partner`]).
pub fn partner_id_names(configured: &str, sender: &PartyId) -> bool {
    let configured = configured.trim();
    match configured.split_once(':') {
        Some((qualifier, id)) => {
            qualifier.trim().eq_ignore_ascii_case(&sender.qualifier)
                && id.trim().eq_ignore_ascii_case(&sender.id)
        }
        None => configured.eq_ignore_ascii_case(&sender.id),
    }
}

/// Who a configured `Trading Partner ID` is, as far as `sender` is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartnerVerdict {
    /// The configured id names the sender, unambiguously.
    Sender,
    /// It names someone else.
    Other,
    /// It is unqualified and TG holds the id under several qualifiers (the addresses).
    Ambiguous(Vec<String>),
}

/// Whom a configured `Trading Partner ID` addresses in Trading Grid's partner directory.
#[derive(Debug, Clone)]
pub enum Addressee {
    /// One partner holds it, under one address.
    One {
        /// The partner.
        partner: Box<gridlink_tgrid::model::Partner>,
        /// The address that matched, as TG holds it.
        address: PartyId,
    },
    /// No partner holds it.
    Nobody,
    /// More than one address holds it (an unqualified id TG knows under several qualifiers),
    /// or more than one partner: the addresses, sorted.
    Ambiguous(Vec<String>),
}

/// The partner a configured id (`ZZ:NORDFAST` or `NORDFAST`) names in Trading Grid's partner
/// directory. A qualified id names the partner holding exactly that qualifier and id; an
/// unqualified one names a partner only when TG holds the id under one address of one partner
/// — `NORDFAST` never reaches a partner given `01:NORDFAST` while another holds `ZZ:NORDFAST`.
pub async fn addressee(platform: &Platform, configured: &str) -> Result<Addressee, InboundError> {
    use futures::TryStreamExt as _;
    let configured = configured.trim();
    let (qualifier, id) = match configured.split_once(':') {
        Some((qualifier, id)) => (Some(qualifier.trim()), id.trim()),
        None => (None, configured),
    };
    let filter = gridlink_tgrid::model::PartnerFilter::default();
    // (the address upper-cased, as TG holds it, the partner)
    let mut holders: Vec<(String, PartyId, gridlink_tgrid::model::Partner)> = platform
        .tg
        .partners(&filter)
        .map_ok(|partner| {
            partner
                .edi_addresses
                .iter()
                .filter(|address| {
                    address.id.eq_ignore_ascii_case(id)
                        && qualifier.is_none_or(|q| address.qualifier.eq_ignore_ascii_case(q))
                })
                .map(|address| {
                    let key = format!(
                        "{}:{}",
                        address.qualifier.to_ascii_uppercase(),
                        address.id.to_ascii_uppercase()
                    );
                    (key, address.clone(), partner.clone())
                })
                .collect::<Vec<_>>()
        })
        .try_concat()
        .await?;
    holders.sort_by(|a, b| a.0.cmp(&b.0));
    holders.dedup_by(|a, b| a.0 == b.0 && a.2.partner_id == b.2.partner_id);
    Ok(match holders.len() {
        0 => Addressee::Nobody,
        1 => {
            let (_, address, partner) = holders.remove(0);
            Addressee::One {
                partner: Box::new(partner),
                address,
            }
        }
        _ => {
            let mut addresses: Vec<String> = holders.into_iter().map(|(key, ..)| key).collect();
            addresses.dedup();
            Addressee::Ambiguous(addresses)
        }
    })
}

/// Decides whether the supplier's configured partner id names `sender`. A qualified id is
/// compared whole (qualifier and id). An unqualified id (`NORDFAST`) is resolved through
/// Trading Grid's partner directory ([`addressee`]): it names the sender only when the
/// sender's address is the one and only address TG holds with that id — so a partner given
/// `01:NORDFAST` can never write into the orders of the supplier known as `ZZ:NORDFAST`
/// (issue 20, defect 2).
pub async fn resolve_partner(
    platform: &Platform,
    configured: &str,
    sender: &PartyId,
) -> Result<PartnerVerdict, InboundError> {
    if !partner_id_names(configured, sender) {
        return Ok(PartnerVerdict::Other);
    }
    if configured.contains(':') {
        return Ok(PartnerVerdict::Sender);
    }
    Ok(match addressee(platform, configured).await? {
        Addressee::One { address, .. }
            if address.qualifier.eq_ignore_ascii_case(&sender.qualifier)
                && address.id.eq_ignore_ascii_case(&sender.id) =>
        {
            PartnerVerdict::Sender
        }
        Addressee::One { .. } | Addressee::Nobody => PartnerVerdict::Other,
        Addressee::Ambiguous(addresses) => PartnerVerdict::Ambiguous(addresses),
    })
}

/// Finds the purchase-order workspace of `po_number` and checks that `sender` may write to
/// it: a route an operator taught for this sender and number wins; otherwise the workspace
/// of the order's business object, whose supplier's trading partner must be `sender`.
#[tracing::instrument(skip_all, fields(po_number = po_number.unwrap_or_default(), sender = %sender.id))]
pub async fn correlate_order(
    platform: &Platform,
    config: &InboundConfig,
    po_number: Option<&str>,
    sender: &PartyId,
) -> Result<Correlation, InboundError> {
    let Some(po_number) = po_number.map(str::trim).filter(|p| !p.is_empty()) else {
        return Ok(Correlation::Unmatched(UnmatchedReason::NoOrderNumber));
    };
    let po = po_number.to_owned();
    if let Some(matched) = taught_route(platform, po_number, sender).await? {
        return Ok(matched);
    }
    let Ok(bo) = BusinessObject::new(&config.order_bo_system, &config.order_bo_type, po_number)
    else {
        return Ok(Correlation::Unmatched(UnmatchedReason::NoWorkspace {
            po_number: po,
        }));
    };
    let Some(workspace) = platform.xecm.find_workspace_by_business_object(&bo).await? else {
        return Ok(Correlation::Unmatched(UnmatchedReason::NoWorkspace {
            po_number: po,
        }));
    };
    let order = platform
        .xecm
        .read_attributes(workspace.id, config.order_category)
        .await?;
    let Some(supplier) = text(order.get(&config.order_supplier_attribute)) else {
        return Ok(Correlation::Unmatched(UnmatchedReason::NoPartnerLinked {
            po_number: po,
        }));
    };
    let Ok(supplier_bo) = BusinessObject::new(
        &config.supplier_bo_system,
        &config.supplier_bo_type,
        &supplier,
    ) else {
        return Ok(Correlation::Unmatched(UnmatchedReason::NoPartnerLinked {
            po_number: po,
        }));
    };
    let Some(supplier_workspace) = platform
        .xecm
        .find_workspace_by_business_object(&supplier_bo)
        .await?
    else {
        return Ok(Correlation::Unmatched(UnmatchedReason::NoPartnerLinked {
            po_number: po,
        }));
    };
    let supplier_values = platform
        .xecm
        .read_attributes(supplier_workspace.id, config.supplier_category)
        .await?;
    let Some(partner) = text(supplier_values.get(&config.supplier_partner_attribute)) else {
        return Ok(Correlation::Unmatched(UnmatchedReason::NoPartnerLinked {
            po_number: po,
        }));
    };
    match resolve_partner(platform, &partner, sender).await? {
        PartnerVerdict::Sender => Ok(Correlation::Matched {
            workspace,
            po_number: po,
        }),
        PartnerVerdict::Other => {
            tracing::warn!(partner = %partner, "sender is not the order's partner");
            Ok(Correlation::Unmatched(UnmatchedReason::PartnerMismatch {
                po_number: po,
                sender: format!("{}:{}", sender.qualifier, sender.id),
            }))
        }
        PartnerVerdict::Ambiguous(holders) => {
            tracing::warn!(partner = %partner, holders = ?holders, "the order's partner id is unqualified and ambiguous in Trading Grid; parked");
            Ok(Correlation::Unmatched(
                UnmatchedReason::AmbiguousPartnerId {
                    po_number: po,
                    configured: partner,
                    holders,
                },
            ))
        }
    }
}

/// The workspace an operator taught for `sender` + `reference`, if it still exists.
async fn taught_route(
    platform: &Platform,
    reference: &str,
    sender: &PartyId,
) -> Result<Option<Correlation>, InboundError> {
    let sender_address = format!("{}:{}", sender.qualifier, sender.id);
    let Some(route) = crate::taught::lookup(platform, &sender_address, reference).await? else {
        return Ok(None);
    };
    let workspace = match NodeId::new(route.workspace_id) {
        Ok(id) => platform.xecm.get_node(id).await,
        Err(e) => Err(e),
    };
    match workspace {
        Ok(workspace) => {
            tracing::info!(workspace_id = route.workspace_id, po_number = %route.po_number, "correlated by a route an operator taught");
            Ok(Some(Correlation::Matched {
                workspace,
                po_number: route.po_number,
            }))
        }
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::BadRequest) => {
            tracing::warn!(
                workspace_id = route.workspace_id,
                "the taught workspace is gone; correlating as usual"
            );
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}
