//! Blob keys: parsed once, safe for every adapter.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::StoreError;

/// The most bytes a key may have (the S3 limit).
pub const MAX_KEY_BYTES: usize = 1024;

/// The name of a blob: `/`-separated segments, UTF-8.
///
/// # Format
/// ```text
/// key      = segment *( "/" segment )        ; at most 1024 bytes of UTF-8
/// segment  = 1*( any character except "/" and control characters )
///            ; but never "." or ".."
/// ```
/// So `inbound/2024/ACME/po 4711.edi` and `räksmörgås/..hidden/...` are keys, while `/abs`,
/// `a//b`, `a/`, `../x`, `a/./b` and anything holding a NUL or other control character are
/// refused with [`StoreError::InvalidKey`]. Every adapter can therefore map a key onto its
/// storage without any path escaping its root.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BlobKey(String);

impl BlobKey {
    /// Parses `key`, naming what is wrong with it if it is not a valid key.
    pub fn parse(key: impl Into<String>) -> Result<Self, StoreError> {
        let key = key.into();
        match problem(&key) {
            None => Ok(Self(key)),
            Some(reason) => Err(StoreError::InvalidKey { key, reason }),
        }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `/`-separated segments of the key.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }
}

fn problem(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        return Some("a key must not be empty");
    }
    if key.len() > MAX_KEY_BYTES {
        return Some("a key must not be longer than 1024 bytes");
    }
    if key.chars().any(char::is_control) {
        return Some("a key must not contain control characters (NUL, newline, ...)");
    }
    if key.starts_with('/') {
        return Some("a key must not start with '/'");
    }
    for segment in key.split('/') {
        match segment {
            "" => return Some("a key must not have empty segments ('//' or a trailing '/')"),
            "." | ".." => return Some("a key must not have '.' or '..' segments"),
            _ => {}
        }
    }
    None
}

impl fmt::Display for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobKey({:?})", self.0)
    }
}

impl TryFrom<String> for BlobKey {
    type Error = StoreError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<BlobKey> for String {
    fn from(key: BlobKey) -> Self {
        key.0
    }
}

impl AsRef<str> for BlobKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_keys_with_unicode_spaces_and_dots_are_accepted() {
        for key in [
            "a",
            "inbound/2024/ACME/po 4711.edi",
            "räksmörgås/..hidden/...",
            "a..b/.x",
            "日本/文書",
        ] {
            assert_eq!(BlobKey::parse(key).expect(key).as_str(), key);
        }
    }

    #[test]
    fn traversal_absolute_empty_and_control_keys_are_refused() {
        for key in [
            "",
            "/abs",
            "a//b",
            "a/",
            "..",
            "../x",
            "a/../b",
            "a/./b",
            "a/..",
            "nul\0x",
            "line\nbreak",
        ] {
            let err = BlobKey::parse(key).expect_err(key);
            assert!(
                matches!(err, StoreError::InvalidKey { .. }),
                "{key:?}: {err}"
            );
        }
    }

    #[test]
    fn keys_longer_than_1024_bytes_are_refused() {
        assert!(BlobKey::parse("x".repeat(1024)).is_ok());
        assert!(BlobKey::parse("x".repeat(1025)).is_err());
    }
}
