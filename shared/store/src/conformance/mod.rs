//! The conformance suites (feature `test-support`): one set of cases per port, run
//! unchanged against every adapter.
//!
//! Each case is an `async fn` taking a fixture from [`crate::testing`]. The macros
//! [`ledger_conformance!`](crate::ledger_conformance) and
//! [`blob_conformance!`](crate::blob_conformance) turn every case into its own
//! `#[tokio::test]` inside a module named after the adapter, so cargo's summary lists each
//! `(adapter, case)` by name; when every case of an adapter has passed, the last one writes
//! `conformance: ledger/sqlite 23 passed` to stderr (past libtest's output capture).
//!
//! ```ignore
//! gridlink_store::ledger_conformance!(sqlite, "ledger/sqlite", gridlink_store::testing::sqlite_ledger);
//! ```

pub mod blob;
pub mod ledger;
mod ledger_claims;
mod ledger_sequence;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts the passed cases of one adapter and announces the total when all have passed.
#[derive(Debug)]
pub struct Tally {
    passed: AtomicUsize,
}

impl Tally {
    /// No case passed yet.
    pub const fn new() -> Self {
        Self {
            passed: AtomicUsize::new(0),
        }
    }

    /// Records one passed case of `suite`; the one completing `total` prints the summary.
    pub fn passed(&self, suite: &str, total: usize) {
        if self.passed.fetch_add(1, Ordering::SeqCst) + 1 == total {
            let _ = writeln!(std::io::stderr(), "conformance: {suite} {total} passed");
        }
    }
}

impl Default for Tally {
    fn default() -> Self {
        Self::new()
    }
}

/// Generates one `#[tokio::test]` per ledger conformance case in `mod $adapter`, each
/// building its ledger with `$fixture().await` (a `LedgerUnderTest`).
#[macro_export]
macro_rules! ledger_conformance {
    ($adapter:ident, $suite:literal, $fixture:path) => {
        $crate::__conformance_tests!(
            $adapter,
            $suite,
            $fixture,
            ledger,
            [
                a_created_record_reads_back_at_version_one,
                sixteen_concurrent_creates_of_one_key_have_exactly_one_winner,
                creating_over_a_live_record_returns_the_existing_one,
                an_expired_record_reads_as_absent_and_can_be_created_again,
                an_update_at_the_current_version_bumps_the_version,
                an_update_at_a_stale_version_is_a_typed_version_conflict,
                an_update_of_a_missing_or_expired_record_is_not_found,
                sixteen_concurrent_updates_from_one_version_have_exactly_one_winner,
                a_delete_needs_the_current_version,
                a_query_returns_one_partition_in_sort_order,
                a_query_on_index_two_finds_items_due_before_a_time,
                a_cursor_pages_through_a_partition_strictly_after_the_last_sort_value,
                an_update_moves_a_record_between_index_partitions,
                a_transaction_applies_all_its_writes,
                a_transaction_with_one_failing_condition_changes_nothing_and_names_the_write,
                invalid_ids_and_fields_are_refused,
                a_claim_is_acquired_and_its_result_is_returned_to_later_callers,
                a_live_lease_is_not_taken_over,
                an_expired_lease_is_taken_over_and_the_old_token_is_lost,
                a_released_claim_can_be_claimed_again_at_once,
                a_completed_claim_for_another_payload_is_refused,
                a_completed_claim_expires_after_its_retention,
                sixteen_concurrent_claims_have_exactly_one_holder,
                claims_and_records_with_the_same_id_are_independent,
                a_peek_says_what_a_claim_would_find_and_writes_nothing,
                a_sequence_gives_an_identity_its_number_again_and_the_next_one_to_another,
                sixteen_identities_racing_for_a_sequence_get_sixteen_distinct_numbers,
                a_sequence_wraps_around_after_its_last_number,
                what_is_kept_with_a_number_comes_back_with_it,
            ]
        );
    };
}

/// Generates one `#[tokio::test]` per blob conformance case in `mod $adapter`, each
/// building its store with `$fixture().await` (a `BlobsUnderTest`).
#[macro_export]
macro_rules! blob_conformance {
    ($adapter:ident, $suite:literal, $fixture:path) => {
        $crate::__conformance_tests!(
            $adapter,
            $suite,
            $fixture,
            blob,
            [
                a_blob_reads_back_with_its_content_type_metadata_and_sha256,
                a_64_mib_blob_streams_in_and_out_with_its_sha256_checked,
                byte_ranges_return_the_requested_bytes,
                a_range_starting_past_the_end_is_not_satisfiable,
                head_and_get_of_a_missing_blob_are_not_found,
                delete_removes_a_blob_and_deleting_twice_is_fine,
                listing_by_prefix_returns_matching_keys_in_order,
                a_corrupted_blob_is_detected_on_read,
                keys_with_unicode_slashes_and_dots_round_trip_and_stay_inside,
                an_overwrite_replaces_content_and_metadata,
                a_failing_body_stores_nothing,
                reserved_or_malformed_metadata_is_refused,
                an_empty_blob_round_trips,
            ]
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests {
    ($adapter:ident, $suite:literal, $fixture:path, $port:ident, [$($case:ident),* $(,)?]) => {
        mod $adapter {
            static TALLY: $crate::conformance::Tally = $crate::conformance::Tally::new();
            const TOTAL: usize = [$(stringify!($case)),*].len();
            $(
                #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let under_test = $fixture().await;
                    $crate::conformance::$port::$case(&under_test).await;
                    TALLY.passed($suite, TOTAL);
                }
            )*
        }
    };
}
