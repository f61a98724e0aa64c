//! EDIFACT writer: UNA, UNB/UNZ and UNH…UNT around ORDERS, ORDRSP, DESADV, INVOIC, CONTRL,
//! IFTSTA and ORDCHG bodies (directory D.96A; CONTRL syntax version 3). An X12 865 has no EDIFACT
//! form (the seller answers an ORDCHG with an ORDRSP): writing one is
//! [`WriteError::Unsupported`].

use rust_decimal::Decimal;

use crate::model::{
    BusinessDocument, ChargeKind, DateKind, EdiDate, FunctionalAck, Invoice, LineStatus,
    OrderAcknowledgment, Party, ProductId, PurchaseOrder, PurchaseOrderChange, ShipNotice,
    ShipmentStatus, TransactionAck,
};
use crate::syntax::Delimiters;

use super::{EnvelopeParams, Field, Out, WriteError, num, opt, s};

/// The UNA gridlink writes: the default service characters, stated explicitly.
pub(crate) const UNA: &[u8] = b"UNA:+.? '";

/// Message type and version of a document.
fn message_type(
    document: &BusinessDocument,
) -> Result<(&'static str, &'static [&'static str]), WriteError> {
    const D96A: &[&str] = &["D", "96A", "UN"];
    Ok(match document {
        BusinessDocument::PurchaseOrder(_) => ("ORDERS", D96A),
        BusinessDocument::OrderAcknowledgment(_) => ("ORDRSP", D96A),
        BusinessDocument::ShipNotice(_) => ("DESADV", D96A),
        BusinessDocument::Invoice(_) => ("INVOIC", D96A),
        BusinessDocument::FunctionalAck(_) => ("CONTRL", &["D", "3", "UN"]),
        BusinessDocument::ShipmentStatus(_) => ("IFTSTA", D96A),
        BusinessDocument::PurchaseOrderChange(_) => ("ORDCHG", D96A),
        BusinessDocument::PurchaseOrderChangeAck(_) => {
            return Err(WriteError::Unsupported {
                kind: document.kind(),
                syntax: "EDIFACT",
            });
        }
    })
}

/// Writes UNA and UNB.
pub(crate) fn write_header(out: &mut Out, params: &EnvelopeParams) -> Result<(), WriteError> {
    out.raw(UNA);
    out.raw(b"\n");
    let date = params.prepared_at.date();
    let time = params.prepared_at.time();
    let yymmdd = format!(
        "{:02}{:02}{:02}",
        date.year().rem_euclid(100),
        u8::from(date.month()),
        date.day()
    );
    let hhmm = format!("{:02}{:02}", time.hour(), time.minute());
    let reference = params.interchange_control_number.to_string();
    let sender = [params.sender.id.as_str(), params.sender.qualifier.as_str()];
    let receiver = [
        params.receiver.id.as_str(),
        params.receiver.qualifier.as_str(),
    ];
    let prepared = [yymmdd.as_str(), hhmm.as_str()];
    let mut fields = vec![
        Field::Composite(&["UNOC", "3"]),
        Field::Composite(&sender),
        Field::Composite(&receiver),
        Field::Composite(&prepared),
        s(&reference),
    ];
    if params.test {
        fields.extend([s(""), s(""), s(""), s(""), s(""), s("1")]);
    }
    out.segment("UNB", &fields)
}

/// Writes one interchange holding `documents` as messages (no UNG groups).
pub(crate) fn write_documents(
    documents: &[BusinessDocument],
    params: &EnvelopeParams,
) -> Result<Vec<u8>, WriteError> {
    let mut out = Out::new(Delimiters::EDIFACT_DEFAULT, true);
    write_header(&mut out, params)?;
    for (reference, document) in (params.first_transaction_control_number..).zip(documents) {
        write_message(&mut out, document, &reference.to_string())?;
    }
    let reference = params.interchange_control_number.to_string();
    out.segment("UNZ", &[s(&documents.len().to_string()), s(&reference)])?;
    Ok(out.bytes)
}

/// Writes UNH, the body and UNT with its segment count.
pub(crate) fn write_message(
    out: &mut Out,
    document: &BusinessDocument,
    reference: &str,
) -> Result<(), WriteError> {
    let (message, version) = message_type(document)?;
    let mut identifier = vec![message];
    identifier.extend_from_slice(version);
    out.start_count();
    out.segment("UNH", &[s(reference), Field::Composite(&identifier)])?;
    match document {
        BusinessDocument::PurchaseOrder(po) => purchase_order(out, po)?,
        BusinessDocument::OrderAcknowledgment(ack) => order_ack(out, ack)?,
        BusinessDocument::ShipNotice(asn) => ship_notice(out, asn)?,
        BusinessDocument::Invoice(invoice) => self::invoice(out, invoice)?,
        BusinessDocument::FunctionalAck(ack) => contrl(out, ack)?,
        BusinessDocument::ShipmentStatus(status) => shipment_status(out, status)?,
        BusinessDocument::PurchaseOrderChange(change) => order_change(out, change)?,
        BusinessDocument::PurchaseOrderChangeAck(_) => {}
    }
    let count = (out.counted + 1).to_string();
    out.segment("UNT", &[s(&count), s(reference)])
}

fn dtm(out: &mut Out, qualifier: &str, date: Option<EdiDate>) -> Result<(), WriteError> {
    if let Some(date) = date {
        out.segment(
            "DTM",
            &[Field::Composite(&[qualifier, &date.to_ccyymmdd(), "102"])],
        )?;
    }
    Ok(())
}

fn parties(out: &mut Out, parties: &[Party]) -> Result<(), WriteError> {
    for party in parties {
        let (id, agency) = party
            .id
            .as_ref()
            .map_or(("", ""), |i| (i.value.as_str(), i.scheme.to_edifact()));
        let address = party.address.clone().unwrap_or_default();
        out.segment(
            "NAD",
            &[
                s(party.role.to_edifact()),
                Field::Composite(&[id, "", agency]),
                s(""),
                Field::Composite(&[opt(&party.name)]),
                Field::Composite(&[opt(&address.street)]),
                s(opt(&address.city)),
                Field::Composite(&[opt(&address.state)]),
                s(opt(&address.postal_code)),
                s(opt(&address.country)),
            ],
        )?;
    }
    Ok(())
}

/// `LIN+{number}+{action}+{first id}:{type}` then `PIA+1+…` for the other ids.
fn lin(out: &mut Out, number: &str, action: &str, ids: &[ProductId]) -> Result<(), WriteError> {
    match ids.first() {
        Some(first) => out.segment(
            "LIN",
            &[
                s(number),
                s(action),
                Field::Composite(&[&first.value, first.kind.to_edifact()]),
            ],
        )?,
        None => out.segment("LIN", &[s(number), s(action)])?,
    }
    for chunk in ids.get(1..).unwrap_or_default().chunks(5) {
        let pairs: Vec<[&str; 2]> = chunk
            .iter()
            .map(|id| [id.value.as_str(), id.kind.to_edifact()])
            .collect();
        let mut fields = vec![s("1")];
        fields.extend(pairs.iter().map(|p| Field::Composite(p)));
        out.segment("PIA", &fields)?;
    }
    Ok(())
}

fn qty(
    out: &mut Out,
    qualifier: &str,
    quantity: &crate::model::Quantity,
) -> Result<(), WriteError> {
    out.segment(
        "QTY",
        &[Field::Composite(&[
            qualifier,
            &num(&quantity.value),
            &quantity.unit,
        ])],
    )
}

fn moa(out: &mut Out, qualifier: &str, amount: &Decimal) -> Result<(), WriteError> {
    out.segment("MOA", &[Field::Composite(&[qualifier, &num(amount)])])
}

fn description(out: &mut Out, text: Option<&str>) -> Result<(), WriteError> {
    if let Some(text) = text {
        out.segment(
            "IMD",
            &[s("F"), s(""), Field::Composite(&["", "", "", text])],
        )?;
    }
    Ok(())
}

fn purchase_order(out: &mut Out, po: &PurchaseOrder) -> Result<(), WriteError> {
    out.segment(
        "BGM",
        &[
            s(po.order_type.to_edifact()),
            s(&po.po_number),
            s(po.purpose.to_edifact()),
        ],
    )?;
    dtm(out, "137", po.po_date)?;
    dtm(out, "2", po.requested_delivery)?;
    dtm(out, "10", po.requested_ship)?;
    parties(out, &po.parties)?;
    if let Some(currency) = &po.currency {
        out.segment("CUX", &[Field::Composite(&["2", currency, "9"])])?;
    }
    for line in &po.lines {
        lin(out, &line.line_number, "", &line.product_ids)?;
        description(out, line.description.as_deref())?;
        qty(out, "21", &line.quantity)?;
        if let Some(price) = &line.unit_price {
            out.segment("PRI", &[Field::Composite(&["AAA", &num(price)])])?;
        }
    }
    out.segment("UNS", &[s("S")])?;
    out.segment(
        "CNT",
        &[Field::Composite(&["2", &po.lines.len().to_string()])],
    )
}

fn order_ack(out: &mut Out, ack: &OrderAcknowledgment) -> Result<(), WriteError> {
    out.segment(
        "BGM",
        &[s("231"), s(&ack.po_number), s(ack.status.to_edifact())],
    )?;
    dtm(out, "137", ack.ack_date)?;
    out.segment("RFF", &[Field::Composite(&["ON", &ack.po_number])])?;
    dtm(out, "171", ack.po_date)?;
    if let Some(seller) = &ack.seller_order_number {
        out.segment("RFF", &[Field::Composite(&["VN", seller])])?;
    }
    parties(out, &ack.parties)?;
    for line in &ack.lines {
        lin(
            out,
            &line.line_number,
            line.status.to_edifact(),
            &line.product_ids,
        )?;
        if let Some(ordered) = &line.ordered_quantity {
            qty(out, "21", ordered)?;
        }
        if let Some(quantity) = &line.status_quantity {
            let qualifier = if line.status == LineStatus::Backordered {
                "83"
            } else {
                "113"
            };
            qty(out, qualifier, quantity)?;
        }
        if let Some(price) = &line.unit_price {
            out.segment("PRI", &[Field::Composite(&["AAA", &num(price)])])?;
        }
        let qualifier = match line.scheduled_date_kind {
            Some(DateKind::Shipment) => "11",
            Some(DateKind::Delivery) | None => "69",
        };
        dtm(out, qualifier, line.scheduled_date)?;
    }
    out.segment("UNS", &[s("S")])?;
    out.segment(
        "CNT",
        &[Field::Composite(&["2", &ack.lines.len().to_string()])],
    )
}

fn ship_notice(out: &mut Out, asn: &ShipNotice) -> Result<(), WriteError> {
    out.segment(
        "BGM",
        &[s("351"), s(&asn.shipment_id), s(asn.purpose.to_edifact())],
    )?;
    dtm(out, "11", asn.ship_date)?;
    dtm(out, "17", asn.estimated_delivery)?;
    if let Some(bol) = &asn.bill_of_lading {
        out.segment("RFF", &[Field::Composite(&["BM", bol])])?;
    }
    if let Some(pro) = &asn.pro_number {
        out.segment("RFF", &[Field::Composite(&["CN", pro])])?;
    }
    parties(out, &asn.parties)?;
    if let Some(scac) = &asn.carrier_scac {
        out.segment(
            "TDT",
            &[
                s("20"),
                s(""),
                s("30"),
                s(""),
                Field::Composite(&[scac, "172", "182"]),
            ],
        )?;
    }
    out.segment("CPS", &[s("1")])?;
    let (mut cps, mut items) = (1u32, 0u32);
    for order in &asn.orders {
        for pack in &order.packs {
            cps += 1;
            out.segment("CPS", &[s(&cps.to_string()), s("1")])?;
            if let Some(sscc) = &pack.sscc {
                out.segment("PAC", &[s("1"), s(""), s("CT")])?;
                out.segment("GIN", &[s("BJ"), s(sscc)])?;
            }
            for item in &pack.items {
                items += 1;
                lin(out, &items.to_string(), "", &item.product_ids)?;
                qty(out, "12", &item.quantity)?;
                out.segment(
                    "RFF",
                    &[Field::Composite(&[
                        "ON",
                        &order.po_number,
                        opt(&item.line_number),
                    ])],
                )?;
                dtm(out, "171", order.po_date)?;
            }
        }
    }
    out.segment("CNT", &[Field::Composite(&["2", &items.to_string()])])
}

fn invoice(out: &mut Out, invoice: &Invoice) -> Result<(), WriteError> {
    out.segment("BGM", &[s("380"), s(&invoice.invoice_number), s("9")])?;
    dtm(out, "137", invoice.invoice_date)?;
    if let Some(po) = &invoice.po_number {
        out.segment("RFF", &[Field::Composite(&["ON", po])])?;
        dtm(out, "171", invoice.po_date)?;
    }
    parties(out, &invoice.parties)?;
    if let Some(currency) = &invoice.currency {
        out.segment("CUX", &[Field::Composite(&["2", currency, "4"])])?;
    }
    for charge in &invoice.charges {
        let (kind, qualifier) = match charge.kind {
            ChargeKind::Charge => ("C", "23"),
            ChargeKind::Allowance => ("A", "204"),
        };
        let code = opt(&charge.code);
        let detail = [code, "", "", opt(&charge.description)];
        out.segment(
            "ALC",
            &[s(kind), s(""), s(""), s(""), Field::Composite(&detail)],
        )?;
        moa(out, qualifier, &charge.amount)?;
    }
    for line in &invoice.lines {
        lin(out, &line.line_number, "", &line.product_ids)?;
        description(out, line.description.as_deref())?;
        qty(out, "47", &line.quantity)?;
        moa(out, "203", &(line.quantity.value * line.unit_price))?;
        out.segment("PRI", &[Field::Composite(&["AAA", &num(&line.unit_price)])])?;
    }
    out.segment("UNS", &[s("S")])?;
    out.segment(
        "CNT",
        &[Field::Composite(&["2", &invoice.lines.len().to_string()])],
    )?;
    moa(out, "79", &invoice.line_total())?;
    if let Some(tax) = &invoice.tax_amount {
        moa(out, "124", tax)?;
    }
    moa(out, "77", &invoice.total_amount)
}

fn contrl(out: &mut Out, ack: &FunctionalAck) -> Result<(), WriteError> {
    if let Some(uci) = &ack.interchange {
        out.segment(
            "UCI",
            &[
                s(&uci.control_number),
                Field::Composite(&[&uci.sender.id, &uci.sender.qualifier]),
                Field::Composite(&[&uci.receiver.id, &uci.receiver.qualifier]),
                s(uci.status.to_edifact()),
                s(opt(&uci.error_code)),
            ],
        )?;
    }
    for message in &ack.messages {
        ucm(out, message)?;
    }
    for group in &ack.groups {
        out.segment(
            "UCF",
            &[
                s(&group.control_number),
                s(""),
                s(""),
                s(group.status.to_edifact()),
                s(group.error_codes.first().map_or("", String::as_str)),
            ],
        )?;
        for message in &group.transactions {
            ucm(out, message)?;
        }
    }
    Ok(())
}

fn ucm(out: &mut Out, message: &TransactionAck) -> Result<(), WriteError> {
    out.segment(
        "UCM",
        &[
            s(&message.control_number),
            Field::Composite(&[&message.set_id, "D", "96A", "UN"]),
            s(message.status.to_edifact()),
            s(message.error_codes.first().map_or("", String::as_str)),
        ],
    )?;
    for error in &message.segment_errors {
        out.segment(
            "UCS",
            &[s(&error.position.to_string()), s(opt(&error.code))],
        )?;
        for element in &error.element_errors {
            let position = element.position.to_string();
            let component = element.component.map(|c| c.to_string()).unwrap_or_default();
            out.segment(
                "UCD",
                &[s(&element.code), Field::Composite(&[&position, &component])],
            )?;
        }
    }
    Ok(())
}

fn shipment_status(out: &mut Out, status: &ShipmentStatus) -> Result<(), WriteError> {
    out.segment("BGM", &[s("23"), s(opt(&status.shipment_id)), s("9")])?;
    dtm(out, "17", status.estimated_delivery)?;
    if let Some(scac) = &status.carrier_scac {
        out.segment("NAD", &[s("CA"), Field::Composite(&[scac, "", "172"])])?;
    }
    if let Some(bol) = &status.bill_of_lading {
        out.segment("RFF", &[Field::Composite(&["BM", bol])])?;
    }
    if let Some(pro) = &status.pro_number {
        out.segment("RFF", &[Field::Composite(&["CN", pro])])?;
    }
    for po in &status.po_numbers {
        out.segment("RFF", &[Field::Composite(&["ON", po])])?;
    }
    out.segment("CNI", &[s("1")])?;
    for event in &status.events {
        out.segment(
            "STS",
            &[
                s("1"),
                Field::Composite(&[&event.status]),
                Field::Composite(&[opt(&event.reason)]),
            ],
        )?;
        match (event.date, event.time) {
            (Some(date), Some(time)) => {
                let stamp = format!("{}{}", date.to_ccyymmdd(), time.to_hhmm());
                out.segment("DTM", &[Field::Composite(&["334", &stamp, "203"])])?;
            }
            (Some(date), None) => out.segment(
                "DTM",
                &[Field::Composite(&["334", &date.to_ccyymmdd(), "102"])],
            )?,
            _ => {}
        }
        if let Some(city) = &event.city {
            out.segment("LOC", &[s("175"), Field::Composite(&["", "", "", city])])?;
        }
    }
    Ok(())
}

/// `BGM+230+{change sequence, else the PO number}+{1225}'`, the dates, `RFF+ON`, the parties and
/// one LIN group per line with its change indicator (LIN 1229).
fn order_change(out: &mut Out, change: &PurchaseOrderChange) -> Result<(), WriteError> {
    let number = change
        .change_sequence
        .as_deref()
        .unwrap_or(&change.po_number);
    out.segment(
        "BGM",
        &[s("230"), s(number), s(change.purpose.to_edifact())],
    )?;
    dtm(out, "137", change.change_date)?;
    dtm(out, "2", change.requested_delivery)?;
    out.segment("RFF", &[Field::Composite(&["ON", &change.po_number])])?;
    dtm(out, "171", change.po_date)?;
    parties(out, &change.parties)?;
    for line in &change.lines {
        lin(
            out,
            &line.line_number,
            line.change.to_edifact(),
            &line.product_ids,
        )?;
        if let Some(quantity) = &line.quantity {
            qty(out, "21", quantity)?;
        }
        if let Some(left) = &line.left_to_receive {
            let unit = line.quantity.as_ref().map_or("", |q| q.unit.as_str());
            out.segment("QTY", &[Field::Composite(&["113", &num(left), unit])])?;
        }
        dtm(out, "2", line.requested_delivery)?;
        if let Some(price) = &line.unit_price {
            out.segment("PRI", &[Field::Composite(&["AAA", &num(price)])])?;
        }
    }
    out.segment("UNS", &[s("S")])?;
    out.segment(
        "CNT",
        &[Field::Composite(&["2", &change.lines.len().to_string()])],
    )
}
