// Every response the broker serves gets a connection's throttle in its
// throttle_time_ms, checked by decoding what raise_throttle_time wrote.
#include "broker/quotas/throttle_field.h"

#include <gtest/gtest.h>

#include <set>

#include "broker/handlers/handler.h"
#include "protocol/generated/add_offsets_to_txn.h"
#include "protocol/generated/add_partitions_to_txn.h"
#include "protocol/generated/alter_client_quotas.h"
#include "protocol/generated/alter_configs.h"
#include "protocol/generated/alter_partition_reassignments.h"
#include "protocol/generated/alter_user_scram_credentials.h"
#include "protocol/generated/api_versions.h"
#include "protocol/generated/consumer_group_describe.h"
#include "protocol/generated/consumer_group_heartbeat.h"
#include "protocol/generated/create_acls.h"
#include "protocol/generated/create_partitions.h"
#include "protocol/generated/create_topics.h"
#include "protocol/generated/delete_acls.h"
#include "protocol/generated/delete_groups.h"
#include "protocol/generated/delete_records.h"
#include "protocol/generated/delete_topics.h"
#include "protocol/generated/describe_acls.h"
#include "protocol/generated/describe_client_quotas.h"
#include "protocol/generated/describe_cluster.h"
#include "protocol/generated/describe_configs.h"
#include "protocol/generated/describe_groups.h"
#include "protocol/generated/describe_log_dirs.h"
#include "protocol/generated/describe_producers.h"
#include "protocol/generated/describe_transactions.h"
#include "protocol/generated/describe_user_scram_credentials.h"
#include "protocol/generated/elect_leaders.h"
#include "protocol/generated/end_txn.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/find_coordinator.h"
#include "protocol/generated/heartbeat.h"
#include "protocol/generated/incremental_alter_configs.h"
#include "protocol/generated/init_producer_id.h"
#include "protocol/generated/join_group.h"
#include "protocol/generated/leave_group.h"
#include "protocol/generated/list_groups.h"
#include "protocol/generated/list_offsets.h"
#include "protocol/generated/list_partition_reassignments.h"
#include "protocol/generated/list_transactions.h"
#include "protocol/generated/metadata.h"
#include "protocol/generated/offset_commit.h"
#include "protocol/generated/offset_delete.h"
#include "protocol/generated/offset_fetch.h"
#include "protocol/generated/offset_for_leader_epoch.h"
#include "protocol/generated/produce.h"
#include "protocol/generated/sync_group.h"
#include "protocol/generated/txn_offset_commit.h"

namespace sluice::broker::quotas {
namespace {

namespace p = protocol;

// Throttle written, per API key: its answer at every version the broker
// serves either carries the throttle afterwards or has no such field.
std::set<int16_t> checked;

template <typename Response>
void check_every_version() {
    const api_handler* h = find_handler(Response::api_key);
    ASSERT_NE(h, nullptr) << Response::api_key;
    for (int16_t v = h->min_version; v <= h->max_version; ++v) {
        Response with_field;
        with_field.throttle_time_ms = 1;
        p::writer probe;
        with_field.encode(probe, v);
        Response back;
        p::reader pr(p::bytes_view(probe.buffer().data(), probe.buffer().size()));
        back.decode(pr, v);
        const bool version_has_field = back.throttle_time_ms == 1;

        Response response;
        response.throttle_time_ms = 0;
        p::writer body;
        response.encode(body, v);
        const bool written = raise_throttle_time(Response::api_key, v, body, 777);
        EXPECT_EQ(written, version_has_field) << "api " << Response::api_key << " v" << v;
        Response decoded;
        p::reader r(p::bytes_view(body.buffer().data(), body.buffer().size()));
        decoded.decode(r, v);
        ASSERT_TRUE(r.ok()) << "api " << Response::api_key << " v" << v;
        EXPECT_TRUE(r.at_end()) << "api " << Response::api_key << " v" << v;
        if (version_has_field) {
            EXPECT_EQ(decoded.throttle_time_ms, 777) << "api " << Response::api_key << " v" << v;
            // A longer throttle the handler wrote stays.
            p::writer longer_body;
            response.throttle_time_ms = 5000;
            response.encode(longer_body, v);
            raise_throttle_time(Response::api_key, v, longer_body, 777);
            Response kept;
            p::reader kr(p::bytes_view(longer_body.buffer().data(), longer_body.buffer().size()));
            kept.decode(kr, v);
            EXPECT_EQ(kept.throttle_time_ms, 5000) << "api " << Response::api_key << " v" << v;
        } else {
            p::writer untouched;
            response.encode(untouched, v);
            EXPECT_EQ(body.buffer(), untouched.buffer()) << "api " << Response::api_key << " v" << v;
        }
    }
    checked.insert(Response::api_key);
}

template <typename... Responses>
void check_all() {
    (check_every_version<Responses>(), ...);
}

TEST(ThrottleField, EveryServedResponseCarriesTheThrottleWhereItHasTheField) {
    check_all<p::produce_response, p::fetch_response, p::list_offsets_response, p::metadata_response,
              p::offset_commit_response, p::offset_fetch_response, p::find_coordinator_response,
              p::join_group_response, p::heartbeat_response, p::leave_group_response, p::sync_group_response,
              p::describe_groups_response, p::list_groups_response, p::api_versions_response,
              p::create_topics_response, p::delete_topics_response, p::delete_records_response,
              p::init_producer_id_response, p::offset_for_leader_epoch_response,
              p::add_partitions_to_txn_response, p::add_offsets_to_txn_response, p::end_txn_response,
              p::txn_offset_commit_response, p::describe_acls_response, p::create_acls_response,
              p::delete_acls_response, p::describe_configs_response, p::alter_configs_response,
              p::describe_log_dirs_response, p::create_partitions_response, p::delete_groups_response,
              p::elect_leaders_response, p::incremental_alter_configs_response,
              p::alter_partition_reassignments_response, p::list_partition_reassignments_response,
              p::offset_delete_response, p::describe_client_quotas_response, p::alter_client_quotas_response,
              p::describe_user_scram_credentials_response, p::alter_user_scram_credentials_response,
              p::describe_cluster_response, p::describe_producers_response, p::describe_transactions_response,
              p::list_transactions_response, p::consumer_group_heartbeat_response,
              p::consumer_group_describe_response>();
    // Every API served with a throttle field is in the list above; those
    // left out have none (SASL, WriteTxnMarkers).
    for (const api_handler& h : api_handlers()) {
        if (h.api_key == 17 || h.api_key == 36 || h.api_key == 27) {
            p::writer body;
            body.write_int32(0);
            EXPECT_FALSE(raise_throttle_time(h.api_key, h.max_version, body, 777));
            continue;
        }
        EXPECT_TRUE(checked.count(h.api_key)) << "api " << h.api_key << " is not checked";
    }
}

TEST(ThrottleField, NoThrottleLeavesTheBodyAlone) {
    p::metadata_response m;
    p::writer body;
    m.encode(body, 12);
    const auto before = body.buffer();
    EXPECT_TRUE(raise_throttle_time(3, 12, body, 0));
    EXPECT_EQ(body.buffer(), before);
}

TEST(ThrottleField, ATruncatedBodyIsLeftAlone) {
    p::writer body;
    body.write_int16(0);
    EXPECT_TRUE(raise_throttle_time(3, 12, body, 10));
    EXPECT_EQ(body.buffer().size(), 2u);
    p::writer produce;
    produce.write_int8(1);
    EXPECT_FALSE(raise_throttle_time(0, 9, produce, 10));
}

}  // namespace
}  // namespace sluice::broker::quotas
