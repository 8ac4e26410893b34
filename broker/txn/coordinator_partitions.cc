// Which transactional ids this coordinator serves: those of the
// `__transaction_state` partitions it leads. Creating the topic, loading a
// partition when its leadership arrives, dropping it when it goes, and the
// ticker.
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/broker.h"
#include "broker/topics/topic_registry.h"
#include "broker/txn/coordinator.h"
#include "log/partition_log.h"
#include "replication/metadata_store.h"

namespace sluice::broker::txn {

struct coordinator::ticker {
    boost::asio::steady_timer timer;
    explicit ticker(boost::asio::io_context& io) : timer(io) {}
};

coordinator::coordinator(broker& owner, coordinator_settings settings)
    : broker_(owner),
      settings_(settings),
      takeover_(owner, std::string(txn_topic_name),
                [this](int32_t partition, const partition_state& p) { take_over(partition, p); }),
      markers_(owner),
      verifier_(owner, *this),
      ticker_(std::make_unique<ticker>(owner.io())) {}

coordinator::~coordinator() { *alive_ = false; }

error_code coordinator::ensure_topic() {
    if (broker_.topics().find(txn_topic_name) != nullptr) return error_code::none;
    // As Kafka: transaction.state.log.replication.factor, but no more than
    // the brokers alive when the topic is first made; its min ISR no more
    // than that either, or a single node could never write it.
    const auto live = static_cast<int16_t>(std::max<size_t>(1, broker_.metadata().live_brokers().size()));
    const int16_t replication = std::min(settings_.replication_factor, live);
    const int32_t min_isr = std::min<int32_t>(settings_.min_isr, replication);
    topic_config configs{{"cleanup.policy", "compact"},
                         {"segment.bytes", std::to_string(settings_.segment_bytes)},
                         {"min.insync.replicas", std::to_string(min_isr)}};
    broker_.topics().create(std::string(txn_topic_name), settings_.partitions, replication, configs, false,
                            [](op_result result) {
                                if (!result.ok() && result.code != error_code::topic_already_exists) {
                                    spdlog::error("cannot create {}: {}", txn_topic_name, result.message);
                                }
                            });
    return broker_.topics().find(txn_topic_name) != nullptr ? error_code::none : error_code::coordinator_not_available;
}

int32_t coordinator::partition_of(std::string_view transactional_id) const {
    const topic_state* topic = broker_.topics().find(txn_topic_name);
    const auto partitions = topic != nullptr ? static_cast<int32_t>(topic->partitions.size()) : settings_.partitions;
    return partition_for_txn(transactional_id, partitions);
}

int32_t coordinator::coordinator_epoch(int32_t partition) const {
    if (settings_.cluster) {
        auto it = epochs_.find(partition);
        return it == epochs_.end() ? -1 : it->second;
    }
    const topic_state* topic = broker_.topics().find(txn_topic_name);
    if (topic == nullptr) return 0;
    return topic->partitions[static_cast<size_t>(partition)]->replica.epoch().value();
}

error_code coordinator::serving(std::string_view transactional_id) {
    if (ensure_topic() != error_code::none) return error_code::coordinator_not_available;
    const topic_state* topic = broker_.topics().find(txn_topic_name);
    const int32_t partition = partition_of(transactional_id);
    if (!topic->partitions[static_cast<size_t>(partition)]->replica.is_leader()) return error_code::not_coordinator;
    if (settings_.cluster && !loaded_.contains(partition)) return error_code::coordinator_load_in_progress;
    return error_code::none;
}

error_code coordinator::locate(std::string_view transactional_id, protocol::node_id& coordinator) {
    if (error_code e = ensure_topic(); e != error_code::none) return e;
    if (!settings_.cluster) {
        coordinator = protocol::node_id(broker_.config().node_id);
        return error_code::none;
    }
    auto reg = broker_.metadata().partition_state(txn_topic_name, partition_of(transactional_id));
    if (!reg || reg->leader == replication::no_leader) return error_code::coordinator_not_available;
    coordinator = protocol::node_id(reg->leader);
    return error_code::none;
}

void coordinator::load() {
    topic_state* topic = broker_.topics().find(txn_topic_name);
    if (topic == nullptr || settings_.cluster) return;
    loaded_txns loaded;
    size_t records = 0;
    for (const auto& p : topic->partitions)
        records += load_txn_partition(*p->log, loaded);
    for (auto& [id, m] : loaded)
        txns_[id] = std::move(m);
    spdlog::info("loaded {} transactional id(s) from {} record(s) of {}", txns_.size(), records, txn_topic_name);
}

void coordinator::elected(int32_t partition) {
    if (!settings_.cluster || loaded_.contains(partition)) return;
    takeover_.elected(partition);
}

void coordinator::take_over(int32_t partition, const partition_state& p) {
    loaded_txns loaded;
    const size_t records = load_txn_partition(*p.log, loaded);
    std::vector<std::string> unfinished;
    for (auto& [id, m] : loaded) {
        if (m.state == txn_state::prepare_commit || m.state == txn_state::prepare_abort) unfinished.push_back(id);
        txns_[id] = std::move(m);
    }
    loaded_.insert(partition);
    epochs_[partition] = p.replica.epoch().value();
    spdlog::info("coordinating {} transactional id(s) of {}-{} at epoch {} ({} record(s) loaded)", loaded.size(),
                 txn_topic_name, partition, epochs_[partition], records);
    // The previous coordinator may have died between Prepare* and Complete*.
    for (const auto& id : unfinished)
        complete(id);
}

void coordinator::resigned(int32_t partition) {
    if (!settings_.cluster) return;
    takeover_.resigned(partition);
    epochs_.erase(partition);
    if (loaded_.erase(partition) == 0) return;
    size_t dropped = 0;
    for (auto it = txns_.begin(); it != txns_.end();) {
        if (partition_of(it->first) == partition) {
            it = txns_.erase(it);
            ++dropped;
        } else {
            ++it;
        }
    }
    spdlog::info("no longer coordinating {}-{}: {} transactional id(s) unloaded", txn_topic_name, partition, dropped);
}

void coordinator::start() {
    // A single node finishes what it found half done before it stopped.
    std::vector<std::string> unfinished;
    for (const auto& [id, m] : txns_) {
        if (m.state == txn_state::prepare_commit || m.state == txn_state::prepare_abort) unfinished.push_back(id);
    }
    for (const auto& id : unfinished)
        complete(id);
    last_expiry_check_ms_ = now_ms();
    schedule_tick();
}

void coordinator::schedule_tick() {
    ticker_->timer.expires_after(std::chrono::milliseconds(std::max(settings_.abort_check_interval_ms, 10)));
    ticker_->timer.async_wait([this](boost::system::error_code ec) {
        if (ec || !*alive_) return;
        tick(now_ms());
        schedule_tick();
    });
}

void coordinator::stop() {
    ticker_->timer.cancel();
    markers_.stop();
    verifier_.stop();
}

}  // namespace sluice::broker::txn
