//! Optional persistence: a JSON snapshot of the repository plus the content files, both in
//! the data directory, so a restarted simulator carries on where it stopped.
//!
//! # Format
//! ```text
//! <data_dir>/state.json     the repository (nodes, versions, categories, types, users,
//!                           change feed, audit), rewritten atomically after every change
//! <data_dir>/content/*.bin  one file per document version
//! ```

use std::path::{Path, PathBuf};

use crate::store::Store;

/// Where the snapshot lives.
#[derive(Debug, Clone)]
pub struct Persistence {
    state_file: PathBuf,
}

/// Why the snapshot could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The snapshot is not a simulator snapshot.
    #[error("{path} is not a readable simulator snapshot: {source}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
}

impl Persistence {
    /// Snapshots kept in `data_dir`.
    pub fn in_dir(data_dir: &Path) -> Self {
        Self {
            state_file: data_dir.join("state.json"),
        }
    }

    /// The content directory beside the snapshot.
    pub fn content_dir(data_dir: &Path) -> PathBuf {
        data_dir.join("content")
    }

    /// The saved repository, if there is one.
    pub fn load(&self) -> Result<Option<Store>, PersistError> {
        let text = match std::fs::read(&self.state_file) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(PersistError::Io {
                    path: self.state_file.clone(),
                    source,
                });
            }
        };
        serde_json::from_slice(&text)
            .map(Some)
            .map_err(|source| PersistError::Corrupt {
                path: self.state_file.clone(),
                source,
            })
    }

    /// Writes the repository (to a temporary file renamed over the old one).
    pub fn save(&self, store: &Store) -> Result<(), PersistError> {
        let io = |source| PersistError::Io {
            path: self.state_file.clone(),
            source,
        };
        let temporary = self.state_file.with_extension("json.tmp");
        let text = serde_json::to_vec(store).map_err(|source| PersistError::Corrupt {
            path: self.state_file.clone(),
            source,
        })?;
        std::fs::write(&temporary, text).map_err(io)?;
        std::fs::rename(&temporary, &self.state_file).map_err(io)
    }
}
