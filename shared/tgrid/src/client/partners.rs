//! `GET /v1/partners…`

use std::fmt::Write as _;

use async_trait::async_trait;

use super::{TgClient, page_query};
use crate::error::TgError;
use crate::ids::PartnerId;
use crate::model::{Page, Partner, PartnerFilter};
use crate::ports::{PageRequest, Partners};

#[async_trait]
impl Partners for TgClient {
    async fn partners_page(
        &self,
        filter: &PartnerFilter,
        page: PageRequest,
    ) -> Result<Page<Partner>, TgError> {
        let mut query = page_query(&page);
        if let Some(name) = &filter.name {
            query.push(("where_name", name.clone()));
        }
        if let Some(address) = &filter.edi_address {
            query.push(("where_edi_address", address.to_string()));
        }
        self.get("list partners", "v1/partners", query).await
    }

    async fn partner(&self, partner_id: &PartnerId) -> Result<Partner, TgError> {
        self.get(
            "get partner",
            &format!("v1/partners/{}", seg(partner_id.as_str())),
            Vec::new(),
        )
        .await
    }
}

/// Percent-encodes one path segment.
pub(crate) fn seg(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~:".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}
