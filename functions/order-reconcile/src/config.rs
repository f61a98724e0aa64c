//! order-reconcile's configuration (keys in the crate docs).

use gridlink_core::config::{ConfigError, ConfigSource};
use gridlink_inbound::InboundConfig;

use crate::reconcile;

/// The function's configuration.
#[derive(Debug, Clone)]
pub struct OrderReconcileConfig {
    /// Correlation and filing.
    pub inbound: InboundConfig,
    /// Folder of order acknowledgments.
    pub folder_order_acks: String,
    /// Folder of ship notices.
    pub folder_ship_notices: String,
    /// Folder of invoices.
    pub folder_invoices: String,
    /// Folder of everything else.
    pub folder_other: String,
    /// Open unmatched items the retry schedule takes per run.
    pub unmatched_retry_batch: usize,
    /// Reconciliation: report folder, price tolerances.
    pub reconcile: reconcile::ReconcileConfig,
}

impl OrderReconcileConfig {
    /// Reads the configuration, listing every problem at once.
    pub fn from_source(source: &ConfigSource) -> Result<Self, ConfigError> {
        let inbound = InboundConfig::from_source(source);
        let mut reader = source.reader();
        let folder_order_acks = reader.optional("FOLDER_ORDER_ACKS", "Confirmations".to_owned());
        let folder_ship_notices =
            reader.optional("FOLDER_SHIP_NOTICES", "Delivery Notes".to_owned());
        let folder_invoices = reader.optional("FOLDER_INVOICES", "Invoices".to_owned());
        let folder_other = reader.optional("FOLDER_OTHER", "Correspondence/Partner".to_owned());
        let unmatched_retry_batch = reader.optional("UNMATCHED_RETRY_BATCH", 25_usize);
        if unmatched_retry_batch == 0 {
            reader.invalid("UNMATCHED_RETRY_BATCH", "must be at least 1");
        }
        let mine = reader.finish();
        let reconcile = reconcile::ReconcileConfig::from_source(source);
        match (inbound, mine, reconcile) {
            (Ok(inbound), Ok(()), Ok(reconcile)) => Ok(Self {
                inbound,
                folder_order_acks,
                folder_ship_notices,
                folder_invoices,
                folder_other,
                unmatched_retry_batch,
                reconcile,
            }),
            (inbound, mine, reconcile) => {
                let mut problems = [inbound.err(), mine.err(), reconcile.err()]
                    .into_iter()
                    .flatten();
                let mut first = problems.next().expect("invariant: one part failed");
                for more in problems {
                    first.problems.extend(more.problems);
                }
                Err(first)
            }
        }
    }
}
