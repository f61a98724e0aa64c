//! Content streamed between the two systems, chunk by chunk: an xECM document's current
//! version uploaded to Trading Grid, a Trading Grid attachment filed into xECM. Each attempt
//! (a retry re-sends everything) opens a fresh download.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use gridlink_tgrid::TradingGrid;
use gridlink_tgrid::model::Attachment;
use gridlink_tgrid::stream::{ByteStream, FnSource, Upload};
use gridlink_xecm::{ContentSource, Node, ReaderSource, Workspaces};
use tokio_util::io::StreamReader;

fn io_error(error: impl std::error::Error + Send + Sync + 'static) -> std::io::Error {
    std::io::Error::other(error)
}

/// An xECM document's current content as a Trading Grid upload, downloaded anew for each
/// attempt.
pub fn xecm_document_upload(xecm: Arc<dyn Workspaces>, document: &Node, file_name: &str) -> Upload {
    let id = document.id;
    let open = move || -> ByteStream {
        let xecm = xecm.clone();
        futures::stream::once(async move { xecm.download_document(id).await })
            .map_ok(|download| download.body.map_err(io_error))
            .map_err(io_error)
            .try_flatten()
            .boxed()
    };
    let content_type = document
        .mime_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    Upload::new(
        file_name,
        content_type,
        Arc::new(FnSource::new(document.size, open)),
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
