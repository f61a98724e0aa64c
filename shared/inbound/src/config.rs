//! Where inbound partner documents go in Extended ECM, read from configuration.
//!
//! # Configuration
//! | Key | Default (matches the demo seeds) | Meaning |
//! |---|---|---|
//! | `ORDER_BO_SYSTEM`, `ORDER_BO_TYPE` | `SAP_ERP`, `BUS2012` | business object of purchase-order workspaces (id = PO number) |
//! | `SUPPLIER_BO_SYSTEM`, `SUPPLIER_BO_TYPE` | `SAP_ERP`, `LFA1` | business object of supplier workspaces (id = supplier number) |
//! | `ORDER_CATEGORY_ID` | `9100` | the order category (PO number, supplier, lines, statuses) |
//! | `ORDER_SUPPLIER_ATTRIBUTE` | `Supplier Number` | the order's supplier number |
//! | `SUPPLIER_CATEGORY_ID` | `9001` | the supplier category |
//! | `SUPPLIER_PARTNER_ATTRIBUTE` | `Trading Partner ID` | the supplier's TG EDI address; qualified (`ZZ:ACMESUPPLY`) is compared whole, unqualified (`ACMESUPPLY`) is resolved through TG's partner directory and refused (parked) when TG holds the id under several qualifiers |
//! | `DOCUMENT_CATEGORY_ID` | `9400` | category put on every filed partner document |
//! | `TG_MAILBOX_ID` | — | the mailbox the inbox poller reads (no polling without it) |
//! | `INBOX_BATCH` | `10` | pending items processed per invocation |

use gridlink_core::config::{ConfigError, ConfigSource};
use gridlink_xecm::CategoryId;

/// Where inbound documents are correlated and filed.
#[derive(Debug, Clone)]
pub struct InboundConfig {
    /// External system of purchase-order business objects.
    pub order_bo_system: String,
    /// Business object type of purchase orders.
    pub order_bo_type: String,
    /// External system of supplier business objects.
    pub supplier_bo_system: String,
    /// Business object type of suppliers.
    pub supplier_bo_type: String,
    /// The order category.
    pub order_category: CategoryId,
    /// The order's supplier-number attribute.
    pub order_supplier_attribute: String,
    /// The supplier category.
    pub supplier_category: CategoryId,
    /// The supplier's trading-partner attribute.
    pub supplier_partner_attribute: String,
    /// The category every filed partner document carries.
    pub document_category: CategoryId,
    /// The mailbox the poller reads.
    pub mailbox: Option<String>,
    /// Pending items per invocation.
    pub inbox_batch: usize,
}

fn category(
    reader: &mut gridlink_core::config::ConfigReader<'_>,
    key: &str,
    default: i64,
) -> CategoryId {
    let id = reader.optional::<i64>(key, default);
    CategoryId::new(id).unwrap_or_else(|_| {
        reader.invalid(key, "must be a positive node id");
        CategoryId::new(default).expect("invariant: the default category id is positive")
    })
}

impl InboundConfig {
    /// Reads the keys above, listing every problem at once.
    pub fn from_source(source: &ConfigSource) -> Result<Self, ConfigError> {
        let mut reader = source.reader();
        let config = Self {
            order_bo_system: reader.optional("ORDER_BO_SYSTEM", "SAP_ERP".to_owned()),
            order_bo_type: reader.optional("ORDER_BO_TYPE", "BUS2012".to_owned()),
            supplier_bo_system: reader.optional("SUPPLIER_BO_SYSTEM", "SAP_ERP".to_owned()),
            supplier_bo_type: reader.optional("SUPPLIER_BO_TYPE", "LFA1".to_owned()),
            order_category: category(&mut reader, "ORDER_CATEGORY_ID", 9100),
            order_supplier_attribute: reader
                .optional("ORDER_SUPPLIER_ATTRIBUTE", "Supplier Number".to_owned()),
            supplier_category: category(&mut reader, "SUPPLIER_CATEGORY_ID", 9001),
            supplier_partner_attribute: reader.optional(
                "SUPPLIER_PARTNER_ATTRIBUTE",
                "Trading Partner ID".to_owned(),
            ),
            document_category: category(&mut reader, "DOCUMENT_CATEGORY_ID", 9400),
            mailbox: reader.maybe("TG_MAILBOX_ID"),
            inbox_batch: reader.optional("INBOX_BATCH", 10),
        };
        reader.finish()?;
        Ok(config)
    }
}
