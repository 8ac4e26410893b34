#pragma once
// Every API handler the broker serves; the versions each one serves are in
// registry.cc, one line per API.
#include "broker/handlers/handler.h"

namespace sluice::broker {

inline constexpr int16_t api_versions_api_key = 18;

// The v0 ApiVersions body with UNSUPPORTED_VERSION, for a client that asked
// with a version we do not know (KIP-511): it lists our ranges so the client
// can retry lower.
protocol::writer api_versions_unsupported_body();

handler_result handle_produce(broker&, request&);
handler_result handle_create_acls(broker&, request&);
handler_result handle_describe_acls(broker&, request&);
handler_result handle_delete_acls(broker&, request&);
handler_result handle_fetch(broker&, request&);
handler_result handle_list_offsets(broker&, request&);
handler_result handle_metadata(broker&, request&);
handler_result handle_find_coordinator(broker&, request&);
handler_result handle_api_versions(broker&, request&);
handler_result handle_sasl_handshake(broker&, request&);
handler_result handle_sasl_authenticate(broker&, request&);
handler_result handle_describe_user_scram_credentials(broker&, request&);
handler_result handle_alter_user_scram_credentials(broker&, request&);
handler_result handle_create_topics(broker&, request&);
handler_result handle_delete_topics(broker&, request&);
handler_result handle_delete_records(broker&, request&);
handler_result handle_init_producer_id(broker&, request&);
handler_result handle_offset_for_leader_epoch(broker&, request&);
handler_result handle_describe_configs(broker&, request&);
handler_result handle_alter_configs(broker&, request&);
handler_result handle_describe_log_dirs(broker&, request&);
handler_result handle_create_partitions(broker&, request&);
handler_result handle_incremental_alter_configs(broker&, request&);
handler_result handle_describe_cluster(broker&, request&);
handler_result handle_elect_leaders(broker&, request&);
handler_result handle_alter_partition_reassignments(broker&, request&);
handler_result handle_list_partition_reassignments(broker&, request&);
handler_result handle_offset_commit(broker&, request&);
handler_result handle_offset_fetch(broker&, request&);
handler_result handle_join_group(broker&, request&);
handler_result handle_heartbeat(broker&, request&);
handler_result handle_leave_group(broker&, request&);
handler_result handle_sync_group(broker&, request&);
handler_result handle_describe_groups(broker&, request&);
handler_result handle_list_groups(broker&, request&);
handler_result handle_delete_groups(broker&, request&);
handler_result handle_offset_delete(broker&, request&);
handler_result handle_consumer_group_heartbeat(broker&, request&);
handler_result handle_consumer_group_describe(broker&, request&);
handler_result handle_describe_producers(broker&, request&);
handler_result handle_describe_client_quotas(broker&, request&);
handler_result handle_alter_client_quotas(broker&, request&);
handler_result handle_write_txn_markers(broker&, request&);
handler_result handle_add_partitions_to_txn(broker&, request&);
handler_result handle_add_offsets_to_txn(broker&, request&);
handler_result handle_end_txn(broker&, request&);
handler_result handle_describe_transactions(broker&, request&);
handler_result handle_list_transactions(broker&, request&);
handler_result handle_txn_offset_commit(broker&, request&);

}  // namespace sluice::broker
