//! The behavioural suite of the storage port, run against every store: each test is a generic
//! function over `S: Store`, instantiated by `for_each_store!` as `memory::…`, `sqlite::…` and
//! `postgres::…`.

pub mod articles;
pub mod calendar;
mod catalog;
mod customers;
mod feed;
mod jobs;
mod kb;
mod relations;
mod tickets;
mod transactions;
// --- actions
mod texts;
// --- forms
mod uploads;

use articles::*;
use calendar::*;
use catalog::*;
use customers::*;
use feed::*;
use jobs::*;
use kb::*;
use relations::*;
use tickets::*;
use transactions::*;
// --- actions
use texts::*;
// --- forms
use uploads::*;

use crate::support::for_each_store;

for_each_store!(
    states_keep_given_ids_and_unique_names,
    groups_are_versioned_and_uniquely_named,
    queues_need_their_group,
    agents_keep_permissions_and_preferences,
    customer_ids_are_unique_regardless_of_case,
    customer_lists_search_sort_and_page,
    customer_users_keep_their_details,
    customer_user_lists_filter_by_company_and_search,
    day_counters_count_per_day_and_roll_back,
    tickets_round_trip_every_field,
    ticket_writes_check_references_versions_and_numbers,
    counts_follow_inserts_moves_and_state_changes,
    articles_keep_attachments_byte_for_byte,
    articles_come_oldest_first_and_update_with_versions,
    merges_move_articles_their_history_and_time,
    seen_flags_are_per_agent_and_idempotent,
    history_is_ordered_by_time_then_id,
    links_are_unique_per_pair_and_type,
    watchers_are_replaced_and_removed_quietly,
    drafts_are_named_per_ticket_and_form,
    change_feed_is_dense_and_ordered,
    outbox_hands_out_pending_messages_oldest_first,
    outbox_keeps_threading_the_article_and_the_sent_source,
    article_sources_are_kept_once_byte_for_byte,
    sessions_and_tokens_are_kept_by_digest,
    dropped_transactions_leave_nothing,
    read_transactions_refuse_writes,
    a_refused_write_leaves_the_transaction_usable,
    stale_versions_conflict_across_transactions,
    // --- scheduler ---
    jobs_are_claimed_with_leases_and_finished_once,
    keyed_jobs_replace_the_pending_one_and_cancel_by_key,
    notifications_are_per_agent_deduplicated_and_marked_seen,
    outbox_keeps_message_ids_unique_and_attachments_byte_for_byte,
    concurrent_claimers_never_share_a_job,
    // --- calendar ---
    calendars_are_versioned_unique_and_found_by_token,
    appointments_round_trip_and_are_found_by_window,
    appointment_history_outlives_the_appointment,
    // --- actions ---
    standard_texts_are_unique_per_kind_and_keep_their_queues,
    standard_texts_update_in_place_with_versions,
    // --- forms ---
    form_uploads_are_kept_per_agent_and_form_byte_for_byte,
    // --- knowledge base ---
    kb_categories_keep_groups_and_unique_sibling_names,
    kb_articles_keep_their_files_and_pass_filters,
    kb_votes_replace_and_history_is_ordered,
    links_to_kb_articles_need_the_article,
);

mod concurrent {
    use super::concurrent_writers_never_lose_an_update;
    use crate::support::for_each_sql_store;

    for_each_sql_store!(concurrent_writers_never_lose_an_update);
}

// --- calui
mod lease_renewal;

mod heartbeat {
    use super::lease_renewal::leases_are_renewed_only_by_their_holder;
    use crate::support::for_each_store;

    for_each_store!(leases_are_renewed_only_by_their_holder);
}
