//! What case-collab asks of xECM beyond the [`Workspaces`](gridlink_xecm::Workspaces) port:
//! the poller's change queries ([`XecmChanges`]) and a document's versions, each streamed
//! on its own — so a version shared is exactly the version named in its ledger key, even when
//! a newer one lands while it uploads.

use std::sync::Arc;

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use gridlink_outbound::XecmChanges;
use gridlink_tgrid::stream::{ByteStream, FnSource, Upload};
use gridlink_xecm::{Download, Node, NodeId, Version, XecmClient, XecmError};

/// The xECM queries case-collab makes besides the platform's port.
#[async_trait]
pub trait CaseSource: XecmChanges {
    /// A document's versions, oldest first.
    async fn versions(&self, document: NodeId) -> Result<Vec<Version>, XecmError>;

    /// Streams one version's content.
    async fn download_version(&self, document: NodeId, version: u32)
    -> Result<Download, XecmError>;
}

#[async_trait]
impl CaseSource for XecmClient {
    async fn versions(&self, document: NodeId) -> Result<Vec<Version>, XecmError> {
        XecmClient::versions(self, document).await
    }

    async fn download_version(
        &self,
        document: NodeId,
        version: u32,
    ) -> Result<Download, XecmError> {
        self.download(document, Some(version)).await
    }
}

fn io_error(error: impl std::error::Error + Send + Sync + 'static) -> std::io::Error {
    std::io::Error::other(error)
}

/// One version of an xECM document as a Trading Grid upload named as the document is,
/// downloaded anew (chunk by chunk, never whole) for each attempt.
pub fn version_upload(source: Arc<dyn CaseSource>, document: &Node, version: &Version) -> Upload {
    let id = document.id;
    let number = version.version_number;
    let open = move || -> ByteStream {
        let source = source.clone();
        futures::stream::once(async move { source.download_version(id, number).await })
            .map_ok(|download| download.body.map_err(io_error))
            .map_err(io_error)
            .try_flatten()
            .boxed()
    };
    let content_type = version
        .mime_type
        .clone()
        .or_else(|| document.mime_type.clone())
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    Upload::new(
        document.name.clone(),
        content_type,
        Arc::new(FnSource::new(version.file_size, open)),
    )
}
