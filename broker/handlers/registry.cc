#include "broker/handlers/handlers.h"

#include <array>

namespace sluice::broker {

namespace {

// API key, lowest and highest version served, handler. Ranges start at v0
// because librdkafka enables features by checking old versions are present.
constexpr std::array handlers{
    api_handler{0, 0, 12, handle_produce},
    api_handler{1, 0, 17, handle_fetch},
    api_handler{2, 0, 10, handle_list_offsets},
    api_handler{3, 0, 13, handle_metadata},
    api_handler{8, 0, 9, handle_offset_commit},
    api_handler{9, 0, 9, handle_offset_fetch},
    api_handler{10, 0, 6, handle_find_coordinator},
    api_handler{11, 0, 9, handle_join_group},
    api_handler{12, 0, 4, handle_heartbeat},
    api_handler{13, 0, 5, handle_leave_group},
    api_handler{14, 0, 5, handle_sync_group},
    api_handler{15, 0, 5, handle_describe_groups},
    api_handler{16, 0, 5, handle_list_groups},
    api_handler{17, 0, 1, handle_sasl_handshake},
    api_handler{18, 0, 4, handle_api_versions},

    api_handler{19, 0, 7, handle_create_topics},
    api_handler{20, 0, 6, handle_delete_topics},
    api_handler{21, 0, 2, handle_delete_records},
    api_handler{22, 0, 5, handle_init_producer_id},
    api_handler{23, 0, 4, handle_offset_for_leader_epoch},
    api_handler{24, 0, 5, handle_add_partitions_to_txn},
    api_handler{25, 0, 4, handle_add_offsets_to_txn},
    api_handler{26, 0, 5, handle_end_txn},
    api_handler{27, 0, 1, handle_write_txn_markers},
    api_handler{28, 0, 4, handle_txn_offset_commit},
    api_handler{29, 0, 3, handle_describe_acls},
    api_handler{30, 0, 3, handle_create_acls},
    api_handler{31, 0, 3, handle_delete_acls},
    api_handler{32, 0, 4, handle_describe_configs},
    api_handler{33, 0, 2, handle_alter_configs},
    api_handler{35, 0, 4, handle_describe_log_dirs},
    api_handler{36, 0, 2, handle_sasl_authenticate},
    api_handler{37, 0, 3, handle_create_partitions},
    api_handler{42, 0, 2, handle_delete_groups},
    api_handler{43, 0, 2, handle_elect_leaders},
    api_handler{44, 0, 1, handle_incremental_alter_configs},
    api_handler{45, 0, 0, handle_alter_partition_reassignments},
    api_handler{46, 0, 0, handle_list_partition_reassignments},
    api_handler{47, 0, 0, handle_offset_delete},
    api_handler{48, 0, 1, handle_describe_client_quotas},
    api_handler{49, 0, 1, handle_alter_client_quotas},
    api_handler{50, 0, 0, handle_describe_user_scram_credentials},
    api_handler{51, 0, 0, handle_alter_user_scram_credentials},
    api_handler{60, 0, 1, handle_describe_cluster},
    api_handler{61, 0, 0, handle_describe_producers},
    api_handler{65, 0, 0, handle_describe_transactions},
    api_handler{66, 0, 1, handle_list_transactions},
    api_handler{68, 0, 1, handle_consumer_group_heartbeat},
    api_handler{69, 0, 0, handle_consumer_group_describe},

};

}  // namespace

std::span<const api_handler> api_handlers() { return handlers; }

const api_handler* find_handler(int16_t api_key) {
    for (const auto& h : handlers) {
        if (h.api_key == api_key) return &h;
    }
    return nullptr;
}

}  // namespace sluice::broker
