//! A function binary running against a [`RuntimeApi`](super::RuntimeApi): started with the
//! Lambda environment, its stdout and stderr kept for failure messages, killed when dropped.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{oneshot, watch};

/// How many lines of a function's output are kept (the most recent ones).
const KEPT_LINES: usize = 300;
/// Longer lines are cut to this many bytes.
const MAX_LINE_BYTES: usize = 2_000;
/// After the process exits, how long to wait for the last lines of its pipes.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// Environment variables passed through from the test's own environment; everything else is
/// cleared so a developer's AWS profile or credentials never reach the function.
const PASSED_THROUGH: &[&str] = &[
    "PATH",
    "HOME",
    "TMPDIR",
    "LANG",
    "RUST_LOG",
    "RUST_BACKTRACE",
];

/// Why a function process could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// The binary could not be executed.
    #[error("could not start the function binary {path}: {source}")]
    Exec {
        /// The binary.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// What the emulator needs to know about the process serving it.
#[derive(Debug, Clone)]
pub(crate) struct ProcessWatch {
    /// The function name (from the binary's file name).
    pub(crate) name: String,
    /// The process id.
    pub(crate) pid: u32,
    /// `Some(description of the exit status)` once the process has exited.
    pub(crate) exit: watch::Receiver<Option<String>>,
    /// What the process printed.
    pub(crate) output: Arc<Mutex<OutputTail>>,
}

impl ProcessWatch {
    /// Waits until the process has exited; returns how it exited.
    pub(crate) async fn exited(&self) -> String {
        let mut exit = self.exit.clone();
        match exit.wait_for(Option::is_some).await {
            Ok(status) => status.clone().unwrap_or_default(),
            Err(_) => "exit status unknown (its watcher stopped)".to_owned(),
        }
    }

    /// The exit status, if the process has exited.
    pub(crate) fn exit_status(&self) -> Option<String> {
        self.exit.borrow().clone()
    }

    /// The captured output, framed for a failure message.
    pub(crate) fn describe_output(&self) -> String {
        let output = self.output.lock().unwrap_or_else(PoisonError::into_inner);
        output.describe(&self.name, self.pid)
    }
}

/// The most recent lines a process printed.
#[derive(Debug, Default)]
pub(crate) struct OutputTail {
    lines: VecDeque<String>,
    dropped: usize,
}

impl OutputTail {
    fn push(&mut self, stream: &str, line: &str) {
        let mut cut = line.len().min(MAX_LINE_BYTES);
        while !line.is_char_boundary(cut) {
            cut -= 1;
        }
        let ellipsis = if cut < line.len() { " …" } else { "" };
        self.lines
            .push_back(format!("{stream}| {}{ellipsis}", &line[..cut]));
        if self.lines.len() > KEPT_LINES {
            self.lines.pop_front();
            self.dropped += 1;
        }
    }

    fn describe(&self, name: &str, pid: u32) -> String {
        let mut text = format!("--- output of {name} (pid {pid})");
        if self.dropped > 0 {
            let _ = write!(text, ", first {} lines left out", self.dropped);
        }
        text.push_str(" ---\n");
        if self.lines.is_empty() {
            text.push_str("(it printed nothing)\n");
        }
        for line in &self.lines {
            text.push_str(line);
            text.push('\n');
        }
        text.push_str("--- end of output ---");
        text
    }
}

/// A running function binary. Dropping it kills the process.
#[derive(Debug)]
pub struct FunctionProcess {
    watch: ProcessWatch,
    _kill_on_drop: oneshot::Sender<()>,
}

impl FunctionProcess {
    /// Starts `bin` with a cleared environment plus `lambda_env`, then `extra_env` (which wins).
    pub(crate) fn spawn(
        bin: &Path,
        name: &str,
        lambda_env: &[(String, String)],
        extra_env: &[(&str, &str)],
    ) -> Result<Self, SpawnError> {
        let mut command = Command::new(bin);
        command
            .env_clear()
            .envs(
                PASSED_THROUGH.iter().filter_map(|key| {
                    std::env::var_os(key).map(|value| ((*key).to_owned(), value))
                }),
            )
            .envs(lambda_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .envs(extra_env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|source| SpawnError::Exec {
            path: bin.to_owned(),
            source,
        })?;
        let pid = child.id().unwrap_or_default();
        let output = Arc::new(Mutex::new(OutputTail::default()));
        let readers = [
            child
                .stdout
                .take()
                .map(|out| keep_lines(out, "stdout", &output)),
            child
                .stderr
                .take()
                .map(|err| keep_lines(err, "stderr", &output)),
        ];
        let (exit_tx, exit_rx) = watch::channel(None);
        let (kill_tx, kill_rx) = oneshot::channel();
        tokio::spawn(supervise(child, kill_rx, readers, exit_tx));
        Ok(Self {
            watch: ProcessWatch {
                name: name.to_owned(),
                pid,
                exit: exit_rx,
                output,
            },
            _kill_on_drop: kill_tx,
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.watch.pid
    }

    /// How the process exited, or `None` while it runs.
    pub fn exit_status(&self) -> Option<String> {
        self.watch.exit_status()
    }

    /// Waits up to `timeout` for the process to exit; returns how it exited.
    pub async fn wait_for_exit(&self, timeout: Duration) -> Option<String> {
        tokio::time::timeout(timeout, self.watch.exited())
            .await
            .ok()
    }

    /// What the process has printed so far (the last lines of stdout and stderr, interleaved),
    /// framed for a failure message.
    pub fn output(&self) -> String {
        self.watch.describe_output()
    }

    pub(crate) fn watch(&self) -> ProcessWatch {
        self.watch.clone()
    }
}

/// Waits for the process to exit (or kills it when its handle is dropped), lets the pipe
/// readers drain, then publishes the exit status.
async fn supervise(
    mut child: Child,
    kill: oneshot::Receiver<()>,
    readers: [Option<tokio::task::JoinHandle<()>>; 2],
    exit: watch::Sender<Option<String>>,
) {
    let status = tokio::select! {
        status = child.wait() => status,
        _ = kill => {
            let _ = child.start_kill();
            child.wait().await
        }
    };
    for reader in readers.into_iter().flatten() {
        let _ = tokio::time::timeout(DRAIN_GRACE, reader).await;
    }
    let description = match status {
        Ok(status) => status.to_string(),
        Err(e) => format!("exit status unknown: {e}"),
    };
    exit.send_replace(Some(description));
}

fn keep_lines(
    pipe: impl AsyncRead + Unpin + Send + 'static,
    stream: &'static str,
    output: &Arc<Mutex<OutputTail>>,
) -> tokio::task::JoinHandle<()> {
    let output = Arc::clone(output);
    tokio::spawn(async move {
        let mut lines = BufReader::new(pipe).split(b'\n');
        while let Ok(Some(line)) = lines.next_segment().await {
            let text = String::from_utf8_lossy(&line);
            output
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(stream, text.trim_end_matches('\r'));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_tail_keeps_the_latest_lines_and_says_how_many_it_left_out() {
        let mut tail = OutputTail::default();
        for i in 0..KEPT_LINES + 5 {
            tail.push("stderr", &format!("line {i}"));
        }
        let text = tail.describe("case-collab", 42);
        assert!(text.contains("first 5 lines left out"), "{text}");
        assert!(!text.contains("| line 4\n"), "{text}");
        assert!(text.contains(&format!("stderr| line {}\n", KEPT_LINES + 4)));
    }

    #[test]
    fn long_lines_are_cut_on_a_character_boundary() {
        let mut tail = OutputTail::default();
        tail.push("stdout", &"é".repeat(MAX_LINE_BYTES));
        let text = tail.describe("f", 1);
        assert!(text.contains(" …\n"), "the cut is marked");
    }
}
