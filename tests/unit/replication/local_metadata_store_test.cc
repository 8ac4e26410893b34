// The local metadata store: round trips across reopen, the atomic write, one
// case per corrupt-file shape, topic rules; plus uuid text and topic names.
#include "replication/local_metadata_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <boost/asio/io_context.hpp>

#include "replication/topic_name.h"
#include "protocol/uuid_text.h"
#include "unit/replication/store_calls.h"

namespace sluice::replication {
namespace {

namespace fs = std::filesystem;
using protocol::error_code;
using protocol::random_uuid;
using protocol::to_base64url;
using protocol::uuid_from_base64url;

class MetadataStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        dir_ = fs::temp_directory_path() /
               ("sluice-meta-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        fs::remove_all(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::unique_ptr<local_metadata_store> open(std::optional<std::string> cluster_id = std::nullopt) {
        return local_metadata_store::open(dir_, cluster_id);
    }
    testing::store_calls calls(metadata_store& s) { return testing::store_calls(s, io_); }
    fs::path file() const { return dir_ / local_metadata_store::file_name; }
    void write_file(std::string_view text) {
        fs::create_directories(dir_);
        std::ofstream(file(), std::ios::binary | std::ios::trunc) << text;
    }
    void expect_corrupt(std::string_view text, std::string_view detail) {
        write_file(text);
        try {
            open();
            ADD_FAILURE() << "opened: " << text;
        } catch (const metadata_error& e) {
            std::string what = e.what();
            EXPECT_NE(what.find("Corrupt cluster metadata file"), std::string::npos) << what;
            EXPECT_NE(what.find(file().string()), std::string::npos) << what;
            EXPECT_NE(what.find(detail), std::string::npos) << what;
        }
    }

    static topic_metadata topic(std::string name, int32_t partitions = 1, topic_configs configs = {}) {
        topic_metadata t;
        t.name = std::move(name);
        t.partition_count = partitions;
        t.configs = std::move(configs);
        return t;
    }

    fs::path dir_;
    boost::asio::io_context io_;
};

TEST_F(MetadataStoreTest, FreshStoreGeneratesAndPersistsClusterId) {
    std::string id;
    {
        auto s = open();
        id = s->cluster_id();
        EXPECT_EQ(id.size(), 22u);
        EXPECT_TRUE(uuid_from_base64url(id));
        EXPECT_TRUE(fs::exists(file()));
    }
    EXPECT_EQ(open()->cluster_id(), id);
}

TEST_F(MetadataStoreTest, ConfiguredClusterIdIsUsedAndChecked) {
    EXPECT_EQ(open("my-cluster")->cluster_id(), "my-cluster");
    EXPECT_EQ(open("my-cluster")->cluster_id(), "my-cluster");
    EXPECT_EQ(open()->cluster_id(), "my-cluster");
    EXPECT_THROW(open("other-cluster"), metadata_error);
}

TEST_F(MetadataStoreTest, RoundTripAcrossReopen) {
    topic_metadata a = topic("orders", 3, {{"retention.ms", "1000"}, {"cleanup.policy", "compact"}});
    a.replication_factor = 1;
    topic_metadata b = topic("__consumer_offsets", 50);
    {
        auto s = open();
        ASSERT_TRUE(calls(*s).create(a).ok());
        ASSERT_TRUE(calls(*s).create(b).ok());
        EXPECT_FALSE(a.topic_id.is_zero());
        EXPECT_NE(a.topic_id, b.topic_id);
    }
    auto s = open();
    EXPECT_EQ(s->list_topics(), (std::vector<topic_metadata>{a, b}));
    EXPECT_EQ(s->get_topic("orders"), a);
    EXPECT_EQ(s->get_topic_by_id(b.topic_id), b);
    EXPECT_EQ(s->get_topic("nope"), std::nullopt);
}

TEST_F(MetadataStoreTest, RecordsAreKeptByKindAcrossReopenAndWatched) {
    {
        auto s = open();
        std::vector<std::string> heard;
        auto sub = s->watch_records(io_.get_executor(), [&](const std::string& kind) { heard.push_back(kind); });
        ASSERT_TRUE(calls(*s).update_records("acl", {{"a/b", "1"}, {"c", "2"}}).ok());
        ASSERT_TRUE(calls(*s).update_records("scram", {{"alice", "{}"}}).ok());
        ASSERT_TRUE(calls(*s).update_records("acl", {{"c", std::nullopt}, {"d", "4"}, {"absent", std::nullopt}}).ok());
        io_.restart();
        io_.poll();
        EXPECT_EQ(heard, (std::vector<std::string>{"acl", "scram", "acl"}));
    }
    auto s = open();
    EXPECT_EQ(s->records("acl"), (record_map{{"a/b", "1"}, {"d", "4"}}));
    EXPECT_EQ(s->records("scram"), (record_map{{"alice", "{}"}}));
    EXPECT_TRUE(s->records("quota").empty());
    // Deleting a kind's last record drops the kind.
    ASSERT_TRUE(calls(*s).update_records("scram", {{"alice", std::nullopt}}).ok());
    EXPECT_TRUE(open()->records("scram").empty());
}

TEST_F(MetadataStoreTest, BadRecordChangesAreRefusedAndChangeNothing) {
    auto s = open();
    EXPECT_EQ(calls(*s).update_records("a/b", {{"k", "v"}}).code, error_code::invalid_request);
    EXPECT_EQ(calls(*s).update_records("", {{"k", "v"}}).code, error_code::invalid_request);
    EXPECT_EQ(calls(*s).update_records("acl", {{"", "v"}}).code, error_code::invalid_request);
    record_changes many;
    for (size_t i = 0; i <= metadata_store::max_record_changes; ++i) many["k" + std::to_string(i)] = "v";
    EXPECT_EQ(calls(*s).update_records("acl", many).code, error_code::invalid_request);
    EXPECT_TRUE(s->records("acl").empty());
}

TEST_F(MetadataStoreTest, GivenTopicIdIsKept) {
    auto s = open();
    topic_metadata t = topic("t");
    t.topic_id = random_uuid();
    auto id = t.topic_id;
    ASSERT_TRUE(calls(*s).create(t).ok());
    EXPECT_EQ(t.topic_id, id);
}

TEST_F(MetadataStoreTest, MutationsPersist) {
    {
        auto s = open();
        auto t = topic("t", 2);
        ASSERT_TRUE(calls(*s).create(t).ok());
        auto gone = topic("gone");
        ASSERT_TRUE(calls(*s).create(gone).ok());
        ASSERT_TRUE(calls(*s).set_partition_count("t", 5).ok());
        ASSERT_TRUE(calls(*s).set_configs("t", {{"segment.bytes", "4096"}}).ok());
        ASSERT_TRUE(calls(*s).remove("gone").ok());
    }
    auto s = open();
    auto t = s->get_topic("t");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->partition_count, 5);
    EXPECT_EQ(t->configs, (topic_configs{{"segment.bytes", "4096"}}));
    EXPECT_FALSE(s->get_topic("gone"));
    EXPECT_EQ(s->list_topics().size(), 1u);
}

TEST_F(MetadataStoreTest, CreateErrors) {
    auto s = open();
    auto t = topic("dup");
    ASSERT_TRUE(calls(*s).create(t).ok());
    auto again = topic("dup");
    EXPECT_EQ(calls(*s).create(again).code, error_code::topic_already_exists);
    auto collide = topic("a.b");
    ASSERT_TRUE(calls(*s).create(collide).ok());
    auto collide2 = topic("a_b");
    EXPECT_EQ(calls(*s).create(collide2).code, error_code::invalid_topic_exception);
    auto bad = topic("bad name");
    EXPECT_EQ(calls(*s).create(bad).code, error_code::invalid_topic_exception);
    auto zero = topic("zero", 0);
    EXPECT_EQ(calls(*s).create(zero).code, error_code::invalid_partitions);
    auto rf = topic("rf");
    rf.replication_factor = 0;
    EXPECT_EQ(calls(*s).create(rf).code, error_code::invalid_replication_factor);
    EXPECT_EQ(s->list_topics().size(), 2u);
}

TEST_F(MetadataStoreTest, PartitionCountOnlyIncreases) {
    auto s = open();
    auto t = topic("t", 3);
    ASSERT_TRUE(calls(*s).create(t).ok());
    EXPECT_EQ(calls(*s).set_partition_count("t", 3).code, error_code::invalid_partitions);
    EXPECT_EQ(calls(*s).set_partition_count("t", 2).code, error_code::invalid_partitions);
    EXPECT_EQ(calls(*s).set_partition_count("x", 9).code, error_code::unknown_topic_or_partition);
    EXPECT_EQ(s->get_topic("t")->partition_count, 3);
}

TEST_F(MetadataStoreTest, UnknownTopicErrors) {
    auto s = open();
    EXPECT_EQ(calls(*s).remove("x").code, error_code::unknown_topic_or_partition);
    EXPECT_EQ(calls(*s).set_configs("x", {}).code, error_code::unknown_topic_or_partition);
}

TEST_F(MetadataStoreTest, WriteLeavesNoTmpFile) {
    auto s = open();
    auto t = topic("t");
    ASSERT_TRUE(calls(*s).create(t).ok());
    for (const auto& e : fs::directory_iterator(dir_)) {
        EXPECT_EQ(e.path().filename(), local_metadata_store::file_name);
    }
}

TEST_F(MetadataStoreTest, LeftoverTmpFromInterruptedWriteIsIgnored) {
    { open("c1"); }
    fs::path tmp = file();
    tmp += ".tmp";
    std::ofstream(tmp) << "{\"half";
    EXPECT_EQ(open()->cluster_id(), "c1");
    EXPECT_FALSE(fs::exists(tmp));
}

TEST_F(MetadataStoreTest, FailedWriteKeepsOldState) {
    auto s = open();
    auto t = topic("t");
    ASSERT_TRUE(calls(*s).create(t).ok());
    // A directory where the tmp file goes makes the write fail.
    fs::path tmp = file();
    tmp += ".tmp";
    fs::create_directories(tmp / "blocker");
    auto u = topic("u");
    EXPECT_EQ(calls(*s).create(u).code, error_code::kafka_storage_error);
    EXPECT_EQ(s->list_topics().size(), 1u);
    fs::remove_all(tmp);
    EXPECT_EQ(open()->list_topics().size(), 1u);
}

TEST_F(MetadataStoreTest, ProducerIdBlocksFollowEachOtherAcrossReopen) {
    using protocol::producer_id;
    producer_id_block a, b, c;
    {
        auto s = open();
        ASSERT_TRUE(calls(*s).allocate_producer_ids(a).ok());
        ASSERT_TRUE(calls(*s).allocate_producer_ids(b).ok());
    }
    EXPECT_EQ(a, (producer_id_block{producer_id(0), 1000}));
    EXPECT_EQ(b, (producer_id_block{producer_id(1000), 1000}));
    // A block not used up before a restart is skipped, never handed out again.
    ASSERT_TRUE(calls(*open()).allocate_producer_ids(c).ok());
    EXPECT_EQ(c, (producer_id_block{producer_id(2000), 1000}));
}

TEST_F(MetadataStoreTest, AFileFromBeforeProducerIdsStartsTheirCounterAtZero) {
    write_file(R"({"version":1,"cluster_id":"old","topics":[{"name":"t","topic_id":"AAAAAAAAAAAAAAAAAAAAAQ",)"
               R"("partitions":2,"replication_factor":1,"configs":{}}]})");
    auto s = open();
    producer_id_block block;
    ASSERT_TRUE(calls(*s).allocate_producer_ids(block).ok());
    EXPECT_EQ(block.first, protocol::producer_id(0));
    auto reopened = open();
    EXPECT_EQ(reopened->cluster_id(), "old");
    EXPECT_EQ(reopened->get_topic("t")->partition_count, 2);
}

TEST_F(MetadataStoreTest, AFailedProducerIdWriteHandsOutNothing) {
    auto s = open();
    fs::path tmp = file();
    tmp += ".tmp";
    fs::create_directories(tmp / "blocker");
    producer_id_block block;
    EXPECT_EQ(calls(*s).allocate_producer_ids(block).code, error_code::kafka_storage_error);
    fs::remove_all(tmp);
    ASSERT_TRUE(calls(*s).allocate_producer_ids(block).ok());
    EXPECT_EQ(block.first, protocol::producer_id(0));
}

TEST_F(MetadataStoreTest, ExhaustedProducerIdsAreAnError) {
    write_file(R"({"version":1,"cluster_id":"x","topics":[],"next_producer_id":9223372036854775000})");
    auto s = open();
    producer_id_block block;
    EXPECT_EQ(calls(*s).allocate_producer_ids(block).code, error_code::unknown_server_error);
}

TEST_F(MetadataStoreTest, CorruptNegativeProducerIdCounter) {
    expect_corrupt(R"({"version":1,"cluster_id":"x","topics":[],"next_producer_id":-5})", "next_producer_id");
}
TEST_F(MetadataStoreTest, CorruptNonIntegerProducerIdCounter) {
    expect_corrupt(R"({"version":1,"cluster_id":"x","topics":[],"next_producer_id":"7"})", "next_producer_id");
}

TEST_F(MetadataStoreTest, CorruptEmptyFile) { expect_corrupt("", "not valid JSON"); }
TEST_F(MetadataStoreTest, CorruptTruncatedJson) { expect_corrupt("{\"version\":1,\"cluster_id\":\"x\",\"top", "JSON"); }
TEST_F(MetadataStoreTest, CorruptNotAnObject) { expect_corrupt("[]", "top level"); }
TEST_F(MetadataStoreTest, CorruptWrongVersion) {
    expect_corrupt(R"({"version":2,"cluster_id":"x","topics":[]})", "version 2");
}
TEST_F(MetadataStoreTest, CorruptMissingClusterId) { expect_corrupt(R"({"version":1,"topics":[]})", "cluster_id"); }
TEST_F(MetadataStoreTest, CorruptTopicsNotArray) {
    expect_corrupt(R"({"version":1,"cluster_id":"x","topics":{}})", "topics");
}
TEST_F(MetadataStoreTest, CorruptBadTopicId) {
    expect_corrupt(R"({"version":1,"cluster_id":"x","topics":[{"name":"t","topic_id":"short","partitions":1,)"
                   R"("replication_factor":1,"configs":{}}]})",
                   "topic_id");
}
TEST_F(MetadataStoreTest, CorruptBadPartitionCount) {
    expect_corrupt(R"({"version":1,"cluster_id":"x","topics":[{"name":"t","topic_id":"AAAAAAAAAAAAAAAAAAAAAQ",)"
                   R"("partitions":0,"replication_factor":1,"configs":{}}]})",
                   "partitions");
}
TEST_F(MetadataStoreTest, CorruptBadTopicName) {
    expect_corrupt(R"({"version":1,"cluster_id":"x","topics":[{"name":"a b","topic_id":"AAAAAAAAAAAAAAAAAAAAAQ",)"
                   R"("partitions":1,"replication_factor":1,"configs":{}}]})",
                   "illegal");
}
TEST_F(MetadataStoreTest, CorruptNonStringConfig) {
    expect_corrupt(R"({"version":1,"cluster_id":"x","topics":[{"name":"t","topic_id":"AAAAAAAAAAAAAAAAAAAAAQ",)"
                   R"("partitions":1,"replication_factor":1,"configs":{"retention.ms":5}}]})",
                   "retention.ms");
}
TEST_F(MetadataStoreTest, CorruptDuplicateTopic) {
    std::string t = R"({"name":"t","topic_id":"AAAAAAAAAAAAAAAAAAAAAQ","partitions":1,"replication_factor":1,"configs":{}})";
    expect_corrupt(R"({"version":1,"cluster_id":"x","topics":[)" + t + "," + t + "]}", "twice");
}

TEST(MetadataCodecTest, EncodeDecodeRoundTrip) {
    topic_metadata t{"t", random_uuid(), 4, 2, {{"a", "b"}}};
    metadata_file_contents contents{"cid", {t}, protocol::producer_id(7000), {{"acl", {{"k/1", "v"}}}}};
    EXPECT_EQ(decode_metadata(encode_metadata(contents)), contents);
}

TEST(MetadataCodecTest, AFileWithoutAProducerIdCounterStartsAtZero) {
    auto contents = decode_metadata(R"({"version":1,"cluster_id":"x","topics":[]})");
    EXPECT_EQ(contents.next_producer_id, protocol::producer_id(0));
}

TEST(UuidTest, Base64UrlKnownValues) {
    protocol::uuid zero;
    EXPECT_EQ(to_base64url(zero), "AAAAAAAAAAAAAAAAAAAAAA");
    protocol::uuid one;
    one.value[15] = 1;
    EXPECT_EQ(to_base64url(one), "AAAAAAAAAAAAAAAAAAAAAQ");
    protocol::uuid all;
    all.value.fill(0xff);
    EXPECT_EQ(to_base64url(all), "_____________________w");
    EXPECT_EQ(uuid_from_base64url("_____________________w"), all);
}

TEST(UuidTest, DecodeRejectsBadText) {
    EXPECT_FALSE(uuid_from_base64url(""));
    EXPECT_FALSE(uuid_from_base64url("AAAAAAAAAAAAAAAAAAAAA"));    // 21 chars
    EXPECT_FALSE(uuid_from_base64url("AAAAAAAAAAAAAAAAAAAAAAA"));  // 23 chars
    EXPECT_FALSE(uuid_from_base64url("AAAAAAAAAAAAAAAAAAAAA="));   // padding
    EXPECT_FALSE(uuid_from_base64url("AAAAAAAAAAAAAAAAAAAAA+"));   // not url alphabet
    EXPECT_FALSE(uuid_from_base64url("AAAAAAAAAAAAAAAAAAAAAB"));   // non-zero spare bits
}

TEST(UuidTest, RandomIsV4AndAvoidsReservedForms) {
    for (int i = 0; i < 1000; ++i) {
        auto id = random_uuid();
        EXPECT_EQ(id.value[6] >> 4, 4);
        EXPECT_EQ(id.value[8] >> 6, 2);
        auto text = to_base64url(id);
        EXPECT_EQ(text.size(), 22u);
        EXPECT_NE(text.front(), '-');
        EXPECT_EQ(uuid_from_base64url(text), id);
    }
    EXPECT_NE(random_uuid(), random_uuid());
}

TEST(TopicNameTest, Valid) {
    for (auto n : {"a", "orders", "my.topic_name-1", "__consumer_offsets", "..a", "A.B"}) {
        EXPECT_TRUE(validate_topic_name(n).ok()) << n;
    }
    EXPECT_TRUE(validate_topic_name(std::string(249, 'x')).ok());
}

TEST(TopicNameTest, Invalid) {
    for (const std::string& n : std::vector<std::string>{"", ".", "..", "a b", "a/b", "t\xc3\xb3pico", "a:b", "a*",
                                                         std::string(250, 'x')}) {
        auto r = validate_topic_name(n);
        EXPECT_EQ(r.code, error_code::invalid_topic_exception) << n;
        EXPECT_FALSE(r.message.empty());
    }
}

TEST(TopicNameTest, Collisions) {
    EXPECT_TRUE(topic_names_collide("a.b", "a_b"));
    EXPECT_TRUE(topic_names_collide("a_b", "a.b"));
    EXPECT_FALSE(topic_names_collide("a.b", "a-b"));
    EXPECT_FALSE(topic_names_collide("ab", "a_b"));
}

TEST_F(MetadataStoreTest, ConfigCompareAndSwapRefusesAChangedValue) {
    auto s = open();
    auto t = topic("t");
    ASSERT_TRUE(calls(*s).create(t).ok());
    ASSERT_TRUE(calls(*s).set_configs("t", {{"retention.ms", "1"}}, topic_configs{}).ok());
    // A writer that read the old (empty) overrides loses.
    EXPECT_EQ(calls(*s).set_configs("t", {{"retention.ms", "2"}}, topic_configs{}).code, conflict_code);
    EXPECT_EQ(s->get_topic("t")->configs, (topic_configs{{"retention.ms", "1"}}));
    EXPECT_TRUE(calls(*s).set_configs("t", {{"retention.ms", "2"}}, topic_configs{{"retention.ms", "1"}}).ok());
    EXPECT_EQ(s->get_topic("t")->configs, (topic_configs{{"retention.ms", "2"}}));
}

TEST_F(MetadataStoreTest, WatchersHearOfEveryChangeButNotOfRefusedOnes) {
    auto s = open();
    std::vector<std::string> heard;
    auto sub = s->watch(io_.get_executor(), [&](const std::vector<std::string>& names) {
        heard.insert(heard.end(), names.begin(), names.end());
    });
    auto t = topic("a");
    ASSERT_TRUE(calls(*s).create(t).ok());
    EXPECT_TRUE(heard.empty()) << "notifications are posted, never run inline";
    auto again = topic("a");
    EXPECT_FALSE(calls(*s).create(again).ok());
    ASSERT_TRUE(calls(*s).set_partition_count("a", 2).ok());
    ASSERT_TRUE(calls(*s).set_configs("a", {{"retention.ms", "5"}}).ok());
    ASSERT_TRUE(calls(*s).remove("a").ok());
    io_.restart();
    io_.poll();
    EXPECT_EQ(heard, (std::vector<std::string>{"a", "a", "a", "a"}));
}

TEST_F(MetadataStoreTest, ADroppedSubscriptionHearsNothingMore) {
    auto s = open();
    int heard = 0;
    auto sub = s->watch(io_.get_executor(), [&](const std::vector<std::string>&) { ++heard; });
    auto t = topic("a");
    ASSERT_TRUE(calls(*s).create(t).ok());
    sub.reset();  // after the notification was posted, before it runs
    io_.restart();
    io_.poll();
    EXPECT_EQ(heard, 0);
}

TEST_F(MetadataStoreTest, MutationsAnswerExactlyOnce) {
    auto s = open();
    int answers = 0;
    s->delete_topic("x", io_.get_executor(), [&](op_result r) {
        ++answers;
        EXPECT_EQ(r.code, error_code::unknown_topic_or_partition);
    });
    io_.restart();
    io_.poll();
    EXPECT_EQ(answers, 1);
}

TEST_F(MetadataStoreTest, a_single_node_is_the_whole_cluster) {
    auto s = local_metadata_store::open(dir_, std::nullopt, {protocol::node_id(7), "h", 9092, "r1"});
    ASSERT_EQ(s->live_brokers().size(), 1u);
    EXPECT_EQ(s->live_brokers()[0], (broker_node{protocol::node_id(7), "h", 9092, "r1"}));
    EXPECT_EQ(s->controller_id(), protocol::node_id(7));
    topic_metadata t;
    t.name = "t";
    t.partition_count = 2;
    ASSERT_TRUE(calls(*s).create(t).ok());
    auto states = s->partition_states("t");
    ASSERT_EQ(states.size(), 2u);
    EXPECT_EQ(states[1], initial_registration({7}));
    EXPECT_EQ(s->partition_state("t", 0), initial_registration({7}));
    EXPECT_FALSE(s->partition_state("t", 2).has_value());
    EXPECT_TRUE(s->partition_states("none").empty());

    topic_metadata wide = t;
    wide.name = "wide";
    wide.replication_factor = 2;
    EXPECT_EQ(calls(*s).create(wide).code, protocol::error_code::invalid_replication_factor);
}

TEST_F(MetadataStoreTest, a_single_node_accepts_only_the_isr_it_has) {
    auto s = local_metadata_store::open(dir_, std::nullopt, {protocol::node_id(7), "h", 9092, std::nullopt});
    topic_metadata t;
    t.name = "t";
    ASSERT_TRUE(calls(*s).create(t).ok());
    auto alter = [&](int32_t leader, int32_t le, int32_t pe, std::vector<int32_t> isr) {
        std::optional<op_result> out;
        s->alter_isr("t", 0, protocol::node_id(leader), protocol::leader_epoch(le), pe, std::move(isr),
                     io_.get_executor(), [&](op_result r, partition_registration) { out = std::move(r); });
        EXPECT_TRUE(out.has_value()) << "answers inline";
        return out ? out->code : protocol::error_code::request_timed_out;
    };
    EXPECT_EQ(alter(7, 0, 0, {7}), protocol::error_code::none);
    EXPECT_EQ(alter(8, 0, 0, {8}), protocol::error_code::not_leader_or_follower);
    EXPECT_EQ(alter(7, 1, 0, {7}), protocol::error_code::fenced_leader_epoch);
    EXPECT_EQ(alter(7, 0, 1, {7}), protocol::error_code::invalid_update_version);
    EXPECT_EQ(alter(7, 0, 0, {7, 8}), protocol::error_code::invalid_request);
}


TEST_F(MetadataStoreTest, a_single_node_takes_assignments_naming_only_itself) {
    auto s = local_metadata_store::open(dir_, std::nullopt, {protocol::node_id(7), "h", 9092, std::nullopt});
    auto inline_code = [](auto start) {
        std::optional<op_result> out;
        start([&](op_result r) { out = std::move(r); });
        EXPECT_TRUE(out.has_value()) << "answers inline";
        return out ? out->code : protocol::error_code::request_timed_out;
    };
    topic_metadata t;
    t.name = "t";
    t.partition_count = 2;
    auto create = [&](topic_metadata topic, replica_assignments a) {
        return inline_code([&](auto done) {
            s->create_topic(topic, std::move(a), io_.get_executor(), [done](op_result r, topic_metadata) { done(r); });
        });
    };
    EXPECT_EQ(create(t, {{0, {8}}, {1, {7}}}), protocol::error_code::invalid_replica_assignment);
    EXPECT_EQ(create(t, {{0, {7}}, {1, {7}}}), protocol::error_code::none);
    auto grow = [&](int32_t count, replica_assignments a) {
        return inline_code(
            [&](auto done) { s->set_partition_count("t", count, std::move(a), io_.get_executor(), done); });
    };
    EXPECT_EQ(grow(4, {{2, {7}}}), protocol::error_code::invalid_replica_assignment);
    EXPECT_EQ(grow(3, {{2, {7, 8}}}), protocol::error_code::invalid_replica_assignment);
    EXPECT_EQ(grow(3, {{2, {7}}}), protocol::error_code::none);
    EXPECT_EQ(s->get_topic("t")->partition_count, 3);
}

TEST_F(MetadataStoreTest, a_single_node_needs_no_election) {
    auto s = local_metadata_store::open(dir_, std::nullopt, {protocol::node_id(7), "h", 9092, std::nullopt});
    topic_metadata t;
    t.name = "t";
    ASSERT_TRUE(calls(*s).create(t).ok());
    auto elect = [&](int32_t p, election_type type) {
        std::optional<op_result> out;
        s->elect_leader("t", p, type, io_.get_executor(), [&](op_result r) { out = std::move(r); });
        EXPECT_TRUE(out.has_value()) << "answers inline";
        return out ? out->code : protocol::error_code::request_timed_out;
    };
    EXPECT_EQ(elect(0, election_type::preferred), protocol::error_code::election_not_needed);
    EXPECT_EQ(elect(0, election_type::unclean), protocol::error_code::election_not_needed);
    EXPECT_EQ(elect(1, election_type::preferred), protocol::error_code::unknown_topic_or_partition);
}

}  // namespace
}  // namespace sluice::replication
