//! The `tgrid-sim` command line: `serve` runs the simulator; `partner …`, `document-status`
//! and `delivery` drive a running one through its `/__sim` controls and print the answer
//! as JSON.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use serde_json::Value;

use crate::controls::{FileArg, SimControls};
use crate::{DeliveryMode, Seed, SimConfig};

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "tgrid-sim",
    about = "A local Trading Grid / Active Community simulator"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the simulator until Ctrl-C.
    Serve {
        /// Seed file (JSON or TOML); the shipped demo seed when absent.
        #[arg(long, env = "TGRID_SIM_SEED")]
        seed: Option<PathBuf>,
        /// Address to listen on.
        #[arg(long, env = "TGRID_SIM_ADDR", default_value = "127.0.0.1:8650")]
        addr: SocketAddr,
        /// Directory for blobs and (with --persist) state.json.
        #[arg(long, env = "TGRID_SIM_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// Keep state across restarts (needs --data-dir).
        #[arg(long)]
        persist: bool,
        /// Token lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        token_ttl_secs: u64,
    },
    /// Acts as a partner.
    Partner {
        /// The simulator's base URL.
        #[arg(long, env = "TGRID_SIM_URL", default_value = "http://127.0.0.1:8650/")]
        sim_url: url::Url,
        /// The acting partner (e.g. prt_acme).
        #[arg(long)]
        partner: String,
        /// The action.
        #[command(subcommand)]
        action: PartnerAction,
    },
    /// Moves a document through its statuses (e.g. to `delivered`).
    DocumentStatus {
        /// The simulator's base URL.
        #[arg(long, env = "TGRID_SIM_URL", default_value = "http://127.0.0.1:8650/")]
        sim_url: url::Url,
        /// The document.
        #[arg(long)]
        document: String,
        /// The target status.
        #[arg(long)]
        status: String,
        /// Why.
        #[arg(long)]
        detail: Option<String>,
    },
    /// Sets how webhooks misbehave.
    Delivery {
        /// The simulator's base URL.
        #[arg(long, env = "TGRID_SIM_URL", default_value = "http://127.0.0.1:8650/")]
        sim_url: url::Url,
        /// Send every delivery twice.
        #[arg(long)]
        duplicate: bool,
        /// Delay each first attempt.
        #[arg(long, default_value_t = 0)]
        delay_ms: u64,
        /// Hold N deliveries, then send them newest first.
        #[arg(long, default_value_t = 0)]
        reorder_hold: u32,
    },
}

/// What a partner can do.
#[derive(Debug, Subcommand)]
pub enum PartnerAction {
    /// Lists the partner's spaces.
    Spaces,
    /// Lists the messages of a thread.
    Messages {
        /// The thread.
        #[arg(long)]
        thread: String,
    },
    /// Posts a reply, optionally with files.
    Reply {
        /// The thread.
        #[arg(long)]
        thread: String,
        /// The text.
        #[arg(long)]
        body: String,
        /// Files to attach.
        #[arg(long = "file")]
        files: Vec<PathBuf>,
        /// Structured content (JSON object).
        #[arg(long)]
        structured: Option<String>,
    },
    /// Acknowledges a share.
    AcknowledgeShare {
        /// The share.
        #[arg(long)]
        share: String,
        /// Who acknowledges.
        #[arg(long)]
        by: Option<String>,
        /// Comment.
        #[arg(long)]
        comment: Option<String>,
        /// Files returned (e.g. a signed copy).
        #[arg(long = "file")]
        files: Vec<PathBuf>,
    },
    /// Declines a share.
    DeclineShare {
        /// The share.
        #[arg(long)]
        share: String,
        /// Why.
        #[arg(long)]
        comment: Option<String>,
    },
    /// Submits a requested document.
    SubmitDocument {
        /// The request.
        #[arg(long)]
        request: String,
        /// The item.
        #[arg(long)]
        item: String,
        /// Files.
        #[arg(long = "file", required = true)]
        files: Vec<PathBuf>,
        /// First valid day (YYYY-MM-DD).
        #[arg(long)]
        valid_from: Option<String>,
        /// Last valid day (YYYY-MM-DD).
        #[arg(long)]
        valid_until: Option<String>,
    },
    /// Answers a campaign's form.
    RespondCampaign {
        /// The campaign.
        #[arg(long)]
        campaign: String,
        /// Answers as a JSON object.
        #[arg(long, default_value = "{}")]
        form: String,
        /// Files to upload first (their ids are added to the response).
        #[arg(long = "file")]
        files: Vec<PathBuf>,
    },
    /// Declines a campaign.
    DeclineCampaign {
        /// The campaign.
        #[arg(long)]
        campaign: String,
    },
    /// Sends an EDI file into the tenant's inbox.
    SendEdi {
        /// The payload.
        #[arg(long)]
        file: PathBuf,
        /// Document type (read from the envelope when absent).
        #[arg(long)]
        doc_type: Option<String>,
        /// PO number.
        #[arg(long)]
        po_number: Option<String>,
        /// Invoice number.
        #[arg(long)]
        invoice_number: Option<String>,
        /// Shipment id.
        #[arg(long)]
        shipment_id: Option<String>,
    },
    /// Lists documents exchanged with the tenant, as the partner sees them.
    Documents,
    /// Answers the tenant's order change (860 / ORDCHG) with an 865 / ORDRSP.
    AnswerChange {
        /// The 860 / ORDCHG document the tenant sent.
        #[arg(long)]
        document: String,
        /// `accept`, `accept_with_changes` or `reject`.
        #[arg(long, default_value = "accept")]
        decision: String,
    },
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A control call failed.
    #[error(transparent)]
    Control(#[from] crate::controls::ControlError),
    /// The simulator could not start.
    #[error(transparent)]
    Start(#[from] crate::StartError),
    /// The seed could not be read.
    #[error(transparent)]
    Seed(#[from] crate::seed::SeedError),
    /// An argument was wrong.
    #[error("{0}")]
    Argument(String),
    /// Waiting for Ctrl-C failed.
    #[error("signal handling failed")]
    Signal(#[source] std::io::Error),
}

/// Runs a command; partner actions return the simulator's answer.
pub async fn run(cli: Cli) -> Result<Option<Value>, CliError> {
    match cli.command {
        Command::Serve {
            seed,
            addr,
            data_dir,
            persist,
            token_ttl_secs,
        } => {
            let seed = match seed {
                Some(path) => Seed::load(&path)?,
                None => Seed::demo(),
            };
            let mut config = SimConfig::new(seed);
            config.data_dir = data_dir;
            config.persist = persist;
            config.token_ttl = Duration::from_secs(token_ttl_secs);
            let running = crate::start(config, addr).await?;
            println!("tgrid-sim listening on {}", running.base_url);
            tokio::signal::ctrl_c().await.map_err(CliError::Signal)?;
            running.stop();
            Ok(None)
        }
        Command::Partner {
            sim_url,
            partner,
            action,
        } => partner_action(&SimControls::new(sim_url), &partner, action)
            .await
            .map(Some),
        Command::DocumentStatus {
            sim_url,
            document,
            status,
            detail,
        } => Ok(Some(
            SimControls::new(sim_url)
                .move_document(&document, &status, detail.as_deref())
                .await?,
        )),
        Command::Delivery {
            sim_url,
            duplicate,
            delay_ms,
            reorder_hold,
        } => Ok(Some(
            SimControls::new(sim_url)
                .set_delivery(&DeliveryMode {
                    duplicate,
                    delay_ms,
                    reorder_hold,
                })
                .await?,
        )),
    }
}

async fn partner_action(
    controls: &SimControls,
    partner: &str,
    action: PartnerAction,
) -> Result<Value, CliError> {
    let files = |paths: Vec<PathBuf>| paths.into_iter().map(FileArg::new).collect::<Vec<_>>();
    Ok(match action {
        PartnerAction::Spaces => {
            controls
                .get(&format!("__sim/partners/{partner}/spaces"))
                .await?
        }
        PartnerAction::Messages { thread } => {
            controls
                .get(&format!(
                    "__sim/partners/{partner}/threads/{thread}/messages"
                ))
                .await?
        }
        PartnerAction::Reply {
            thread,
            body,
            files: paths,
            structured,
        } => {
            let structured = structured
                .map(|s| {
                    serde_json::from_str::<Value>(&s)
                        .map_err(|e| CliError::Argument(format!("--structured is not JSON: {e}")))
                })
                .transpose()?;
            controls
                .reply(partner, &thread, &body, structured.as_ref(), &files(paths))
                .await?
        }
        PartnerAction::AcknowledgeShare {
            share,
            by,
            comment,
            files: paths,
        } => {
            controls
                .answer_share(
                    partner,
                    &share,
                    "acknowledge",
                    by.as_deref(),
                    comment.as_deref(),
                    &files(paths),
                )
                .await?
        }
        PartnerAction::DeclineShare { share, comment } => {
            controls
                .answer_share(partner, &share, "decline", None, comment.as_deref(), &[])
                .await?
        }
        PartnerAction::SubmitDocument {
            request,
            item,
            files: paths,
            valid_from,
            valid_until,
        } => {
            controls
                .submit_item(
                    partner,
                    &request,
                    &item,
                    valid_from.as_deref(),
                    valid_until.as_deref(),
                    &files(paths),
                )
                .await?
        }
        PartnerAction::RespondCampaign {
            campaign,
            form,
            files: paths,
        } => {
            let form: Value = serde_json::from_str(&form)
                .map_err(|e| CliError::Argument(format!("--form is not JSON: {e}")))?;
            let ids = if paths.is_empty() {
                Vec::new()
            } else {
                controls.upload(partner, &files(paths)).await?
            };
            controls
                .answer_campaign(partner, &campaign, "respond", &form, &ids)
                .await?
        }
        PartnerAction::DeclineCampaign { campaign } => {
            controls
                .answer_campaign(
                    partner,
                    &campaign,
                    "decline",
                    &Value::Object(serde_json::Map::new()),
                    &[],
                )
                .await?
        }
        PartnerAction::SendEdi {
            file,
            doc_type,
            po_number,
            invoice_number,
            shipment_id,
        } => {
            let payload = tokio::fs::read(&file).await.map_err(|source| {
                crate::controls::ControlError::File {
                    path: file.display().to_string(),
                    source,
                }
            })?;
            let mut query = Vec::new();
            query.extend(doc_type.map(|v| ("doc_type", v)));
            query.extend(po_number.map(|v| ("po_number", v)));
            query.extend(invoice_number.map(|v| ("invoice_number", v)));
            query.extend(shipment_id.map(|v| ("shipment_id", v)));
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("payload.edi")
                .to_owned();
            query.push(("file_name", name));
            controls
                .send_document(partner, payload, "application/edi-x12", &query)
                .await?
        }
        PartnerAction::Documents => {
            controls
                .get(&format!("__sim/partners/{partner}/documents"))
                .await?
        }
        PartnerAction::AnswerChange { document, decision } => {
            controls
                .post_json(
                    &format!("__sim/partners/{partner}/documents/{document}/answer_change"),
                    &serde_json::json!({ "decision": decision }),
                )
                .await?
        }
    })
}
