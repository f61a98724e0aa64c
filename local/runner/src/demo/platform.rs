//! The platform part of the demo: the gateway, the simulators and the clients the functions
//! use all answer, with the seeded company in place.

use std::time::Instant;

use gridlink_tgrid::Partners as _;
use gridlink_xecm::BusinessObject;
use serde_json::Value;

use super::{DemoContext, Report};

const STEP: &str = "platform";

pub(super) async fn run(ctx: &DemoContext<'_>, report: &mut Report) {
    for status in &ctx.stack.functions {
        let started = Instant::now();
        let url = format!("{}/{}/health", ctx.gateway_url, status.name);
        let result = async {
            let response = ctx.http.get(&url).send().await.map_err(|e| e.to_string())?;
            let code = response.status();
            let body: Value = response.json().await.map_err(|e| e.to_string())?;
            if code.as_u16() == 200 && body["function"] == status.name {
                Ok(format!(
                    "GET {url} → 200, implemented={}",
                    body["implemented"]
                ))
            } else {
                Err(format!("GET {url} → {code}: {body}"))
            }
        }
        .await;
        report.check(
            STEP,
            format!("{} answers through the gateway", status.name),
            started,
            result,
        );
    }

    let started = Instant::now();
    let result = async {
        let bo =
            BusinessObject::new("SAP_ERP", "BUS2012", "4500001234").map_err(|e| e.to_string())?;
        match ctx
            .platforms
            .xecm()
            .find_workspace_by_business_object(&bo)
            .await
        {
            Ok(Some(node)) => Ok(format!(
                "xECM: purchase order 4500001234 is workspace {} ({})",
                node.id, node.name
            )),
            Ok(None) => {
                Err("xECM: the seeded purchase-order workspace 4500001234 was not found".to_owned())
            }
            Err(e) => Err(format!("xECM: {e}")),
        }
    }
    .await;
    report.check(
        STEP,
        "the xECM client finds a seeded workspace by its ERP business object",
        started,
        result,
    );

    let started = Instant::now();
    let result = async {
        let page = ctx
            .platforms
            .tg_client()
            .partners_page(
                &gridlink_tgrid::model::partners::PartnerFilter::default(),
                gridlink_tgrid::PageRequest::default(),
            )
            .await
            .map_err(|e| format!("Trading Grid: {e}"))?;
        let names: Vec<String> = page.items.iter().map(|p| p.name.clone()).collect();
        if names.is_empty() {
            Err("Trading Grid: no partners seeded".to_owned())
        } else {
            Ok(format!("Trading Grid partners: {}", names.join(", ")))
        }
    }
    .await;
    report.check(
        STEP,
        "the Trading Grid client lists the trading community",
        started,
        result,
    );
}
