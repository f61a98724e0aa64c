//! Issue 20, defect 1: two X12 214 statuses with the same status code for the same shipment
//! on the same day — 08:00 and 14:30 — are two business documents. Their file names come out
//! the same (`214 {shipment} {code} {date} {sender}.edi`); both must be stored, as distinct
//! documents, each carrying its own identity, each with its own content — never the second
//! reported as filed while it was adopted onto the first by name. Also after a replay of both.

mod common;

use common::{PO, world, x12_214};
use gridlink_tests::stack::Stack;

/// The 214 of `x12_214`, with its status at `hhmm` instead of 08:00.
fn status_at(shipment: &str, control: u32, hhmm: &str) -> Vec<u8> {
    let text =
        String::from_utf8(x12_214("ACMESUPPLY", Some(PO), shipment, "SD", control)).expect("text");
    assert!(text.contains("*20261124*0800*LT"));
    text.replace("*20261124*0800*LT", &format!("*20261124*{hhmm}*LT"))
        .into_bytes()
}

async fn two_214s_with_the_same_code_on_the_same_day_at_0800_and_1430_are_both_filed(stack: Stack) {
    let world = world(stack).await;
    let morning = world
        .partner_sends("prt_acme", status_at("SHP-D1-0001", 9101, "0800"))
        .await;
    let afternoon = world
        .partner_sends("prt_acme", status_at("SHP-D1-0001", 9102, "1430"))
        .await;
    let first = world.outcome_of(morning.clone()).await;
    let second = world.outcome_of(afternoon.clone()).await;
    let first_id = first["statuses"][0]["document_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("08:00 filed: {first}"));
    let second_id = second["statuses"][0]["document_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("14:30 filed: {second}"));
    assert_ne!(
        first_id, second_id,
        "the 14:30 status is its own document, not adopted onto the 08:00 one"
    );
    assert_ne!(
        first["statuses"][0]["identity"], second["statuses"][0]["identity"],
        "{first} {second}"
    );

    // Replays of both change nothing.
    world.deliver(afternoon).await;
    world.deliver(morning).await;

    let shipping = world.shipping(PO).await;
    let statuses: Vec<_> = shipping
        .iter()
        .filter(|n| n.name.starts_with("214 SHP-D1-0001 SD 2026-11-24"))
        .collect();
    assert_eq!(
        statuses.len(),
        2,
        "exactly two status documents: {:?}",
        shipping.iter().map(|n| &n.name).collect::<Vec<_>>()
    );
    assert_ne!(statuses[0].name, statuses[1].name, "distinct names");
    for (id, time) in [(first_id, "08:00"), (second_id, "14:30")] {
        let node = statuses
            .iter()
            .find(|n| n.id.get() == id)
            .unwrap_or_else(|| panic!("document {id} in Shipping"));
        let stamp = if time == "08:00" {
            format!("SHP-D1-0001|{PO}|SD|2026-11-24 8:00:00.0")
        } else {
            format!("SHP-D1-0001|{PO}|SD|2026-11-24 14:30:00.0")
        };
        assert!(
            node.description.contains(&stamp),
            "{time}: its identity is on it: {}",
            node.description
        );
        let content = world.note_text(id).await;
        let hhmm = time.replace(':', "");
        assert!(
            content.contains(&format!("*20261124*{hhmm}*LT")),
            "{time}: its own content is stored: {content}"
        );
    }
}

/// Found by `gridlink-local chaos`: the two statuses processed at the same moment both see
/// the name free, the second create is answered "already exists" — which used to dead-letter
/// the 14:30 status (nothing filed, only its note). The filer now looks again and files it
/// under a distinct name.
async fn the_0800_and_1430_statuses_processed_at_the_same_moment_are_both_filed(stack: Stack) {
    let world = world(stack).await;
    let morning = world
        .partner_sends("prt_acme", status_at("SHP-D1-0002", 9201, "0800"))
        .await;
    let afternoon = world
        .partner_sends("prt_acme", status_at("SHP-D1-0002", 9202, "1430"))
        .await;
    let (first, second) = tokio::join!(world.outcome_of(morning), world.outcome_of(afternoon));
    let first_id = first["statuses"][0]["document_id"].as_i64();
    let second_id = second["statuses"][0]["document_id"].as_i64();
    assert!(
        first_id.is_some() && second_id.is_some(),
        "{first} {second}"
    );
    assert_ne!(first_id, second_id, "{first} {second}");
    let statuses = world
        .shipping(PO)
        .await
        .into_iter()
        .filter(|n| n.name.starts_with("214 SHP-D1-0002 SD 2026-11-24"))
        .count();
    assert_eq!(statuses, 2);
}

/// `x12_214`'s status replaced by `at7` (the whole segment).
fn with_at7(shipment: &str, control: u32, at7: &str) -> Vec<u8> {
    let text =
        String::from_utf8(x12_214("ACMESUPPLY", Some(PO), shipment, "SD", control)).expect("text");
    assert!(text.contains("AT7*SD*AO***20261124*0800*LT"));
    text.replace("AT7*SD*AO***20261124*0800*LT", at7)
        .into_bytes()
}

/// AT707 time codes order the statuses: 10:00 Eastern is 15:00 UTC, 08:00 Pacific is 16:00
/// UTC — the Pacific status, sent second, is the latest and is shown; 10:00 > 08:00 as written
/// does not keep the Eastern one.
async fn statuses_in_different_time_zones_are_ordered_by_instant(stack: Stack) {
    let world = world(stack).await;
    let eastern = world
        .partner_sends(
            "prt_acme",
            with_at7("SHP-TZ-0001", 9401, "AT7*X6*NS***20261124*1000*ET"),
        )
        .await;
    let eastern = world.outcome_of(eastern).await;
    assert_eq!(eastern["statuses"][0]["status_shown"], true, "{eastern}");
    let pacific = world
        .partner_sends(
            "prt_acme",
            with_at7("SHP-TZ-0001", 9402, "AT7*SD*AO***20261124*0800*PT"),
        )
        .await;
    let pacific = world.outcome_of(pacific).await;
    assert_eq!(pacific["statuses"][0]["status_shown"], true, "{pacific}");
    let shown = world.shipment_status(PO).await.expect("Shipment Status");
    assert!(shown.starts_with("SD "), "{shown}");
    // An earlier instant sent afterwards (09:00 Eastern = 14:00 UTC) does not replace it.
    let older = world
        .partner_sends(
            "prt_acme",
            with_at7("SHP-TZ-0001", 9403, "AT7*X6*NS***20261124*0900*ET"),
        )
        .await;
    let older = world.outcome_of(older).await;
    assert_eq!(older["statuses"][0]["status_shown"], false, "{older}");
    let shown = world.shipment_status(PO).await.expect("Shipment Status");
    assert!(shown.starts_with("SD "), "{shown}");
}

gridlink_tests::on_both_stacks!(
    two_214s_with_the_same_code_on_the_same_day_at_0800_and_1430_are_both_filed,
    the_0800_and_1430_statuses_processed_at_the_same_moment_are_both_filed,
    statuses_in_different_time_zones_are_ordered_by_instant,
);
