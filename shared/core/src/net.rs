//! Sockets of the HTTP servers gridlink runs (the local gateway and the simulators).

use tokio::net::TcpStream;

/// Turns Nagle's algorithm off on an accepted connection (for `axum::serve`'s
/// `ListenerExt::tap_io`).
///
/// A server that answers in more than one write — a streamed document body: headers and first
/// chunk, then the rest — otherwise holds the second write until the client acknowledges the
/// first, and a client delaying its acknowledgment (Linux: up to 40 ms) stalls every such
/// response by that much. HTTP servers in production set this as a matter of course; the
/// simulators must not add latency a real server would not.
pub fn no_delay(stream: &mut TcpStream) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "TCP_NODELAY not set on an accepted connection");
    }
}
