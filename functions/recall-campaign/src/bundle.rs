//! The evidence bundle: one zip per recall, filed as `Evidence Bundle <recall id>.zip` in
//! `Evidence Bundle`, a new version whenever its content changes.
//!
//! # Content
//! ```text
//! notice/v<n> <file name>                  the notice as issued (each recall version's pinned
//!                                          version, from xECM)
//! distribution/v<n> <name>                 the distribution as issued (pinned version)
//! rollup.json                              the rollup (the one served and filed)
//! partners/<partner>/v<n>/answers.json     the partner's record: lots, campaign, state,
//!                                          reminders, escalation, every answer with its TG
//!                                          event id and responded_at
//! partners/<partner>/v<n>/files/<attachment id> <file name>
//!                                          each returned file (from the partner's folder in
//!                                          xECM; from Trading Grid if it is not there), once
//!                                          even when several answers name it; two files
//!                                          whose safe names coincide get ` (2)`, ` (3)`, …
//! log/reminders-escalations.csv            per partner: reminders sent, escalation (when,
//!                                          why, TG thread and message, the note filed)
//! parked.json                              what was not sent, and why
//! fsma204.csv                              sortable traceability rows (lot code, product,
//!                                          quantity, unit, location, event, date, reference
//!                                          document), in the FSMA 204 spirit
//! manifest.json                            the recall (class, reason, market), who initiated
//!                                          and approved it, notice and distribution versions
//!                                          and the notice's TG attachment and sha256; every
//!                                          entry above with its sha256 and size
//! SHA256SUMS                               `sha256sum -c` format, every entry incl. the manifest
//! ```
//!
//! # Reproducible, streamed
//! Everything comes from the ledger (and the documents it pins), in a fixed order, with fixed
//! entry times (1980-01-01, the zip epoch) and permissions: the same standing gives the same
//! bytes, so a re-export files no new version. The zip is written entry by entry into a
//! temporary file and each returned file is copied chunk by chunk from its download, hashed as
//! it goes; the upload streams the file. Memory holds one partner's record at a time, never
//! the bundle: thousands of partners with photos fit a 512 MB function.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Seek, Write};

use futures::{Stream, StreamExt};
use gridlink_flow::{EffectKey, Filing};
use gridlink_tgrid::AttachmentId;
use gridlink_xecm::{DocumentSpec, FileSource, NodeId};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::RecallCampaign;
use crate::error::RecallError;
use crate::records::{IssuedRecall, PartnerRecall, Pinned};

/// What one export of the bundle did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleReport {
    /// The recall.
    pub recall_id: String,
    /// The document in `Evidence Bundle`.
    pub document_id: i64,
    /// Its name.
    pub name: String,
    /// The zip's sha256.
    pub sha256: String,
    /// The zip's size.
    pub size_bytes: u64,
    /// Entries in the zip (the manifest and `SHA256SUMS` included).
    pub entries: usize,
    /// Partner records in it.
    pub partners: usize,
    /// Whether this export filed a new version (false: the bundle was unchanged).
    pub filed: bool,
}

/// One entry as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Entry {
    path: String,
    sha256: String,
    size_bytes: u64,
}

fn bundle_error(what: &str, error: &impl ToString) -> RecallError {
    RecallError::malformed(format!("evidence bundle ({what})"), error)
}

/// A zip written entry by entry, each entry hashed as it is written.
struct ZipBundle<W: Write + Seek> {
    zip: zip::ZipWriter<W>,
    entries: Vec<Entry>,
}

impl<W: Write + Seek> ZipBundle<W> {
    fn new(inner: W) -> Self {
        Self {
            zip: zip::ZipWriter::new(inner),
            entries: Vec::new(),
        }
    }

    fn options() -> zip::write::SimpleFileOptions {
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644)
    }

    fn start(&mut self, path: &str) -> Result<(), RecallError> {
        self.zip
            .start_file(path, Self::options())
            .map_err(|e| bundle_error(path, &e))
    }

    fn add(&mut self, path: &str, bytes: &[u8]) -> Result<(), RecallError> {
        self.start(path)?;
        self.zip
            .write_all(bytes)
            .map_err(|e| bundle_error(path, &e))?;
        self.entries.push(Entry {
            path: path.to_owned(),
            sha256: hex::encode(Sha256::digest(bytes)),
            size_bytes: bytes.len() as u64,
        });
        Ok(())
    }

    fn add_json(&mut self, path: &str, value: &impl Serialize) -> Result<(), RecallError> {
        let bytes = serde_json::to_vec_pretty(value).map_err(|e| bundle_error(path, &e))?;
        self.add(path, &bytes)
    }

    /// Copies a download into the entry chunk by chunk; its sha256.
    async fn add_stream<E: ToString>(
        &mut self,
        path: &str,
        mut chunks: impl Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    ) -> Result<String, RecallError> {
        self.start(path)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| bundle_error(path, &e))?;
            hasher.update(&chunk);
            size += chunk.len() as u64;
            self.zip
                .write_all(&chunk)
                .map_err(|e| bundle_error(path, &e))?;
        }
        let sha256 = hex::encode(hasher.finalize());
        self.entries.push(Entry {
            path: path.to_owned(),
            sha256: sha256.clone(),
            size_bytes: size,
        });
        Ok(sha256)
    }

    fn finish(mut self, manifest: &mut Value) -> Result<(W, usize), RecallError> {
        manifest["entries"] = json!(self.entries);
        self.add_json("manifest.json", manifest)?;
        let sums = self.entries.iter().fold(String::new(), |mut sums, e| {
            sums.push_str(&e.sha256);
            sums.push_str("  ");
            sums.push_str(&e.path);
            sums.push('\n');
            sums
        });
        self.start("SHA256SUMS")?;
        self.zip
            .write_all(sums.as_bytes())
            .map_err(|e| bundle_error("SHA256SUMS", &e))?;
        let entries = self.entries.len() + 1;
        let inner = self
            .zip
            .finish()
            .map_err(|e| bundle_error("central directory", &e))?;
        Ok((inner, entries))
    }
}

/// One CSV field, quoted when it must be.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn csv_line(fields: &[&str]) -> String {
    let mut line = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push('\n');
    line
}

/// `wanted`, or — when another file already has that entry (two names made the same by
/// [`safe`]) — `wanted` with ` (2)`, ` (3)`, … before its extension; recorded in `entries`.
fn unique_entry(entries: &mut BTreeSet<String>, wanted: &str) -> String {
    let (stem, extension) = match wanted.rfind('.') {
        Some(dot) if dot > wanted.rfind('/').map_or(0, |slash| slash + 1) => wanted.split_at(dot),
        _ => (wanted, ""),
    };
    let mut entry = wanted.to_owned();
    let mut number = 1;
    while entries.contains(&entry) {
        number += 1;
        entry = format!("{stem} ({number}){extension}");
    }
    entries.insert(entry.clone());
    entry
}

/// A file name safe inside a zip path (no separators, no `..`).
fn safe(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    if trimmed.is_empty() {
        "file".into()
    } else {
        trimmed.to_owned()
    }
}

/// The FSMA 204 style rows: what was shipped where (from the distribution), and what each
/// partner's latest answer says it holds, quarantined, returned or destroyed; sorted by lot
/// code, location, event and date.
fn fsma_rows(
    issued: &IssuedRecall,
    shipments: &[(Pinned, Vec<crate::recall::Shipment>)],
    partners: &[PartnerRecall],
) -> String {
    let product = |lot_code: &str| {
        issued
            .lots
            .iter()
            .find(|l| l.lot_code == lot_code)
            .map(|l| (l.gtin.clone(), l.material.clone(), l.unit.clone()))
    };
    let mut rows: Vec<[String; 9]> = Vec::new();
    for (pinned, rows_of) in shipments {
        for shipment in rows_of {
            let Some((gtin, material, unit)) = product(&shipment.lot_code) else {
                continue;
            };
            rows.push([
                shipment.lot_code.clone(),
                gtin,
                material,
                shipment.quantity.to_string(),
                if shipment.unit.is_empty() {
                    unit
                } else {
                    shipment.unit.clone()
                },
                shipment.partner_id.clone(),
                "0 shipped".into(),
                shipment.shipped_on.clone(),
                format!("{} v{} row {}", pinned.name, pinned.version, shipment.row),
            ]);
        }
    }
    for partner in partners {
        let Some(latest) = partner.answers.last().filter(|a| !a.declined) else {
            continue;
        };
        let date = latest
            .form_data
            .get("disposition_date")
            .and_then(Value::as_str)
            .map_or_else(
                || latest.responded_at.chars().take(10).collect(),
                str::to_owned,
            );
        for lot in &partner.lots {
            let Some(quantities) = latest.quantities(&lot.lot_code) else {
                continue;
            };
            for (index, (name, quantity)) in crate::answers::QUANTITIES
                .iter()
                .zip(quantities)
                .enumerate()
            {
                rows.push([
                    lot.lot_code.clone(),
                    lot.gtin.clone(),
                    lot.material.clone(),
                    quantity.to_string(),
                    lot.unit.clone(),
                    partner.partner_id.clone(),
                    format!("{} {name}", index + 1),
                    date.clone(),
                    format!(
                        "TG campaign {} answer of {} (event {})",
                        partner.campaign_id.clone().unwrap_or_default(),
                        latest.responded_at,
                        latest.event_id
                    ),
                ]);
            }
        }
    }
    // Lot code, location, event, date; the rest only to make the order total.
    rows.sort_by(|a, b| (&a[0], &a[5], &a[6], &a[7], a).cmp(&(&b[0], &b[5], &b[6], &b[7], b)));
    let mut csv = csv_line(&[
        "lot_code",
        "gtin",
        "product",
        "quantity",
        "unit",
        "location",
        "event",
        "date",
        "reference_document",
    ]);
    for row in &rows {
        let fields: Vec<&str> = row.iter().map(String::as_str).collect();
        csv.push_str(&csv_line(&fields));
    }
    csv
}

fn log_rows(partners: &[PartnerRecall]) -> String {
    let mut csv = csv_line(&[
        "partner_id",
        "version",
        "campaign_id",
        "state",
        "reminders",
        "escalated_at",
        "escalation_reason",
        "tg_thread_id",
        "tg_message_id",
        "note_filed",
    ]);
    for p in partners {
        let state = serde_json::to_value(p.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let escalation = p.escalation.as_ref();
        csv.push_str(&csv_line(&[
            &p.partner_id,
            &p.version.to_string(),
            p.campaign_id.as_deref().unwrap_or_default(),
            &state,
            &p.reminders.to_string(),
            escalation.map_or("", |e| e.at.as_str()),
            escalation.map_or("", |e| e.reason.as_str()),
            escalation.map_or("", |e| e.thread_id.as_str()),
            escalation.map_or("", |e| e.message_id.as_str()),
            escalation.map_or("", |e| e.note.as_str()),
        ]));
    }
    csv
}

impl RecallCampaign {
    /// Builds the evidence bundle from the ledger and files it (see the module docs).
    #[tracing::instrument(skip_all, fields(recall_id = %recall_id))]
    pub async fn export_bundle(&self, recall_id: &str) -> Result<BundleReport, RecallError> {
        let issued = self
            .issued(recall_id)
            .await?
            .ok_or_else(|| RecallError::UnknownRecall(recall_id.to_owned()))?;
        gridlink_flow::timeline::about("recall", recall_id);
        let workspace = NodeId::new(issued.workspace_id)
            .map_err(|e| RecallError::malformed("workspace id", &e))?;
        let rollup = self.rollup_of(recall_id).await?;
        let partners = self.partners_of(recall_id).await?;
        let parked = self.parked_of(recall_id).await?;
        let dir = tempfile::tempdir().map_err(|e| bundle_error("temporary folder", &e))?;
        let path = dir.path().join("bundle.zip");
        let file = std::fs::File::create(&path).map_err(|e| bundle_error("temporary file", &e))?;
        let mut zip = ZipBundle::new(std::io::BufWriter::with_capacity(256 * 1024, file));

        let mut versions = Vec::new();
        let mut shipments = Vec::new();
        for version in issued.versions() {
            let notice_path = format!(
                "notice/v{} {}",
                version.version,
                safe(&version.notice_document.name)
            );
            let id = NodeId::new(version.notice_document.document_id)
                .map_err(|e| RecallError::malformed("document id", &e))?;
            let download = self
                .platform
                .xecm
                .download_version(id, version.notice_document.version)
                .await?;
            let notice_sha = zip.add_stream(&notice_path, download.body).await?;
            let text = self.download_text(&version.distribution).await?;
            let distribution_path = format!(
                "distribution/v{} {}",
                version.version,
                safe(&version.distribution.name)
            );
            zip.add(&distribution_path, text.as_bytes())?;
            let rows = crate::recall::parse_distribution(&text)
                .map_err(|e| RecallError::malformed(format!("recall {recall_id}"), &e))?;
            shipments.push((version.distribution.clone(), rows));
            versions.push(json!({
                "version": version.version,
                "issued_at": version.issued_at,
                "due_at": version.due_at,
                "approved_by": version.approved_by,
                "notice": {
                    "document_id": version.notice_document.document_id,
                    "name": version.notice_document.name,
                    "version": version.notice_document.version,
                    "sha256": notice_sha,
                    "entry": notice_path,
                    "tg_attachment_id": version.notice.as_ref().map(|n| n.attachment_id.clone()),
                    "tg_sha256": version.notice.as_ref().map(|n| n.sha256.clone()),
                },
                "distribution": {
                    "document_id": version.distribution.document_id,
                    "name": version.distribution.name,
                    "version": version.distribution.version,
                    "entry": distribution_path,
                },
                "partners": version.partners_total,
            }));
        }
        zip.add_json("rollup.json", &rollup)?;
        // The returned files' entry names, unique in the zip (which refuses a duplicate).
        let mut entries = BTreeSet::new();
        for partner in &partners {
            let base = format!(
                "partners/{}/v{}",
                safe(&partner.partner_id),
                partner.version
            );
            let mut files = Vec::new();
            // An attachment named again by a later answer is bundled once; each answer still
            // lists it, pointing at that one entry.
            let mut bundled: BTreeMap<&str, (String, String, String)> = BTreeMap::new();
            for answer in &partner.answers {
                for attachment_id in &answer.attachment_ids {
                    let (entry, sha256, tg_sha256) =
                        if let Some(done) = bundled.get(attachment_id.as_str()) {
                            done.clone()
                        } else {
                            let done = self
                                .bundle_file(&mut zip, &mut entries, &base, partner, attachment_id)
                                .await?;
                            bundled.insert(attachment_id, done.clone());
                            done
                        };
                    files.push(json!({"attachment_id": attachment_id, "responded_at": answer.responded_at, "entry": entry, "sha256": sha256, "tg_sha256": tg_sha256}));
                }
            }
            zip.add_json(
                &format!("{base}/answers.json"),
                &json!({
                    "recall_id": partner.recall_id,
                    "version": partner.version,
                    "partner_id": partner.partner_id,
                    "campaign_id": partner.campaign_id,
                    "state": partner.state,
                    "lots": partner.lots,
                    "reminders": partner.reminders,
                    "escalation": partner.escalation,
                    "answers": partner.answers,
                    "files": files,
                }),
            )?;
        }
        zip.add(
            "log/reminders-escalations.csv",
            log_rows(&partners).as_bytes(),
        )?;
        zip.add_json("parked.json", &parked)?;
        zip.add(
            "fsma204.csv",
            fsma_rows(&issued, &shipments, &partners).as_bytes(),
        )?;
        let mut manifest = json!({
            "bundle": "gridlink recall evidence bundle",
            "recall_id": issued.recall_id,
            "class": issued.class,
            "reason_code": issued.reason_code,
            "market": issued.market,
            "workspace_id": issued.workspace_id,
            "initiated_by": issued.initiated_by,
            "approved_by": issued.approved_by,
            "versions": versions,
            "partners": partners.len(),
            "parked": parked.len(),
            "effectiveness_pct": rollup.effectiveness_pct,
            "closed_at": issued.closed_at,
            "generated_from": "the gridlink ledger and the document versions it pins; the same standing gives the same bytes",
        });
        let (writer, entries) = zip.finish(&mut manifest)?;
        let file = writer
            .into_inner()
            .map_err(|e| bundle_error("temporary file", &e.error().to_string()))?;
        file.sync_all()
            .map_err(|e| bundle_error("temporary file", &e))?;
        drop(file);
        let (sha256, size_bytes) = hash_file(&path)?;
        let name = format!("Evidence Bundle {}.zip", issued.recall_id);
        let filing = Filing::new(
            EffectKey::new("xecm-recall-bundle", issued.recall_id.clone()),
            workspace,
            self.config.bundle_folder.clone(),
            DocumentSpec {
                name: name.clone(),
                description: format!(
                    "Recall {} evidence bundle: notice, distribution, rollup, every partner answer and file, reminder/escalation log, FSMA 204 CSV; manifest with sha256s",
                    issued.recall_id
                ),
                file_name: Some(name.clone()),
                mime_type: Some("application/zip".into()),
                ..DocumentSpec::default()
            },
        )
        .with_revisions(sha256.clone());
        let outcome = self
            .platform
            .file_once(&filing, &FileSource::new(&path))
            .await
            .map_err(RecallError::from_xecm_effect)?;
        let document = outcome.into_inner();
        let filed = !document.replayed;
        tracing::info!(recall_id = %issued.recall_id, sha256 = %sha256, size_bytes, entries, filed, "evidence bundle exported");
        Ok(BundleReport {
            recall_id: issued.recall_id.clone(),
            document_id: document.document_id,
            name: document.name,
            sha256,
            size_bytes,
            entries,
            partners: partners.len(),
            filed,
        })
    }

    /// One returned file into the bundle: from the partner's folder in xECM, else from
    /// Trading Grid. (entry, sha256 of what was written, sha256 TG reports).
    async fn bundle_file<W: Write + Seek>(
        &self,
        zip: &mut ZipBundle<W>,
        entries: &mut BTreeSet<String>,
        base: &str,
        partner: &PartnerRecall,
        attachment_id: &str,
    ) -> Result<(String, String, String), RecallError> {
        let attachment = self
            .platform
            .tg
            .attachment(&AttachmentId::new(attachment_id))
            .await?;
        let entry = unique_entry(
            entries,
            &format!(
                "{base}/files/{} {}",
                safe(attachment_id),
                safe(&attachment.file_name)
            ),
        );
        let workspace = NodeId::new(partner.workspace_id)
            .map_err(|e| RecallError::malformed("workspace id", &e))?;
        let filed = self
            .platform
            .xecm
            .node_at_path(
                workspace,
                &format!(
                    "{}/{}/{attachment_id} {}",
                    self.config.responses_folder, partner.partner_id, attachment.file_name
                ),
            )
            .await?;
        let sha256 = if let Some(document) = filed {
            let download = self.platform.xecm.download_document(document.id).await?;
            zip.add_stream(&entry, download.body).await?
        } else {
            let download = self
                .platform
                .tg
                .attachment_content(&attachment.attachment_id, None)
                .await?;
            zip.add_stream(&entry, download.stream).await?
        };
        Ok((entry, sha256, attachment.sha256))
    }
}

fn hash_file(path: &std::path::Path) -> Result<(String, u64), RecallError> {
    let mut file = std::fs::File::open(path).map_err(|e| bundle_error("temporary file", &e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|e| bundle_error("temporary file", &e))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_coinciding_are_suffixed_before_the_extension() {
        let mut entries = BTreeSet::new();
        let base = "partners/prt_a/v1/files/att_1 photo.jpg";
        assert_eq!(unique_entry(&mut entries, base), base);
        assert_eq!(
            unique_entry(&mut entries, base),
            "partners/prt_a/v1/files/att_1 photo (2).jpg"
        );
        assert_eq!(
            unique_entry(&mut entries, base),
            "partners/prt_a/v1/files/att_1 photo (3).jpg"
        );
        let bare = "partners/prt_a.b/v1/files/att_2 notes";
        assert_eq!(unique_entry(&mut entries, bare), bare);
        assert_eq!(
            unique_entry(&mut entries, bare),
            "partners/prt_a.b/v1/files/att_2 notes (2)"
        );
    }

    #[test]
    fn csv_fields_are_quoted_only_when_needed_and_names_are_made_safe() {
        assert_eq!(
            csv_line(&["a", "b,c", "say \"hi\""]),
            "a,\"b,c\",\"say \"\"hi\"\"\"\n"
        );
        assert_eq!(safe("../etc/passwd"), "_etc_passwd");
        assert_eq!(safe("  "), "file");
        assert_eq!(safe("photo 1.jpg"), "photo 1.jpg");
    }

    #[test]
    fn the_same_entries_give_the_same_bytes() {
        let build = || {
            let mut zip = ZipBundle::new(std::io::Cursor::new(Vec::new()));
            zip.add("a.txt", b"alpha").expect("a");
            zip.add_json("b.json", &json!({"x": 1})).expect("b");
            let mut manifest = json!({"recall_id": "RC-1"});
            let (cursor, entries) = zip.finish(&mut manifest).expect("finished");
            (cursor.into_inner(), entries, manifest)
        };
        let (first, entries, manifest) = build();
        let (second, _, _) = build();
        assert_eq!(first, second, "deterministic");
        assert_eq!(entries, 4, "two entries, the manifest and SHA256SUMS");
        assert_eq!(
            manifest["entries"][0]["sha256"],
            hex::encode(Sha256::digest(b"alpha"))
        );
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(first)).expect("reads back");
        let mut sums = String::new();
        archive
            .by_name("SHA256SUMS")
            .expect("sums")
            .read_to_string(&mut sums)
            .expect("text");
        assert!(
            sums.contains("  a.txt\n") && sums.contains("  manifest.json\n"),
            "{sums}"
        );
    }
}
