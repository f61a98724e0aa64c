//! Blobs in a local directory: the local default.
//!
//! # Format
//! A key's segments become directories and a file, each segment percent-encoded:
//! ```text
//! key   inbound/ACME/po 4711.edi
//! path  <root>/inbound/ACME/po%204711.edi~blob
//! ```
//! - Bytes other than ASCII letters, digits, `-`, `_` and `.` are written `%XX` (upper-case
//!   hex of each UTF-8 byte), so `~`, `%`, `#`, `\`, `:` and non-ASCII never reach the file
//!   system raw. A segment whose encoding passes 200 bytes becomes `#` + its SHA-256 (hex).
//! - Only the last segment gets the `~blob` suffix; directories never contain `~`, so a key
//!   `a` (file `a~blob`) and a key `a/b` (directory `a`) live side by side.
//! - `.` and `..` segments, absolute keys and empty segments are refused by [`BlobKey`], so no
//!   key reaches outside the root.
//! - Each blob is one file: its content, then a JSON trailer with its metadata, then the
//!   trailer's length (u64, little-endian) and the magic `GLBLOB01`:
//!   ```text
//!   <content: size bytes><{"key":..,"size":..,"sha256":..,"content_type":..,"metadata":{..}}><len: 8 bytes LE>GLBLOB01
//!   ```
//!   One file means one atomic rename: a reader sees the old blob or the new one, never a
//!   mix. `head -c <size>` shows the content.
//! - Writes go to `.tmp~<uuid>` in the same directory, are fsynced, renamed over the target,
//!   and the directory is fsynced. Leftover `.tmp~*` files (from a crash) are ignored.
//!
//! Directories emptied by `delete` are left in place. On case-insensitive file systems keys
//! that differ only in case collide; the local store is meant for Linux and macOS dev
//! machines where that does not arise in practice.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use super::{
    Blob, BlobEntry, BlobKey, BlobMeta, BlobStore, ByteRange, ByteStream, PutOptions, Sha256Hasher,
    StoreError, VerifiedBody,
};

const BLOB_SUFFIX: &str = "~blob";
const TEMP_PREFIX: &str = ".tmp~";
const MAGIC: &[u8; 8] = b"GLBLOB01";
const TRAILER_TAIL: u64 = 16;
const MAX_TRAILER: u64 = 64 * 1024;
const MAX_ENCODED_SEGMENT: usize = 200;
const READ_CHUNK: usize = 64 * 1024;

/// Blobs kept in a directory (see the module docs for the layout).
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Trailer {
    key: String,
    size: u64,
    sha256: String,
    content_type: String,
    metadata: std::collections::BTreeMap<String, String>,
}

impl FsBlobStore {
    /// Opens (creating if needed) the store rooted at `dir`.
    pub async fn open(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = dir.into();
        tokio::fs::create_dir_all(&root)
            .await
            .map_err(|e| StoreError::io("open", e))?;
        Ok(Self { root })
    }

    /// The directory the store lives in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file that holds `key` (content first, then the metadata trailer). For tooling and
    /// fault-injection tests.
    pub fn content_path(&self, key: &BlobKey) -> PathBuf {
        let mut path = self.root.clone();
        let segments: Vec<&str> = key.segments().collect();
        let (last, dirs) = segments
            .split_last()
            .expect("invariant: a BlobKey has at least one segment");
        for segment in dirs {
            path.push(encode_segment(segment));
        }
        path.push(format!("{}{BLOB_SUFFIX}", encode_segment(last)));
        path
    }

    async fn open_blob(&self, key: &BlobKey) -> Result<(File, BlobMeta), StoreError> {
        let path = self.content_path(key);
        let key = key.clone();
        tokio::task::spawn_blocking(move || {
            let mut file = File::open(&path).map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => StoreError::NotFound {
                    key: key.to_string(),
                },
                _ => StoreError::io("get", e),
            })?;
            let meta = read_trailer(&mut file, Some(&key))?;
            Ok((file, meta))
        })
        .await
        .expect("invariant: blob reads do not panic")
    }

    async fn write_blob(
        &self,
        key: &BlobKey,
        mut body: ByteStream,
        options: PutOptions,
    ) -> Result<BlobMeta, StoreError> {
        let path = self.content_path(key);
        let dir = path
            .parent()
            .expect("invariant: a blob path is under the root")
            .to_path_buf();
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| StoreError::io("put", e))?;
        let temp = dir.join(format!("{TEMP_PREFIX}{}", uuid::Uuid::new_v4()));
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .await
            .map_err(|e| StoreError::io("put", e))?;
        let written = async {
            let mut hasher = Sha256Hasher::default();
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|source| StoreError::Body {
                    key: key.to_string(),
                    source,
                })?;
                hasher.update(&chunk);
                file.write_all(&chunk)
                    .await
                    .map_err(|e| StoreError::io("put", e))?;
            }
            let meta = BlobMeta {
                key: key.clone(),
                size: hasher.len(),
                sha256: Some(hasher.finish_hex()),
                content_type: options.content_type,
                metadata: options.metadata,
            };
            file.write_all(&encode_trailer(&meta))
                .await
                .map_err(|e| StoreError::io("put", e))?;
            file.flush().await.map_err(|e| StoreError::io("put", e))?;
            file.sync_all()
                .await
                .map_err(|e| StoreError::io("put", e))?;
            Ok::<_, StoreError>(meta)
        }
        .await;
        drop(file);
        let meta = match written {
            Ok(meta) => meta,
            Err(error) => {
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(error);
            }
        };
        if let Err(error) = tokio::fs::rename(&temp, &path).await {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(StoreError::io("put", error));
        }
        sync_dir(dir).await.map_err(|e| StoreError::io("put", e))?;
        Ok(meta)
    }
}

#[async_trait::async_trait]
impl BlobStore for FsBlobStore {
    #[tracing::instrument(skip_all, fields(blob_key = %key))]
    async fn put(
        &self,
        key: &BlobKey,
        body: ByteStream,
        options: PutOptions,
    ) -> Result<BlobMeta, StoreError> {
        options.validate()?;
        let meta = self.write_blob(key, body, options).await?;
        tracing::debug!(size = meta.size, "blob stored");
        Ok(meta)
    }

    #[tracing::instrument(skip_all, fields(blob_key = %key))]
    async fn get(&self, key: &BlobKey, range: Option<ByteRange>) -> Result<Blob, StoreError> {
        let (file, meta) = self.open_blob(key).await?;
        let span = match range {
            Some(range) => range.within(key, meta.size)?,
            None => 0..meta.size,
        };
        let mut file = tokio::fs::File::from_std(file);
        file.seek(SeekFrom::Start(span.start))
            .await
            .map_err(|e| StoreError::io("get", e))?;
        let reader = tokio::io::AsyncReadExt::take(file, span.end - span.start);
        let stream: ByteStream = Box::pin(tokio_util::io::ReaderStream::with_capacity(
            reader, READ_CHUNK,
        ));
        let body: ByteStream = match (&range, &meta.sha256) {
            (None, Some(sha256)) => {
                Box::pin(VerifiedBody::new(stream, key.clone(), sha256.clone()))
            }
            _ => stream,
        };
        Ok(Blob { meta, body })
    }

    #[tracing::instrument(skip_all, fields(blob_key = %key))]
    async fn head(&self, key: &BlobKey) -> Result<BlobMeta, StoreError> {
        Ok(self.open_blob(key).await?.1)
    }

    #[tracing::instrument(skip_all, fields(blob_key = %key))]
    async fn delete(&self, key: &BlobKey) -> Result<(), StoreError> {
        let path = self.content_path(key);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(StoreError::io("delete", e)),
        }
        let dir = path
            .parent()
            .expect("invariant: a blob path is under the root")
            .to_path_buf();
        sync_dir(dir).await.map_err(|e| StoreError::io("delete", e))
    }

    #[tracing::instrument(skip_all, fields(prefix = %prefix))]
    async fn list(&self, prefix: &str) -> Result<Vec<BlobEntry>, StoreError> {
        let Some(start) = self.listing_start(prefix) else {
            return Ok(Vec::new());
        };
        let prefix = prefix.to_owned();
        tokio::task::spawn_blocking(move || {
            let mut entries = Vec::new();
            walk(&start, &prefix, &mut entries)?;
            entries.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(entries)
        })
        .await
        .expect("invariant: listing does not panic")
    }
}

impl FsBlobStore {
    /// The directory that holds every key starting with `prefix`, or `None` if no valid key
    /// can start with it.
    fn listing_start(&self, prefix: &str) -> Option<PathBuf> {
        let mut dir = self.root.clone();
        if let Some((folders, _)) = prefix.rsplit_once('/') {
            for segment in folders.split('/') {
                if segment.is_empty() || segment == "." || segment == ".." {
                    return None;
                }
                dir.push(encode_segment(segment));
            }
        }
        Some(dir)
    }
}

fn walk(dir: &Path, prefix: &str, entries: &mut Vec<BlobEntry>) -> Result<(), StoreError> {
    let listing = match std::fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(());
        }
        Err(e) => return Err(StoreError::io("list", e)),
    };
    for entry in listing {
        let entry = entry.map_err(|e| StoreError::io("list", e))?;
        let file_type = entry.file_type().map_err(|e| StoreError::io("list", e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if file_type.is_dir() {
            walk(&entry.path(), prefix, entries)?;
        } else if file_type.is_file()
            && name.ends_with(BLOB_SUFFIX)
            && !name.starts_with(TEMP_PREFIX)
        {
            let mut file = match File::open(entry.path()) {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(StoreError::io("list", e)),
            };
            let meta = read_trailer(&mut file, None)?;
            if meta.key.as_str().starts_with(prefix) {
                entries.push(BlobEntry {
                    key: meta.key,
                    size: meta.size,
                });
            }
        }
    }
    Ok(())
}

fn encode_segment(segment: &str) -> String {
    use std::fmt::Write as _;
    let mut encoded = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.') {
            encoded.push(char::from(byte));
        } else {
            write!(encoded, "%{byte:02X}").expect("invariant: writing to a String cannot fail");
        }
    }
    if encoded.len() > MAX_ENCODED_SEGMENT {
        let mut hasher = Sha256Hasher::default();
        hasher.update(segment.as_bytes());
        return format!("#{}", hasher.finish_hex());
    }
    encoded
}

fn encode_trailer(meta: &BlobMeta) -> Vec<u8> {
    let trailer = Trailer {
        key: meta.key.to_string(),
        size: meta.size,
        sha256: meta.sha256.clone().unwrap_or_default(),
        content_type: meta.content_type.clone(),
        metadata: meta.metadata.clone(),
    };
    let mut bytes = serde_json::to_vec(&trailer).expect("invariant: the trailer serialises");
    let length = bytes.len() as u64;
    bytes.extend_from_slice(&length.to_le_bytes());
    bytes.extend_from_slice(MAGIC);
    bytes
}

/// Reads the metadata trailer of a blob file. `expected_key` (when known) must match.
fn read_trailer(file: &mut File, expected_key: Option<&BlobKey>) -> Result<BlobMeta, StoreError> {
    let shown_key = || expected_key.map(ToString::to_string).unwrap_or_default();
    let damaged = |reason: String| StoreError::CorruptMetadata {
        key: shown_key(),
        reason,
    };
    let total = file.metadata().map_err(|e| StoreError::io("get", e))?.len();
    if total < TRAILER_TAIL {
        return Err(damaged(format!(
            "file of {total} bytes is too short for a trailer"
        )));
    }
    let mut tail = [0_u8; 16];
    file.seek(SeekFrom::End(-16))
        .and_then(|_| file.read_exact(&mut tail))
        .map_err(|e| StoreError::io("get", e))?;
    let (length, magic) = tail.split_at(8);
    if magic != MAGIC {
        return Err(damaged(
            "the file does not end with the GLBLOB01 magic".to_owned(),
        ));
    }
    let length = u64::from_le_bytes(
        length
            .try_into()
            .expect("invariant: split at 8 of 16 bytes"),
    );
    if length > MAX_TRAILER || length > total - TRAILER_TAIL {
        return Err(damaged(format!(
            "trailer length {length} does not fit a file of {total} bytes"
        )));
    }
    let size = total - TRAILER_TAIL - length;
    let mut json = vec![0_u8; usize::try_from(length).expect("invariant: at most 64 KiB")];
    file.seek(SeekFrom::Start(size))
        .and_then(|_| file.read_exact(&mut json))
        .map_err(|e| StoreError::io("get", e))?;
    let trailer: Trailer = serde_json::from_slice(&json)
        .map_err(|e| damaged(format!("trailer is not valid JSON: {e}")))?;
    let key = BlobKey::parse(trailer.key)
        .map_err(|e| damaged(format!("trailer names an invalid key: {e}")))?;
    if expected_key.is_some_and(|expected| *expected != key) {
        return Err(damaged(format!("trailer names key {key:?}")));
    }
    if trailer.size != size {
        return Err(damaged(format!(
            "trailer says {} bytes, file holds {size}",
            trailer.size
        )));
    }
    Ok(BlobMeta {
        key,
        size,
        sha256: Some(trailer.sha256).filter(|sha| !sha.is_empty()),
        content_type: trailer.content_type,
        metadata: trailer.metadata,
    })
}

async fn sync_dir(dir: PathBuf) -> io::Result<()> {
    #[cfg(unix)]
    {
        tokio::task::spawn_blocking(move || File::open(&dir)?.sync_all())
            .await
            .expect("invariant: fsync does not panic")
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded_so_no_path_separator_or_tilde_survives() {
        assert_eq!(encode_segment("po 4711.edi"), "po%204711.edi");
        assert_eq!(encode_segment("a\\b:c~d%e#f"), "a%5Cb%3Ac%7Ed%25e%23f");
        assert_eq!(encode_segment("rä"), "r%C3%A4");
        assert_eq!(encode_segment("..x"), "..x");
    }

    #[test]
    fn overlong_segments_become_their_hash() {
        let encoded = encode_segment(&"ä".repeat(100));
        assert!(encoded.starts_with('#'));
        assert_eq!(encoded.len(), 65);
    }

    #[tokio::test]
    async fn a_key_and_a_folder_of_the_same_name_live_side_by_side() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FsBlobStore::open(dir.path()).await.expect("open");
        let a = BlobKey::parse("a").expect("key");
        let ab = BlobKey::parse("a/b").expect("key");
        store
            .put(
                &a,
                super::super::body_from_bytes("one"),
                PutOptions::default(),
            )
            .await
            .expect("put a");
        store
            .put(
                &ab,
                super::super::body_from_bytes("two"),
                PutOptions::default(),
            )
            .await
            .expect("put a/b");
        assert_eq!(
            store
                .get(&a, None)
                .await
                .expect("get")
                .bytes()
                .await
                .expect("read"),
            "one"
        );
        assert_eq!(
            store
                .get(&ab, None)
                .await
                .expect("get")
                .bytes()
                .await
                .expect("read"),
            "two"
        );
    }
}
