//! shipment-delay's configuration (keys in the crate docs).

use gridlink_core::config::{ConfigError, ConfigSource};
use gridlink_inbound::InboundConfig;
use gridlink_xecm::CategoryId;

/// The function's configuration.
#[derive(Debug, Clone)]
pub struct ShipmentDelayConfig {
    /// Correlation and filing.
    pub inbound: InboundConfig,
    /// The order workspace's folder for shipment documents.
    pub folder_shipping: String,
    /// The category on every filed shipment document.
    pub shipment_category: CategoryId,
    /// The order category's shipment status attribute.
    pub shipment_status_attribute: String,
    /// Open unmatched items the retry schedule takes per run.
    pub unmatched_retry_batch: usize,
}

impl ShipmentDelayConfig {
    /// Reads the configuration, listing every problem at once.
    pub fn from_source(source: &ConfigSource) -> Result<Self, ConfigError> {
        let inbound = InboundConfig::from_source(source);
        let mut reader = source.reader();
        let folder_shipping = reader.optional("FOLDER_SHIPPING", "Shipping".to_owned());
        let category_id = reader.optional::<i64>("SHIPMENT_CATEGORY_ID", 9600);
        let shipment_category = CategoryId::new(category_id).unwrap_or_else(|_| {
            reader.invalid("SHIPMENT_CATEGORY_ID", "must be a positive node id");
            CategoryId::new(9600).expect("invariant: the default category id is positive")
        });
        let shipment_status_attribute =
            reader.optional("SHIPMENT_STATUS_ATTRIBUTE", "Shipment Status".to_owned());
        let unmatched_retry_batch = reader.optional("UNMATCHED_RETRY_BATCH", 25_usize);
        if unmatched_retry_batch == 0 {
            reader.invalid("UNMATCHED_RETRY_BATCH", "must be at least 1");
        }
        let mine = reader.finish();
        match (inbound, mine) {
            (Ok(inbound), Ok(())) => Ok(Self {
                inbound,
                folder_shipping,
                shipment_category,
                shipment_status_attribute,
                unmatched_retry_batch,
            }),
            (Err(mut a), Err(b)) => {
                a.problems.extend(b.problems);
                Err(a)
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    }
}
