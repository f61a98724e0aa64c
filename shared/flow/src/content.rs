//! Content streamed between the two systems, chunk by chunk: one version of an xECM document
//! uploaded to Trading Grid, a Trading Grid attachment filed into xECM. Each attempt (a retry
//! re-sends everything) opens a fresh download, so nothing is ever held whole in memory.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use gridlink_tgrid::TradingGrid;
use gridlink_tgrid::model::Attachment;
use gridlink_tgrid::stream::{ByteStream, FnSource, Upload};
use gridlink_xecm::{ContentSource, NodeId, ReaderSource, Version, Workspaces};
use tokio_util::io::StreamReader;

fn io_error(error: impl std::error::Error + Send + Sync + 'static) -> std::io::Error {
    std::io::Error::other(error)
}

/// Exactly `version` of `document` as a Trading Grid upload named `file_name` — the version
/// named, not whatever is current when the bytes are read — downloaded anew for each attempt.
/// The content type is the version's, else `fallback_type`, else `application/octet-stream`.
pub fn xecm_version_upload(
    xecm: Arc<dyn Workspaces>,
    document: NodeId,
    version: &Version,
    file_name: &str,
    fallback_type: Option<&str>,
) -> Upload {
    let number = version.version_number;
    let open = move || -> ByteStream {
        let xecm = xecm.clone();
        futures::stream::once(async move { xecm.download_version(document, number).await })
            .map_ok(|download| download.body.map_err(io_error))
            .map_err(io_error)
            .try_flatten()
            .boxed()
    };
    let content_type = version
        .mime_type
        .as_deref()
        .or(fallback_type)
        .unwrap_or("application/octet-stream")
        .to_owned();
    Upload::new(
        file_name,
        content_type,
        Arc::new(FnSource::new(version.file_size, open)),
    )
}

/// A Trading Grid attachment's content as an xECM upload, downloaded anew for each attempt.
pub fn tg_attachment_content(
    tg: Arc<dyn TradingGrid>,
    attachment: &Attachment,
) -> impl ContentSource + use<> {
    let id = attachment.attachment_id.clone();
    ReaderSource::new(
        move || {
            let tg = tg.clone();
            let id = id.clone();
            async move {
                let download = tg.attachment_content(&id, None).await.map_err(io_error)?;
                Ok(StreamReader::new(download.stream.map_err(io_error)))
            }
        },
        Some(attachment.size_bytes),
    )
}
