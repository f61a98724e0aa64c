//! X12 writer: ISA/GS/ST…SE/GE/IEA around 850, 855, 856, 810, 997/999, 214, 860 and 865
//! bodies.

use rust_decimal::Decimal;

use crate::model::{
    AckKind, BusinessDocument, ChangeLine, ChargeKind, DateKind, FunctionalAck, Invoice,
    OrderAcknowledgment, Party, ProductId, PurchaseOrder, PurchaseOrderChange,
    PurchaseOrderChangeAck, ShipNotice, ShipmentStatus,
};
use crate::syntax::Delimiters;

use super::{EnvelopeParams, Field, Out, WriteError, num, opt, s};

/// Which X12 version an interchange is written in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flavor {
    pub isa_version: &'static str,
    pub gs_version: &'static str,
    pub repetition: Option<u8>,
}

/// 004010: ISA11 is the standards identifier `U`.
pub(crate) const V4010: Flavor = Flavor {
    isa_version: "00401",
    gs_version: "004010",
    repetition: None,
};

/// 005010 for the 999: ISA11 is the repetition separator `^`.
pub(crate) const V5010_999: Flavor = Flavor {
    isa_version: "00501",
    gs_version: "005010X231A1",
    repetition: Some(b'^'),
};

/// X12 transaction set id and functional group id of a document.
fn set_ids(document: &BusinessDocument) -> (&'static str, &'static str) {
    match document {
        BusinessDocument::PurchaseOrder(_) => ("850", "PO"),
        BusinessDocument::OrderAcknowledgment(_) => ("855", "PR"),
        BusinessDocument::ShipNotice(_) => ("856", "SH"),
        BusinessDocument::Invoice(_) => ("810", "IN"),
        BusinessDocument::FunctionalAck(ack) if ack.kind == AckKind::Ack999 => ("999", "FA"),
        BusinessDocument::FunctionalAck(_) => ("997", "FA"),
        BusinessDocument::ShipmentStatus(_) => ("214", "QM"),
        BusinessDocument::PurchaseOrderChange(_) => ("860", "PC"),
        BusinessDocument::PurchaseOrderChangeAck(_) => ("865", "CA"),
    }
}

pub(crate) fn delimiters(flavor: Flavor) -> Delimiters {
    Delimiters {
        repetition: flavor.repetition,
        ..Delimiters::X12_DEFAULT
    }
}

/// Writes the 106-byte ISA.
pub(crate) fn write_isa(
    out: &mut Out,
    params: &EnvelopeParams,
    flavor: Flavor,
) -> Result<(), WriteError> {
    let pad = |field: &'static str, value: &str, width: usize| -> Result<String, WriteError> {
        if value.len() > width || !value.is_ascii() {
            return Err(WriteError::TooLong {
                field,
                value: value.to_owned(),
                max: width,
            });
        }
        Ok(format!("{value:<width$}"))
    };
    if params.interchange_control_number > 999_999_999 {
        return Err(WriteError::TooLong {
            field: "ISA13",
            value: params.interchange_control_number.to_string(),
            max: 9,
        });
    }
    let date = params.prepared_at.date();
    let time = params.prepared_at.time();
    let isa11 = flavor.repetition.map_or('U', char::from);
    let isa = format!(
        "ISA*00*          *00*          *{}*{}*{}*{}*{:02}{:02}{:02}*{:02}{:02}*{isa11}*{}*{:09}*0*{}*>~\n",
        pad("ISA05", &params.sender.qualifier, 2)?,
        pad("ISA06", &params.sender.id, 15)?,
        pad("ISA07", &params.receiver.qualifier, 2)?,
        pad("ISA08", &params.receiver.id, 15)?,
        date.year().rem_euclid(100),
        u8::from(date.month()),
        date.day(),
        time.hour(),
        time.minute(),
        flavor.isa_version,
        params.interchange_control_number,
        if params.test { 'T' } else { 'P' },
    );
    out.raw(isa.as_bytes());
    Ok(())
}

/// Writes whole interchanges: one GS group per run of documents with the same functional id.
pub(crate) fn write_documents(
    documents: &[BusinessDocument],
    params: &EnvelopeParams,
) -> Result<Vec<u8>, WriteError> {
    let flavor = if documents
        .iter()
        .any(|d| matches!(d, BusinessDocument::FunctionalAck(a) if a.kind == AckKind::Ack999))
    {
        V5010_999
    } else {
        V4010
    };
    let mut out = Out::new(delimiters(flavor), true);
    write_isa(&mut out, params, flavor)?;
    let date = params.prepared_at.date();
    let time = params.prepared_at.time();
    let gs_date = format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    );
    let gs_time = format!("{:02}{:02}", time.hour(), time.minute());
    let app_sender = params
        .application_sender
        .clone()
        .unwrap_or_else(|| params.sender.id.clone());
    let app_receiver = params
        .application_receiver
        .clone()
        .unwrap_or_else(|| params.receiver.id.clone());
    let mut groups = 0u32;
    let mut control = params.first_transaction_control_number;
    let mut start = 0;
    while start < documents.len() {
        let (_, functional_id) = set_ids(&documents[start]);
        let end = documents[start..]
            .iter()
            .position(|d| set_ids(d).1 != functional_id)
            .map_or(documents.len(), |k| start + k);
        let group_number = (params.group_control_number + groups).to_string();
        out.segment(
            "GS",
            &[
                s(functional_id),
                s(&app_sender),
                s(&app_receiver),
                s(&gs_date),
                s(&gs_time),
                s(&group_number),
                s("X"),
                s(flavor.gs_version),
            ],
        )?;
        for document in &documents[start..end] {
            write_transaction(&mut out, document, &format!("{control:04}"), flavor)?;
            control += 1;
        }
        let sets = (end - start).to_string();
        out.segment("GE", &[s(&sets), s(&group_number)])?;
        groups += 1;
        start = end;
    }
    let isa13 = format!("{:09}", params.interchange_control_number);
    out.segment("IEA", &[s(&groups.to_string()), s(&isa13)])?;
    Ok(out.bytes)
}

/// Writes ST, the body and SE with its segment count.
pub(crate) fn write_transaction(
    out: &mut Out,
    document: &BusinessDocument,
    control: &str,
    flavor: Flavor,
) -> Result<(), WriteError> {
    let (set_id, _) = set_ids(document);
    out.start_count();
    if set_id == "999" {
        out.segment("ST", &[s(set_id), s(control), s(flavor.gs_version)])?;
    } else {
        out.segment("ST", &[s(set_id), s(control)])?;
    }
    match document {
        BusinessDocument::PurchaseOrder(po) => purchase_order(out, po)?,
        BusinessDocument::OrderAcknowledgment(ack) => order_ack(out, ack)?,
        BusinessDocument::ShipNotice(asn) => ship_notice(out, asn)?,
        BusinessDocument::Invoice(invoice) => self::invoice(out, invoice)?,
        BusinessDocument::FunctionalAck(ack) => functional_ack(out, ack)?,
        BusinessDocument::ShipmentStatus(status) => shipment_status(out, status)?,
        BusinessDocument::PurchaseOrderChange(change) => order_change(out, change)?,
        BusinessDocument::PurchaseOrderChangeAck(ack) => order_change_ack(out, ack)?,
    }
    let count = (out.counted + 1).to_string();
    out.segment("SE", &[s(&count), s(control)])
}

fn date(value: Option<crate::model::EdiDate>) -> String {
    value
        .map(crate::model::EdiDate::to_ccyymmdd)
        .unwrap_or_default()
}

fn parties(out: &mut Out, parties: &[Party]) -> Result<(), WriteError> {
    for party in parties {
        let (qualifier, id) = party
            .id
            .as_ref()
            .map_or(("", ""), |i| (i.scheme.to_x12(), i.value.as_str()));
        out.segment(
            "N1",
            &[
                s(party.role.to_x12()),
                s(opt(&party.name)),
                s(qualifier),
                s(id),
            ],
        )?;
        if let Some(address) = &party.address {
            if address.street.is_some() {
                out.segment("N3", &[s(opt(&address.street))])?;
            }
            if address.city.is_some()
                || address.state.is_some()
                || address.postal_code.is_some()
                || address.country.is_some()
            {
                out.segment(
                    "N4",
                    &[
                        s(opt(&address.city)),
                        s(opt(&address.state)),
                        s(opt(&address.postal_code)),
                        s(opt(&address.country)),
                    ],
                )?;
            }
        }
    }
    Ok(())
}

/// Element list `line, qty, unit, price, "", q1, id1, q2, id2…` for PO1 and IT1.
fn line_fields<'a>(head: [&'a str; 4], ids: &'a [ProductId]) -> Vec<Field<'a>> {
    let mut fields: Vec<Field<'a>> = head.iter().map(|v| s(v)).collect();
    fields.push(s(""));
    for id in ids {
        fields.push(s(id.kind.to_x12()));
        fields.push(s(&id.value));
    }
    fields
}

fn purchase_order(out: &mut Out, po: &PurchaseOrder) -> Result<(), WriteError> {
    out.segment(
        "BEG",
        &[
            s(po.purpose.to_x12()),
            s(po.order_type.to_x12()),
            s(&po.po_number),
            s(""),
            s(&date(po.po_date)),
        ],
    )?;
    if let Some(currency) = &po.currency {
        out.segment("CUR", &[s("BY"), s(currency)])?;
    }
    if po.requested_delivery.is_some() {
        out.segment("DTM", &[s("002"), s(&date(po.requested_delivery))])?;
    }
    if po.requested_ship.is_some() {
        out.segment("DTM", &[s("010"), s(&date(po.requested_ship))])?;
    }
    parties(out, &po.parties)?;
    for line in &po.lines {
        let qty = num(&line.quantity.value);
        let price = line.unit_price.as_ref().map(num).unwrap_or_default();
        out.segment(
            "PO1",
            &line_fields(
                [&line.line_number, &qty, &line.quantity.unit, &price],
                &line.product_ids,
            ),
        )?;
        if let Some(description) = &line.description {
            out.segment("PID", &[s("F"), s(""), s(""), s(""), s(description)])?;
        }
    }
    out.segment("CTT", &[s(&po.lines.len().to_string())])
}

fn order_ack(out: &mut Out, ack: &OrderAcknowledgment) -> Result<(), WriteError> {
    out.segment(
        "BAK",
        &[
            s(ack.purpose.to_x12()),
            s(ack.status.to_x12()),
            s(&ack.po_number),
            s(&date(ack.po_date)),
            s(""),
            s(""),
            s(""),
            s(opt(&ack.seller_order_number)),
            s(&date(ack.ack_date)),
        ],
    )?;
    parties(out, &ack.parties)?;
    for line in &ack.lines {
        let (qty, unit) = line
            .ordered_quantity
            .as_ref()
            .map_or((String::new(), ""), |q| (num(&q.value), q.unit.as_str()));
        let price = line.unit_price.as_ref().map(num).unwrap_or_default();
        out.segment(
            "PO1",
            &line_fields([&line.line_number, &qty, unit, &price], &line.product_ids),
        )?;
        let (status_qty, status_unit) = line
            .status_quantity
            .as_ref()
            .map_or((String::new(), ""), |q| (num(&q.value), q.unit.as_str()));
        let qualifier = match (&line.scheduled_date, line.scheduled_date_kind) {
            (None, _) => "",
            (Some(_), Some(DateKind::Delivery)) => "067",
            (Some(_), Some(DateKind::Shipment) | None) => "068",
        };
        out.segment(
            "ACK",
            &[
                s(line.status.to_x12()),
                s(&status_qty),
                s(status_unit),
                s(qualifier),
                s(&date(line.scheduled_date)),
            ],
        )?;
    }
    out.segment("CTT", &[s(&ack.lines.len().to_string())])
}

fn ship_notice(out: &mut Out, asn: &ShipNotice) -> Result<(), WriteError> {
    out.segment(
        "BSN",
        &[
            s(asn.purpose.to_x12()),
            s(&asn.shipment_id),
            s(&date(asn.ship_date.or(asn.estimated_delivery))),
            s("0000"),
        ],
    )?;
    if asn.ship_date.is_some() {
        out.segment("DTM", &[s("011"), s(&date(asn.ship_date))])?;
    }
    if asn.estimated_delivery.is_some() {
        out.segment("DTM", &[s("017"), s(&date(asn.estimated_delivery))])?;
    }
    if let Some(scac) = &asn.carrier_scac {
        out.segment("TD5", &[s(""), s("2"), s(scac)])?;
    }
    if let Some(bol) = &asn.bill_of_lading {
        out.segment("REF", &[s("BM"), s(bol)])?;
    }
    if let Some(pro) = &asn.pro_number {
        out.segment("REF", &[s("CN"), s(pro)])?;
    }
    parties(out, &asn.parties)?;
    let mut hl = 1u32;
    out.segment("HL", &[s("1"), s(""), s("S")])?;
    for order in &asn.orders {
        hl += 1;
        let order_hl = hl.to_string();
        out.segment("HL", &[s(&order_hl), s("1"), s("O")])?;
        out.segment(
            "PRF",
            &[s(&order.po_number), s(""), s(""), s(&date(order.po_date))],
        )?;
        for pack in &order.packs {
            let parent = match &pack.sscc {
                Some(sscc) => {
                    hl += 1;
                    let pack_hl = hl.to_string();
                    out.segment("HL", &[s(&pack_hl), s(&order_hl), s("P")])?;
                    out.segment("MAN", &[s("GM"), s(&format!("00{sscc}"))])?;
                    pack_hl
                }
                None => order_hl.clone(),
            };
            for item in &pack.items {
                hl += 1;
                out.segment("HL", &[s(&hl.to_string()), s(&parent), s("I")])?;
                let mut fields = vec![s(opt(&item.line_number))];
                for id in &item.product_ids {
                    fields.push(s(id.kind.to_x12()));
                    fields.push(s(&id.value));
                }
                out.segment("LIN", &fields)?;
                out.segment(
                    "SN1",
                    &[s(""), s(&num(&item.quantity.value)), s(&item.quantity.unit)],
                )?;
            }
        }
    }
    out.segment("CTT", &[s(&hl.to_string())])
}

/// TDS01 is N2: the amount in cents, no decimal point.
fn cents(value: Decimal) -> Result<String, WriteError> {
    let scaled = value * Decimal::ONE_HUNDRED;
    if scaled.fract() != Decimal::ZERO {
        return Err(WriteError::AmountNotRepresentable {
            value: value.to_string(),
        });
    }
    i64::try_from(scaled.trunc())
        .map(|c| c.to_string())
        .map_err(|_| WriteError::AmountNotRepresentable {
            value: value.to_string(),
        })
}

fn invoice(out: &mut Out, invoice: &Invoice) -> Result<(), WriteError> {
    out.segment(
        "BIG",
        &[
            s(&date(invoice.invoice_date)),
            s(&invoice.invoice_number),
            s(&date(invoice.po_date)),
            s(opt(&invoice.po_number)),
        ],
    )?;
    if let Some(currency) = &invoice.currency {
        out.segment("CUR", &[s("SE"), s(currency)])?;
    }
    parties(out, &invoice.parties)?;
    for line in &invoice.lines {
        let qty = num(&line.quantity.value);
        let price = num(&line.unit_price);
        out.segment(
            "IT1",
            &line_fields(
                [&line.line_number, &qty, &line.quantity.unit, &price],
                &line.product_ids,
            ),
        )?;
        if let Some(description) = &line.description {
            out.segment("PID", &[s("F"), s(""), s(""), s(""), s(description)])?;
        }
    }
    out.segment("TDS", &[s(&cents(invoice.total_amount)?)])?;
    if let Some(tax) = &invoice.tax_amount {
        out.segment("TXI", &[s("ST"), s(&num(tax))])?;
    }
    for charge in &invoice.charges {
        let kind = match charge.kind {
            ChargeKind::Charge => "C",
            ChargeKind::Allowance => "A",
        };
        let amount = cents(charge.amount)?;
        let mut fields = vec![s(kind), s(opt(&charge.code)), s(""), s(""), s(&amount)];
        if let Some(description) = &charge.description {
            fields.extend(std::iter::repeat_n(s(""), 9));
            fields.push(s(description));
        }
        out.segment("SAC", &fields)?;
    }
    out.segment("CTT", &[s(&invoice.lines.len().to_string())])
}

fn functional_ack(out: &mut Out, ack: &FunctionalAck) -> Result<(), WriteError> {
    let implementation = ack.kind == AckKind::Ack999;
    for group in &ack.groups {
        out.segment(
            "AK1",
            &[
                s(&group.functional_id),
                s(&group.control_number),
                s(opt(&group.version)),
            ],
        )?;
        for set in &group.transactions {
            out.segment("AK2", &[s(&set.set_id), s(&set.control_number)])?;
            for error in &set.segment_errors {
                let position = error.position.to_string();
                let tag = if implementation { "IK3" } else { "AK3" };
                out.segment(
                    tag,
                    &[
                        s(opt(&error.segment_id)),
                        s(&position),
                        s(""),
                        s(opt(&error.code)),
                    ],
                )?;
                for element in &error.element_errors {
                    let position = element.position.to_string();
                    let component = element.component.map(|c| c.to_string()).unwrap_or_default();
                    let tag = if implementation { "IK4" } else { "AK4" };
                    out.segment(
                        tag,
                        &[
                            Field::Composite(&[&position, &component]),
                            s(""),
                            s(&element.code),
                            s(opt(&element.bad_value)),
                        ],
                    )?;
                }
            }
            let mut fields = vec![s(set.status.to_x12())];
            fields.extend(set.error_codes.iter().take(5).map(|c| s(c)));
            out.segment(if implementation { "IK5" } else { "AK5" }, &fields)?;
        }
        let count = |value: Option<u32>| value.unwrap_or(0).to_string();
        let (included, received, accepted) = (
            count(group.sets_included),
            count(group.sets_received),
            count(group.sets_accepted),
        );
        let mut fields = vec![
            s(group.status.to_x12()),
            s(&included),
            s(&received),
            s(&accepted),
        ];
        fields.extend(group.error_codes.iter().take(5).map(|c| s(c)));
        out.segment("AK9", &fields)?;
    }
    Ok(())
}

fn shipment_status(out: &mut Out, status: &ShipmentStatus) -> Result<(), WriteError> {
    out.segment(
        "B10",
        &[
            s(opt(&status.pro_number)),
            s(opt(&status.shipment_id)),
            s(opt(&status.carrier_scac)),
        ],
    )?;
    if let Some(bol) = &status.bill_of_lading {
        out.segment("L11", &[s(bol), s("BM")])?;
    }
    for po in &status.po_numbers {
        out.segment("L11", &[s(po), s("PO")])?;
    }
    if status.estimated_delivery.is_some() {
        out.segment("G62", &[s("17"), s(&date(status.estimated_delivery))])?;
    }
    out.segment("LX", &[s("1")])?;
    for event in &status.events {
        let time = event
            .time
            .map(crate::model::EdiTime::to_hhmm)
            .unwrap_or_default();
        let time_code = if event.time.is_some() { "LT" } else { "" };
        out.segment(
            "AT7",
            &[
                s(&event.status),
                s(opt(&event.reason)),
                s(""),
                s(""),
                s(&date(event.date)),
                s(&time),
                s(time_code),
            ],
        )?;
        if event.city.is_some() || event.state.is_some() || event.country.is_some() {
            out.segment(
                "MS1",
                &[
                    s(opt(&event.city)),
                    s(opt(&event.state)),
                    s(opt(&event.country)),
                ],
            )?;
        }
    }
    Ok(())
}

/// `POC*{line}*{change}*{qty}*{left}*{unit}*{price}*{PE when priced}*{qual}*{id}…` and the line's
/// `DTM*002`.
fn change_line(out: &mut Out, line: &ChangeLine) -> Result<(), WriteError> {
    let (qty, unit) = line
        .quantity
        .as_ref()
        .map_or((String::new(), ""), |q| (num(&q.value), q.unit.as_str()));
    let left = line.left_to_receive.as_ref().map(num).unwrap_or_default();
    let price = line.unit_price.as_ref().map(num).unwrap_or_default();
    let basis = if line.unit_price.is_some() { "PE" } else { "" };
    let mut fields = vec![
        s(&line.line_number),
        s(line.change.to_x12()),
        s(&qty),
        s(&left),
        s(unit),
        s(&price),
        s(basis),
    ];
    for id in &line.product_ids {
        fields.push(s(id.kind.to_x12()));
        fields.push(s(&id.value));
    }
    out.segment("POC", &fields)?;
    if line.requested_delivery.is_some() {
        out.segment("DTM", &[s("002"), s(&date(line.requested_delivery))])?;
    }
    Ok(())
}

fn order_change(out: &mut Out, change: &PurchaseOrderChange) -> Result<(), WriteError> {
    out.segment(
        "BCH",
        &[
            s(change.purpose.to_x12()),
            s(change.order_type.to_x12()),
            s(&change.po_number),
            s(""),
            s(opt(&change.change_sequence)),
            s(&date(change.po_date)),
            s(""),
            s(""),
            s(""),
            s(""),
            s(&date(change.change_date)),
        ],
    )?;
    if change.requested_delivery.is_some() {
        out.segment("DTM", &[s("002"), s(&date(change.requested_delivery))])?;
    }
    parties(out, &change.parties)?;
    for line in &change.lines {
        change_line(out, line)?;
    }
    out.segment("CTT", &[s(&change.lines.len().to_string())])
}

fn order_change_ack(out: &mut Out, ack: &PurchaseOrderChangeAck) -> Result<(), WriteError> {
    out.segment(
        "BCA",
        &[
            s(ack.purpose.to_x12()),
            s(ack.status.to_x12()),
            s(&ack.po_number),
            s(""),
            s(opt(&ack.change_sequence)),
            s(&date(ack.po_date)),
            s(""),
            s(""),
            s(opt(&ack.seller_order_number)),
            s(&date(ack.ack_date)),
            s(&date(ack.change_date)),
        ],
    )?;
    parties(out, &ack.parties)?;
    for line in &ack.lines {
        change_line(out, &line.line)?;
        let (status_qty, status_unit) = line
            .status_quantity
            .as_ref()
            .map_or((String::new(), ""), |q| (num(&q.value), q.unit.as_str()));
        let qualifier = match (&line.scheduled_date, line.scheduled_date_kind) {
            (None, _) => "",
            (Some(_), Some(DateKind::Delivery)) => "067",
            (Some(_), Some(DateKind::Shipment) | None) => "068",
        };
        out.segment(
            "ACK",
            &[
                s(line.status.to_x12()),
                s(&status_qty),
                s(status_unit),
                s(qualifier),
                s(&date(line.scheduled_date)),
            ],
        )?;
    }
    out.segment("CTT", &[s(&ack.lines.len().to_string())])
}
