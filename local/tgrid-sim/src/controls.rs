//! [`SimControls`]: a small HTTP client for the simulator's `/__sim/…` endpoints, used by
//! the `tgrid-sim partner …` command line, the demo and tests.

use std::path::Path;

use reqwest::multipart::{Form, Part};
use serde_json::Value;

/// Why a control call failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The simulator could not be reached.
    #[error("simulator request failed")]
    Transport(#[from] reqwest::Error),
    /// A file to send could not be read.
    #[error("cannot read {path}")]
    File {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The simulator refused the action.
    #[error("simulator answered {status}: {body}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The error body.
        body: Value,
    },
}

impl ControlError {
    /// The HTTP status of a refusal.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A client for the simulator's controls at `base_url`.
#[derive(Debug, Clone)]
pub struct SimControls {
    http: reqwest::Client,
    base_url: url::Url,
}

/// A file to send with a partner action.
#[derive(Debug, Clone)]
pub struct FileArg {
    /// The file on disk.
    pub path: std::path::PathBuf,
    /// Its media type.
    pub content_type: String,
}

impl FileArg {
    /// A file, its media type guessed from the extension.
    pub fn new(path: impl Into<std::path::PathBuf>) -> Self {
        let path = path.into();
        let content_type = match path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
        {
            "pdf" => "application/pdf",
            "txt" => "text/plain",
            "csv" => "text/csv",
            "json" => "application/json",
            "xml" => "application/xml",
            "png" => "image/png",
            "jpg" | "jpeg" => "image/jpeg",
            "edi" | "x12" => "application/edi-x12",
            _ => "application/octet-stream",
        };
        Self {
            path,
            content_type: content_type.to_owned(),
        }
    }
}

impl SimControls {
    /// Controls for the simulator at `base_url`.
    pub fn new(base_url: url::Url) -> Self {
        Self {
            http: reqwest::Client::new(),
            base_url,
        }
    }

    fn url(&self, path: &str) -> Result<url::Url, ControlError> {
        self.base_url
            .join(path.trim_start_matches('/'))
            .map_err(|e| ControlError::Refused {
                status: 0,
                body: Value::String(e.to_string()),
            })
    }

    async fn answer(response: reqwest::Response) -> Result<Value, ControlError> {
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            Ok(body)
        } else {
            Err(ControlError::Refused { status, body })
        }
    }

    /// `GET` a control path.
    pub async fn get(&self, path: &str) -> Result<Value, ControlError> {
        Self::answer(self.http.get(self.url(path)?).send().await?).await
    }

    /// `POST` JSON to a control path.
    pub async fn post_json(&self, path: &str, body: &Value) -> Result<Value, ControlError> {
        Self::answer(self.http.post(self.url(path)?).json(body).send().await?).await
    }

    /// `POST` multipart text fields plus files to a control path.
    pub async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, String)],
        files: &[FileArg],
    ) -> Result<Value, ControlError> {
        if fields.is_empty() && files.is_empty() {
            return self
                .post_json(path, &Value::Object(serde_json::Map::new()))
                .await;
        }
        let mut form = Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.clone());
        }
        for file in files {
            form = form.part("file", file_part(file).await?);
        }
        Self::answer(
            self.http
                .post(self.url(path)?)
                .multipart(form)
                .send()
                .await?,
        )
        .await
    }

    /// Posts a partner reply with files into a thread.
    pub async fn reply(
        &self,
        partner_id: &str,
        thread_id: &str,
        body: &str,
        structured: Option<&Value>,
        files: &[FileArg],
    ) -> Result<Value, ControlError> {
        let mut fields = vec![("body", body.to_owned())];
        if let Some(structured) = structured {
            fields.push(("structured", structured.to_string()));
        }
        self.post_form(
            &format!("__sim/partners/{partner_id}/threads/{thread_id}/messages"),
            &fields,
            files,
        )
        .await
    }

    /// Acknowledges, declines or views a share (`action` = `acknowledge` | `decline` | `view`).
    pub async fn answer_share(
        &self,
        partner_id: &str,
        share_id: &str,
        action: &str,
        by: Option<&str>,
        comment: Option<&str>,
        files: &[FileArg],
    ) -> Result<Value, ControlError> {
        let mut fields = Vec::new();
        fields.extend(by.map(|b| ("by", b.to_owned())));
        fields.extend(comment.map(|c| ("comment", c.to_owned())));
        self.post_form(
            &format!("__sim/partners/{partner_id}/shares/{share_id}/{action}"),
            &fields,
            files,
        )
        .await
    }

    /// Submits files for one requested item.
    pub async fn submit_item(
        &self,
        partner_id: &str,
        request_id: &str,
        item_id: &str,
        valid_from: Option<&str>,
        valid_until: Option<&str>,
        files: &[FileArg],
    ) -> Result<Value, ControlError> {
        let mut fields = Vec::new();
        fields.extend(valid_from.map(|v| ("valid_from", v.to_owned())));
        fields.extend(valid_until.map(|v| ("valid_until", v.to_owned())));
        self.post_form(
            &format!(
                "__sim/partners/{partner_id}/document_requests/{request_id}/items/{item_id}/submit"
            ),
            &fields,
            files,
        )
        .await
    }

    /// Answers (`respond`), declines or views a campaign.
    pub async fn answer_campaign(
        &self,
        partner_id: &str,
        campaign_id: &str,
        action: &str,
        form_data: &Value,
        attachment_ids: &[String],
    ) -> Result<Value, ControlError> {
        let body = serde_json::json!({"form_data": form_data, "attachment_ids": attachment_ids});
        self.post_json(
            &format!("__sim/partners/{partner_id}/campaigns/{campaign_id}/{action}"),
            &body,
        )
        .await
    }

    /// Uploads files as the partner; answers their attachment ids.
    pub async fn upload(
        &self,
        partner_id: &str,
        files: &[FileArg],
    ) -> Result<Vec<String>, ControlError> {
        let answer = self
            .post_form(
                &format!("__sim/partners/{partner_id}/attachments"),
                &[],
                files,
            )
            .await?;
        Ok(answer["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["attachment_id"].as_str().map(str::to_owned))
            .collect())
    }

    /// Sends a raw EDI payload from the partner into the tenant's inbox; `query` carries
    /// optional metadata (`doc_type`, `po_number`, …).
    pub async fn send_document(
        &self,
        partner_id: &str,
        payload: Vec<u8>,
        content_type: &str,
        query: &[(&str, String)],
    ) -> Result<Value, ControlError> {
        let url = self.url(&format!("__sim/partners/{partner_id}/documents"))?;
        Self::answer(
            self.http
                .post(url)
                .query(query)
                .header("Content-Type", content_type)
                .body(payload)
                .send()
                .await?,
        )
        .await
    }

    /// Moves a document to a status.
    pub async fn move_document(
        &self,
        document_id: &str,
        status: &str,
        detail: Option<&str>,
    ) -> Result<Value, ControlError> {
        self.post_json(
            &format!("__sim/documents/{document_id}/status"),
            &serde_json::json!({"status": status, "detail": detail}),
        )
        .await
    }

    /// Sets the delivery mode.
    pub async fn set_delivery(&self, mode: &crate::DeliveryMode) -> Result<Value, ControlError> {
        self.post_json(
            "__sim/delivery",
            &serde_json::to_value(mode).unwrap_or_default(),
        )
        .await
    }

    /// Injects API faults.
    pub async fn set_faults(&self, faults: &crate::Faults) -> Result<Value, ControlError> {
        self.post_json(
            "__sim/faults",
            &serde_json::to_value(faults).unwrap_or_default(),
        )
        .await
    }
}

async fn file_part(file: &FileArg) -> Result<Part, ControlError> {
    let shown = file.path.display().to_string();
    let opened = tokio::fs::File::open(&file.path)
        .await
        .map_err(|source| ControlError::File {
            path: shown.clone(),
            source,
        })?;
    let len = opened
        .metadata()
        .await
        .map_err(|source| ControlError::File {
            path: shown.clone(),
            source,
        })?
        .len();
    let name = Path::new(&file.path)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file")
        .to_owned();
    Part::stream_with_length(
        reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(opened)),
        len,
    )
    .file_name(name)
    .mime_str(&file.content_type)
    .map_err(|source| ControlError::File {
        path: shown,
        source: std::io::Error::other(source.to_string()),
    })
}
