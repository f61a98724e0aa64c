//! The expiry calendar: every dated requirement of a supplier as an iCalendar (`.ics`) —
//! the expiry day and the day its renewal is asked for — filed in the workspace's
//! `Compliance` folder with the compliance record and served by the operator route
//! `GET /supplier-onboarding/suppliers/{workspace_id}/calendar`; and the other operator route,
//! `GET /supplier-onboarding/suppliers/{workspace_id}`: the supplier's onboarding standing, the
//! compliance record as filed (`record::record_json`: `onboarding_status`, each requirement's
//! state, validity, document and request, the history).
//!
//! The text depends only on the standing (no generation time), so an unchanged standing
//! files no new version.

use gridlink_core::error::ErrorKind;
use gridlink_flow::usecase::{RouteParams, Routes, param};
use gridlink_lambda::HttpResponse;
use time::Date;

use crate::SupplierOnboarding;
use crate::error::OnboardingError;
use crate::standing::{Standing, State};
use crate::validate::parse_date;

/// supplier-onboarding's operator routes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnboardingRoute {
    /// `GET suppliers/{workspace_id}/calendar`: the supplier's expiry calendar.
    Calendar(String),
    /// `GET suppliers/{workspace_id}`: the supplier's standing (its compliance record).
    Standing(String),
}

impl Routes for OnboardingRoute {
    const TEMPLATES: &'static [(&'static str, &'static str)] = &[
        ("GET", "suppliers/{workspace_id}/calendar"),
        ("GET", "suppliers/{workspace_id}"),
    ];

    fn parse(method: &str, template: &str, params: &RouteParams) -> Option<Self> {
        match (method, template) {
            ("GET", "suppliers/{workspace_id}/calendar") => {
                Some(Self::Calendar(param(params, "workspace_id")))
            }
            ("GET", "suppliers/{workspace_id}") => {
                Some(Self::Standing(param(params, "workspace_id")))
            }
            _ => None,
        }
    }
}

fn ics_date(date: Date) -> String {
    format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// The calendar of a standing (`name`: the workspace's name).
pub fn calendar_ics(standing: &Standing, name: &str, first_renewal_days: u32) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//gridlink//supplier-onboarding//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        format!(
            "X-WR-CALNAME:{}",
            escape(&format!("Compliance expiries — {name}"))
        ),
    ];
    for r in standing.requirements.values() {
        if !r.required || matches!(r.state, State::Waived) {
            continue;
        }
        let Some(until) = r.valid_until.as_deref().and_then(parse_date) else {
            continue;
        };
        let renewal = until - time::Duration::days(i64::from(first_renewal_days));
        for (what, day) in [("expires", until), ("renewal requested", renewal)] {
            let next = day + time::Duration::days(1);
            lines.extend([
                "BEGIN:VEVENT".to_owned(),
                format!(
                    "UID:{}-{}-{}-{}@gridlink",
                    standing.workspace_id,
                    r.kind,
                    ics_date(until),
                    what.replace(' ', "-")
                ),
                format!("DTSTAMP:{}T000000Z", ics_date(until)),
                format!("DTSTART;VALUE=DATE:{}", ics_date(day)),
                format!("DTEND;VALUE=DATE:{}", ics_date(next)),
                format!("SUMMARY:{}", escape(&format!("{} {what} — {name}", r.kind))),
                format!(
                    "DESCRIPTION:{}",
                    escape(&format!(
                        "{} valid until {}; status {}",
                        r.kind,
                        ics_date(until),
                        r.state.label()
                    ))
                ),
                "END:VEVENT".to_owned(),
            ]);
        }
    }
    lines.push("END:VCALENDAR".to_owned());
    lines.join("\r\n") + "\r\n"
}

impl SupplierOnboarding {
    /// Answers an operator route.
    pub(crate) async fn answer(
        &self,
        route: OnboardingRoute,
    ) -> Result<HttpResponse, OnboardingError> {
        let (id, calendar) = match route {
            OnboardingRoute::Calendar(id) => (id, true),
            OnboardingRoute::Standing(id) => (id, false),
        };
        let Ok(workspace) = id.parse::<i64>() else {
            return Ok(HttpResponse::error(
                ErrorKind::BadRequest,
                format!("workspace_id: `{id}` is not a node id"),
            ));
        };
        let Some(standing) = self.standing(workspace).await? else {
            return Ok(HttpResponse::error(
                ErrorKind::NotFound,
                format!("workspace_id: supplier {workspace} is not tracked"),
            ));
        };
        let name = self
            .platform
            .xecm
            .get_node(gridlink_xecm::NodeId::new(workspace)?)
            .await?
            .name;
        if !calendar {
            return Ok(HttpResponse {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: crate::record::record_json(&standing, &name).into_bytes(),
            });
        }
        let first = self.config.renewal_days.first().copied().unwrap_or(0);
        Ok(HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), "text/calendar; charset=utf-8".into())],
            body: calendar_ics(&standing, &name, first).into_bytes(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standing::RequirementState;

    #[test]
    fn each_dated_requirement_has_its_expiry_and_renewal_day() {
        let mut s = Standing {
            workspace_id: 42,
            ..Standing::default()
        };
        s.requirements.insert(
            "insurance_certificate".into(),
            RequirementState {
                kind: "insurance_certificate".into(),
                required: true,
                state: State::Accepted,
                valid_until: Some("2027-03-01".into()),
                ..RequirementState::default()
            },
        );
        s.requirements.insert(
            "w9".into(),
            RequirementState {
                kind: "w9".into(),
                required: true,
                state: State::Accepted,
                ..RequirementState::default()
            },
        );
        let ics = calendar_ics(&s, "Brightwire, Inc.", 60);
        assert!(ics.contains("DTSTART;VALUE=DATE:20270301\r\n"), "{ics}");
        assert!(
            ics.contains("DTSTART;VALUE=DATE:20261231\r\n"),
            "60 days before: {ics}"
        );
        assert_eq!(
            ics.matches("BEGIN:VEVENT").count(),
            2,
            "the W-9 has no date"
        );
        assert!(ics.contains("Brightwire\\, Inc."), "{ics}");
        assert_eq!(
            calendar_ics(&s, "Brightwire, Inc.", 60),
            ics,
            "deterministic"
        );
    }
}
