//! What can go wrong, and the exit code each gives (docs/operator.md, Exit codes).

use serde_json::Value;

/// A command that did not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The API answered with an error (4xx, 5xx): its status, its code and its message, which
    /// names the field at fault. Exit code 1.
    #[error("{what} → {status}{}: {message}", code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
    Api {
        /// The request.
        what: String,
        /// HTTP status.
        status: u16,
        /// `error.code` (`invalid_request`, `not_found`, `conflict`, …).
        code: Option<String>,
        /// `error.message`, or API Gateway's `message`.
        message: String,
    },
    /// Some of many operations failed (replay of several items, requeue `--all`); each was
    /// reported as it happened. Exit code 1.
    #[error("{0}")]
    Partial(String),
    /// A bad argument the CLI itself recognised. Exit code 2 (as clap's own usage errors).
    #[error("{0}")]
    Usage(String),
    /// The API could not be reached or answered something that is not the API (connection,
    /// TLS, timeout, a body that is not JSON). Exit code 3.
    #[error("cannot talk to the API: {0}")]
    Transport(String),
    /// No credentials or region to sign with. Exit code 4.
    #[error("cannot sign the request (SigV4): {0}")]
    Credentials(String),
}

impl CliError {
    /// The error of a non-2xx answer.
    pub fn api(status: u16, what: &str, body: Option<&Value>, text: &str) -> Self {
        let code = body
            .and_then(|b| b.pointer("/error/code"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let message = body
            .and_then(|b| {
                b.pointer("/error/message")
                    .or_else(|| b.get("message"))
                    .and_then(Value::as_str)
            })
            .map_or_else(|| text.chars().take(300).collect::<String>(), str::to_owned);
        Self::Api {
            what: what.to_owned(),
            status,
            code,
            message,
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Api { .. } | Self::Partial(_) => 1,
            Self::Usage(_) => 2,
            Self::Transport(_) => 3,
            Self::Credentials(_) => 4,
        }
    }

    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_api_error_shows_the_status_code_and_the_message_naming_the_field() {
        let body =
            json!({"error": {"code": "invalid_request", "message": "field `reason` is missing"}});
        let error = CliError::api(400, "POST /x", Some(&body), "");
        assert_eq!(
            error.to_string(),
            "POST /x → 400 invalid_request: field `reason` is missing"
        );
        assert_eq!(error.exit_code(), 1);
        let gateway = CliError::api(404, "GET /y", Some(&json!({"message": "Not Found"})), "");
        assert_eq!(gateway.to_string(), "GET /y → 404: Not Found");
        assert_eq!(
            CliError::api(502, "GET /z", None, "bad gateway").to_string(),
            "GET /z → 502: bad gateway"
        );
    }
}
