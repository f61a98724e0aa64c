//! `GET /v1/partners`, `GET /v1/partners/{partner_id}`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use gridlink_tgrid::model::{Page, Partner};
use gridlink_tgrid::{PartnerId, PartyId};
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiQuery, Tenant};
use crate::sim::Sim;
use crate::state::{limit, page};

#[derive(Debug, Deserialize)]
pub(crate) struct PartnerQuery {
    limit: Option<u32>,
    cursor: Option<String>,
    where_name: Option<String>,
    where_edi_address: Option<String>,
}

pub(crate) async fn list(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    ApiQuery(q): ApiQuery<PartnerQuery>,
) -> ApiResult<Json<Page<Partner>>> {
    let limit = limit(q.limit)?;
    let address = q
        .where_edi_address
        .as_deref()
        .map(|a| {
            PartyId::parse(a)
                .map_err(|e| ApiError::invalid_field("where_edi_address", e.to_string()))
        })
        .transpose()?;
    let name = q.where_name.map(|n| n.to_lowercase());
    sim.read(|state| {
        let items = state
            .partners
            .values()
            .filter(|p| {
                name.as_ref()
                    .is_none_or(|n| p.partner.name.to_lowercase().contains(n))
            })
            .filter(|p| {
                address
                    .as_ref()
                    .is_none_or(|a| p.partner.edi_addresses.contains(a))
            })
            .map(|p| (p.partner.partner_id.to_string(), p.partner.clone()))
            .collect();
        Ok(Json(page(items, q.cursor.as_deref(), limit)))
    })
}

pub(crate) async fn get_one(
    State(sim): State<Arc<Sim>>,
    _: Tenant,
    Path(id): Path<String>,
) -> ApiResult<Json<Partner>> {
    sim.read(|state| Ok(Json(state.partner(&PartnerId::new(id))?.partner.clone())))
}
