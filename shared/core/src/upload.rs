//! How long a streamed upload may take as a whole — one rule for both clients (xECM and
//! Trading Grid).
//!
//! The server answers an upload only once the whole body is in, so the connection is silent
//! for as long as the upload takes: neither a read-idle limit nor the plain request timeout
//! fits. An upload of a known size gets the configured timeout plus the time its body takes
//! at the slowest rate the deployment accepts; one of unknown size gets
//! [`UNSIZED_UPLOAD_LIMIT`], the longest a Lambda invocation can run, so that nothing waits
//! without end for a server that never answers.

use std::time::Duration;

/// The whole-exchange limit of an upload whose length is not known up front: 15 minutes,
/// Lambda's longest run.
pub const UNSIZED_UPLOAD_LIMIT: Duration = Duration::from_secs(15 * 60);

/// The whole-exchange limit of an upload of `size` bytes (when known): `timeout` plus the
/// body's time at `min_bytes_per_sec` (rounded up to a whole second; a rate of 0 counts as
/// 1 byte/s), else [`UNSIZED_UPLOAD_LIMIT`].
pub fn upload_limit(timeout: Duration, size: Option<u64>, min_bytes_per_sec: u64) -> Duration {
    match size {
        Some(bytes) => timeout + Duration::from_secs(bytes.div_ceil(min_bytes_per_sec.max(1))),
        None => UNSIZED_UPLOAD_LIMIT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_gets_the_timeout_plus_its_body_s_time_at_the_slowest_rate() {
        let timeout = Duration::from_secs(30);
        let mib = 1024 * 1024;
        // 256 MiB at 1 MiB/s: 256 s more.
        assert_eq!(
            upload_limit(timeout, Some(256 * mib), mib),
            Duration::from_secs(286)
        );
        // A part of a second counts as a whole one; an empty body gets the timeout alone.
        assert_eq!(upload_limit(timeout, Some(1), mib), Duration::from_secs(31));
        assert_eq!(upload_limit(timeout, Some(0), mib), timeout);
        // 256 KiB/s (xECM's default): 1 MiB takes 4 s.
        assert_eq!(
            upload_limit(timeout, Some(mib), 256 * 1024),
            Duration::from_secs(34)
        );
        // A rate of 0 is not a division by zero.
        assert_eq!(upload_limit(timeout, Some(5), 0), Duration::from_secs(35));
        // Unknown length: Lambda's longest run, whatever the timeout.
        assert_eq!(upload_limit(timeout, None, mib), UNSIZED_UPLOAD_LIMIT);
    }
}
