//! Typed configuration from environment variables and an optional TOML file.
//!
//! Every key has one name, written as an environment variable (`XECM_BASE_URL`). A TOML file,
//! named by `GRIDLINK_CONFIG_FILE`, may give the same keys in sections: `[xecm] base_url = …`
//! is `XECM_BASE_URL`. The environment wins over the file.
//!
//! A [`ConfigReader`] collects *every* missing or malformed key and [`ConfigReader::finish`]
//! reports them all in one [`ConfigError`], so an operator fixes a deployment in one go. Values
//! are never echoed back in errors or logs: a secret pasted into the wrong key stays secret.
//!
//! ```
//! use gridlink_core::config::ConfigSource;
//! let source = ConfigSource::from_pairs([("XECM_BASE_URL", "http://localhost:8080/otcs/cs.exe")]);
//! let mut reader = source.reader();
//! let base_url: Option<String> = reader.required("XECM_BASE_URL");
//! let page_size: u32 = reader.optional("XECM_PAGE_SIZE", 100);
//! reader.finish().expect("every key is valid");
//! assert_eq!(base_url.as_deref(), Some("http://localhost:8080/otcs/cs.exe"));
//! assert_eq!(page_size, 100);
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use secrecy::SecretString;

/// The environment variable naming an optional TOML configuration file.
pub const CONFIG_FILE_VAR: &str = "GRIDLINK_CONFIG_FILE";

/// One problem with one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The key, as an environment variable name.
    pub key: String,
    /// What is wrong with it.
    pub problem: String,
}

/// Every problem found in a configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The problems, in the order the keys were read.
    pub problems: Vec<ConfigProblem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration has {} problem(s):", self.problems.len())?;
        for p in &self.problems {
            write!(f, "\n  - {}: {}", p.key, p.problem)?;
        }
        Ok(())
    }
}

/// Where configuration values come from: the environment over an optional TOML file.
#[derive(Clone, Default)]
pub struct ConfigSource {
    values: BTreeMap<String, String>,
    file_problems: Vec<ConfigProblem>,
}

impl fmt::Debug for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keys only: values may be secrets.
        f.debug_struct("ConfigSource")
            .field("keys", &self.values.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl ConfigSource {
    /// The process environment, over the TOML file named by `GRIDLINK_CONFIG_FILE` if set.
    pub fn from_env() -> Self {
        let env: Vec<(String, String)> = std::env::vars().collect();
        let file = env
            .iter()
            .find(|(k, _)| k == CONFIG_FILE_VAR)
            .map(|(_, v)| PathBuf::from(v));
        let mut source = match file {
            Some(path) => Self::from_toml_file(&path),
            None => Self::default(),
        };
        source.values.extend(env);
        source
    }

    /// Explicit key/value pairs (tests, the local runner).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            values: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            file_problems: Vec::new(),
        }
    }

    /// Values from a TOML file; a file that cannot be read or parsed becomes a problem that
    /// [`ConfigReader::finish`] reports.
    pub fn from_toml_file(path: &Path) -> Self {
        let mut source = Self::default();
        let problem = |problem: String| ConfigProblem {
            key: CONFIG_FILE_VAR.to_owned(),
            problem,
        };
        match std::fs::read_to_string(path) {
            Err(e) => source
                .file_problems
                .push(problem(format!("cannot read {}: {e}", path.display()))),
            Ok(text) => match Self::from_toml_str(&text) {
                Ok(parsed) => source.values = parsed.values,
                Err(e) => source
                    .file_problems
                    .push(problem(format!("{}: {e}", path.display()))),
            },
        }
        source
    }

    /// Values from TOML text: `[section] key = value` becomes `SECTION_KEY`.
    pub fn from_toml_str(text: &str) -> Result<Self, toml::de::Error> {
        let table: toml::Table = toml::from_str(text)?;
        let mut values = BTreeMap::new();
        flatten("", &toml::Value::Table(table), &mut values);
        Ok(Self {
            values,
            file_problems: Vec::new(),
        })
    }

    /// Overrides or adds one value.
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.values.insert(key.into(), value.into());
        self
    }

    /// The raw value of a key, if present and not blank.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// A reader that collects problems.
    pub fn reader(&self) -> ConfigReader<'_> {
        ConfigReader {
            source: self,
            problems: self.file_problems.clone(),
        }
    }
}

fn flatten(prefix: &str, value: &toml::Value, out: &mut BTreeMap<String, String>) {
    let join = |key: &str| {
        let key = key.to_ascii_uppercase().replace(['-', '.'], "_");
        if prefix.is_empty() {
            key
        } else {
            format!("{prefix}_{key}")
        }
    };
    match value {
        toml::Value::Table(table) => {
            for (k, v) in table {
                flatten(&join(k), v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        toml::Value::Array(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|v| match v {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            out.insert(prefix.to_owned(), parts.join(","));
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

/// Reads typed values and collects every problem.
#[derive(Debug)]
pub struct ConfigReader<'a> {
    source: &'a ConfigSource,
    problems: Vec<ConfigProblem>,
}

impl ConfigReader<'_> {
    fn problem(&mut self, key: &str, problem: impl Into<String>) {
        self.problems.push(ConfigProblem {
            key: key.to_owned(),
            problem: problem.into(),
        });
    }

    fn parse<T: FromStr>(&mut self, key: &str, raw: &str) -> Option<T>
    where
        T::Err: fmt::Display,
    {
        match raw.trim().parse::<T>() {
            Ok(v) => Some(v),
            Err(e) => {
                // The value itself is not echoed: it may be a secret in the wrong place.
                self.problem(
                    key,
                    format!("cannot be read as {}: {e}", short_type_name::<T>()),
                );
                None
            }
        }
    }

    /// A key that must be present and parse as `T`. `None` means a problem was recorded.
    pub fn required<T: FromStr>(&mut self, key: &str) -> Option<T>
    where
        T::Err: fmt::Display,
    {
        if let Some(raw) = self.source.get(key) {
            self.parse(key, raw)
        } else {
            self.problem(key, "is required but not set");
            None
        }
    }

    /// A key that may be absent; absent gives `default`, malformed is a problem.
    pub fn optional<T: FromStr>(&mut self, key: &str, default: T) -> T
    where
        T::Err: fmt::Display,
    {
        match self.source.get(key) {
            Some(raw) => self.parse(key, raw).unwrap_or(default),
            None => default,
        }
    }

    /// A key that may be absent, with no default.
    pub fn maybe<T: FromStr>(&mut self, key: &str) -> Option<T>
    where
        T::Err: fmt::Display,
    {
        let raw = self.source.get(key)?;
        self.parse(key, raw)
    }

    /// A duration in whole seconds.
    pub fn seconds(&mut self, key: &str, default: Duration) -> Duration {
        self.maybe::<u64>(key).map_or(default, Duration::from_secs)
    }

    /// A comma-separated list; absent gives an empty list.
    pub fn list(&mut self, key: &str) -> Vec<String> {
        self.source
            .get(key)
            .map(|raw| {
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A secret that must be present. Its value is never logged or echoed.
    pub fn secret(&mut self, key: &str) -> Option<SecretString> {
        if let Some(raw) = self.source.get(key) {
            Some(SecretString::from(raw.to_owned()))
        } else {
            self.problem(
                key,
                "is required but not set (a secret: set it, or set `<KEY>_SECRET_ARN` to a Secrets Manager secret holding it)",
            );
            None
        }
    }

    /// An `http://` or `https://` URL, without a trailing slash.
    pub fn url(&mut self, key: &str) -> Option<String> {
        let raw: String = self.required(key)?;
        let trimmed = raw.trim_end_matches('/');
        if (trimmed.starts_with("http://") || trimmed.starts_with("https://")) && trimmed.len() > 8
        {
            Some(trimmed.to_owned())
        } else {
            self.problem(key, "must be an http:// or https:// URL");
            None
        }
    }

    /// Records a problem found by the caller (a cross-key rule, say).
    pub fn invalid(&mut self, key: &str, problem: impl Into<String>) {
        self.problem(key, problem);
    }

    /// `Ok` when no problem was recorded, else every problem at once.
    pub fn finish(self) -> Result<(), ConfigError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError {
                problems: self.problems,
            })
        }
    }
}

fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn every_missing_or_bad_key_is_reported_at_once() {
        let source =
            ConfigSource::from_pairs([("XECM_PAGE_SIZE", "lots"), ("TG_BASE_URL", "ftp://x")]);
        let mut reader = source.reader();
        let _: Option<String> = reader.required("XECM_BASE_URL");
        let _: u32 = reader.optional("XECM_PAGE_SIZE", 100);
        let _ = reader.url("TG_BASE_URL");
        let _ = reader.secret("TG_CLIENT_SECRET");
        let error = reader.finish().expect_err("four problems");
        let keys: Vec<&str> = error.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "XECM_BASE_URL",
                "XECM_PAGE_SIZE",
                "TG_BASE_URL",
                "TG_CLIENT_SECRET"
            ]
        );
        let text = error.to_string();
        assert!(text.contains("4 problem(s)"), "{text}");
        assert!(!text.contains("lots"), "values are never echoed: {text}");
    }

    #[test]
    fn the_environment_wins_over_the_toml_file_and_sections_become_prefixes() {
        let file = ConfigSource::from_toml_str(
            "[xecm]\nbase_url = \"http://file\"\npage_size = 50\n[tg]\nthread_kinds = [\"case\", \"order\"]\n",
        )
        .expect("valid toml");
        let source = file.with("XECM_BASE_URL", "http://env");
        let mut reader = source.reader();
        let url = reader.url("XECM_BASE_URL");
        let page: u32 = reader.optional("XECM_PAGE_SIZE", 10);
        let kinds = reader.list("TG_THREAD_KINDS");
        reader.finish().expect("valid");
        assert_eq!(url.as_deref(), Some("http://env"));
        assert_eq!(page, 50);
        assert_eq!(kinds, ["case", "order"]);
    }

    #[test]
    fn an_unreadable_config_file_is_a_problem_not_a_silent_default() {
        let source = ConfigSource::from_toml_file(Path::new("/nonexistent/gridlink.toml"));
        let error = source.reader().finish().expect_err("file problem");
        assert_eq!(error.problems[0].key, CONFIG_FILE_VAR);
    }

    #[test]
    fn secrets_are_readable_but_not_printed() {
        let source = ConfigSource::from_pairs([("TG_CLIENT_SECRET", "hunter2")]);
        let mut reader = source.reader();
        let secret = reader.secret("TG_CLIENT_SECRET").expect("present");
        reader.finish().expect("valid");
        assert_eq!(secret.expose_secret(), "hunter2");
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert!(!format!("{source:?}").contains("hunter2"));
    }
}
