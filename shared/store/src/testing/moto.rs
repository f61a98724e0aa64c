//! moto's server on a loopback port, for tests that need S3 and DynamoDB.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The moto version gridlink is tested with.
pub const MOTO_VERSION: &str = "5.2.5";

/// How long to wait for a starting server to answer.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// How to install moto, for error messages.
pub const INSTALL_HINT: &str = "install it with: pip install 'moto[server]==5.2.5'  (it provides `moto_server`; \
     or point GRIDLINK_MOTO_SERVER at a moto_server executable)";

/// Why moto could not be started.
#[derive(Debug, thiserror::Error)]
pub enum MotoError {
    /// Neither `moto_server` nor the `moto` Python module was found.
    #[error("moto's server is not installed: {INSTALL_HINT}")]
    NotInstalled,
    /// It started but did not answer `GET /moto-api/` in time, or exited.
    #[error(
        "moto's server did not become ready on {endpoint}: {reason}. Its log ({log}) ends with:\n{log_tail}\n{INSTALL_HINT}"
    )]
    NotReady {
        /// Where it should have answered.
        endpoint: String,
        /// What happened.
        reason: String,
        /// Its log file.
        log: String,
        /// The end of the log.
        log_tail: String,
    },
    /// The operating system refused (no free port, cannot spawn, ...).
    #[error("could not start moto's server: {0}")]
    Io(#[from] std::io::Error),
}

/// A running moto server. Dropping it stops the server; if the process ends without
/// dropping it (a `static`), the server notices its closed stdin and stops by itself.
#[derive(Debug)]
pub struct MotoServer {
    endpoint: String,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl MotoServer {
    /// Starts a server on a free loopback port and waits until it answers `GET /moto-api/`.
    pub fn start() -> Result<Self, MotoError> {
        Self::start_command(&locate()?)
    }

    /// Starts moto with IAM enforced (`moto_iam.py`, see `testing::iam`): every request must be
    /// signed by a known principal whose policies allow it. Needs `python3` with moto.
    pub fn start_enforcing_iam() -> Result<Self, MotoError> {
        if !python_has_moto() {
            return Err(MotoError::NotInstalled);
        }
        Self::start_command(&[
            "python3".to_owned(),
            "-c".to_owned(),
            IAM_MOTO.to_owned(),
            "moto".to_owned(),
        ])
    }

    fn start_command(command: &[String]) -> Result<Self, MotoError> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let endpoint = format!("http://127.0.0.1:{port}");
        let log = std::env::temp_dir().join(format!("gridlink-moto-{port}.log"));
        let log_file = std::fs::File::create(&log)?;
        // `sh` runs the server in the background and stops it once our end of the stdin pipe
        // closes: on drop, and also when this process dies without dropping (statics).
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#""$@" & server=$!; cat >/dev/null; kill "$server" 2>/dev/null; wait "$server""#)
            .arg("sh")
            .args(command)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .spawn()?;
        let stdin = child.stdin.take();
        let mut server = Self {
            endpoint,
            child,
            stdin,
        };
        server.wait_until_ready(port, &log)?;
        tracing::info!(endpoint = %server.endpoint, "moto server ready");
        Ok(server)
    }

    /// One server for the whole test binary, started on first use.
    ///
    /// # Panics
    /// If moto is missing or does not start; the message says how to install it.
    pub fn shared() -> &'static MotoServer {
        static SHARED: OnceLock<MotoServer> = OnceLock::new();
        SHARED.get_or_init(|| match MotoServer::start() {
            Ok(server) => server,
            Err(error) => panic!("{error}"),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Environment for a child process (the local runner, a Lambda under `cargo lambda
    /// watch`) to reach this server through the standard AWS SDK configuration.
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
        ]
    }

    fn wait_until_ready(&mut self, port: u16, log: &Path) -> Result<(), MotoError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let not_ready = |endpoint: &str, reason: String| MotoError::NotReady {
            endpoint: endpoint.to_owned(),
            reason,
            log: log.display().to_string(),
            log_tail: tail(log),
        };
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(not_ready(
                    &self.endpoint,
                    format!("it exited with {status}"),
                ));
            }
            if answers(address) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(not_ready(
                    &self.endpoint,
                    format!("no answer within {} s", READY_TIMEOUT.as_secs()),
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// moto served one request at a time with IAM enforced (see `testing::iam`).
const IAM_MOTO: &str = include_str!("moto_iam.py");

/// moto's own server (`moto_server`) with one change: requests are served one at a time.
///
/// `moto_server` runs werkzeug threaded, and moto's in-memory DynamoDB does not apply a
/// conditional write atomically against a concurrent one: under load, two of sixteen
/// concurrent `UpdateItem`s conditioned on the same version both succeeded (seen in CI). Real
/// DynamoDB applies conditional writes atomically; serving one request at a time makes moto do
/// the same, which is what the conformance suite must be able to rely on.
const SERIAL_MOTO: &str = r#"
import sys
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.server import MotoRequestHandler
args = sys.argv[1:]
host = args[args.index("-H") + 1]
port = int(args[args.index("-p") + 1])
run_simple(host, port, DomainDispatcherApplication(create_backend_app), threaded=False,
           request_handler=MotoRequestHandler)
"#;

fn python_has_moto() -> bool {
    Command::new("python3")
        .args(["-c", "import moto.server, werkzeug.serving"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// The command that runs moto's server: `$GRIDLINK_MOTO_SERVER`, else moto served one request
/// at a time through `python3` ([`SERIAL_MOTO`]), else `moto_server` on `PATH`.
fn locate() -> Result<Vec<String>, MotoError> {
    if let Some(explicit) = std::env::var_os("GRIDLINK_MOTO_SERVER") {
        return Ok(vec![explicit.to_string_lossy().into_owned()]);
    }
    let on_path = std::env::var_os("PATH").map(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("moto_server"))
            .find(|file| file.is_file())
    });
    // Prefer serving moto one request at a time (see SERIAL_MOTO); fall back to `moto_server`.
    if python_has_moto() {
        return Ok(vec![
            "python3".to_owned(),
            "-c".to_owned(),
            SERIAL_MOTO.to_owned(),
            "moto".to_owned(),
        ]);
    }
    if let Some(Some(file)) = on_path {
        return Ok(vec![file.to_string_lossy().into_owned()]);
    }
    if python_has_moto() {
        return Ok(vec![
            "python3".to_owned(),
            "-c".to_owned(),
            SERIAL_MOTO.to_owned(),
            "moto".to_owned(),
        ]);
    }
    Err(MotoError::NotInstalled)
}

/// Whether `GET /moto-api/` answers 200.
fn answers(address: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0_u8; 16];
    let mut read = 0;
    while read < head.len() {
        match stream.read(&mut head[read..]) {
            Ok(0) | Err(_) => break,
            Ok(n) => read += n,
        }
    }
    head[..read].starts_with(b"HTTP/1.0 200") || head[..read].starts_with(b"HTTP/1.1 200")
}

fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
