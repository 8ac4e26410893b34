// `_schemas` read from its leader by a broker that holds no replica
// (remote_reader.h).
#include "broker/schema_registry/remote_reader.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "broker/broker.h"
#include "broker/schema_registry/schemas_apply.h"
#include "broker/schema_registry/schemas_records.h"
#include "broker/topics/topic_registry.h"
#include "protocol/generated/fetch.h"
#include "replication/kafka_connection.h"

namespace sluice::broker::schema_registry {

namespace {

// The last Fetch version naming topics (every Sluice broker serves it).
constexpr int16_t fetch_version = 12;

}  // namespace

schemas_source source_of(bool partition_known, bool replica, std::optional<protocol::node_id> leader,
                         protocol::node_id self) {
    if (!partition_known) return schemas_source::none;
    if (replica) return schemas_source::local;
    if (!leader || leader->value() < 0 || *leader == self) return schemas_source::none;
    return schemas_source::remote;
}

remote_reader::remote_reader(broker& b, registry_state& state, int64_t& next_offset)
    : b_(b),
      state_(state),
      next_offset_(next_offset),
      links_(b, "sluice-schema-registry-" + std::to_string(b.config().node_id)),
      timer_(b.io()) {}

remote_reader::~remote_reader() { stop(); }

void remote_reader::start() {
    boost::asio::post(b_.io(), [this, alive = std::weak_ptr<bool>(alive_)] {
        if (!alive.expired() && *alive.lock()) round();
    });
}

void remote_reader::stop() {
    if (!*alive_) return;
    release(true);
    *alive_ = false;
    timer_.cancel();
    links_.stop();
}

void remote_reader::after_fresh_fetch(std::chrono::milliseconds bound, std::function<void()> done) {
    auto once = std::make_shared<std::function<void()>>(std::move(done));
    auto fire = [once] {
        if (*once) std::exchange(*once, nullptr)();
    };
    if (!active_ || !*alive_) return boost::asio::post(b_.io(), fire);
    waiters_.push_back({sent_ + 1, once});
    auto timer = std::make_shared<boost::asio::steady_timer>(b_.io(), bound);
    timer->async_wait([timer, fire](boost::system::error_code) { fire(); });
}

void remote_reader::release(bool all) {
    std::vector<waiter> keep;
    for (auto& w : waiters_) {
        if (all || w.wanted <= answered_) {
            boost::asio::post(b_.io(), [once = w.done] {
                if (*once) std::exchange(*once, nullptr)();
            });
        } else {
            keep.push_back(std::move(w));
        }
    }
    waiters_ = std::move(keep);
}

void remote_reader::later(std::chrono::milliseconds delay) {
    timer_.expires_after(delay);
    timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
        if (!ec && !alive.expired() && *alive.lock()) round();
    });
}

void remote_reader::round() {
    const protocol::node_id self(b_.config().node_id);
    partition_state* p = b_.topics().find(schemas_topic_name, 0);
    const schemas_source source = p == nullptr
                                      ? schemas_source::none
                                      : source_of(true, p->replica.is_replica(self), p->replica.leader_id(), self);
    const bool was_active = active_;
    active_ = source == schemas_source::remote;
    if (active_ != was_active) {
        spdlog::info("schema registry: reading {} {} (from offset {})", schemas_topic_name,
                     active_ ? "from its leader" : "locally", next_offset_);
    }
    if (!active_) {
        leader_hw_ = -1;
        release(true);
        return later(idle_check);
    }
    fetch_from(p->replica.leader_id()->value());
}

void remote_reader::failed(int32_t leader) {
    release(true);  // no fresh state soon: the waiters are not kept waiting
    links_.failed(leader);
    later(backoff_);
    backoff_ = std::min(backoff_ * 2, max_backoff);
}

void remote_reader::fetch_from(int32_t leader) {
    auto connection = links_.to(leader);
    if (connection == nullptr) {
        release(true);
        later(backoff_);
        backoff_ = std::min(backoff_ * 2, max_backoff);
        return;
    }
    protocol::fetch_request req;
    req.replica_id = -1;  // a consumer: the leader answers up to its high watermark
    // Someone waits for this fetch: answered at once, not held as a long poll.
    req.max_wait_ms = waiters_.empty() ? max_wait_ms : 0;
    req.min_bytes = 1;
    req.max_bytes = max_bytes;
    req.isolation_level = 0;
    req.session_id = 0;
    req.session_epoch = -1;
    auto& t = req.topics.emplace_back();
    t.topic = std::string(schemas_topic_name);
    auto& fp = t.partitions.emplace_back();
    fp.partition = 0;
    fp.fetch_offset = next_offset_;
    fp.partition_max_bytes = max_bytes;
    protocol::writer w;
    req.encode(w, fetch_version);
    const int64_t asked = next_offset_;
    const uint64_t seq = ++sent_;
    connection->send(
        protocol::fetch_request::api_key, fetch_version, w,
        [this, leader, asked, seq, alive = std::weak_ptr<bool>(alive_)](replication::kafka_response r) {
            if (alive.expired() || !*alive.lock()) return;
            answered_ = seq;
            if (r.error) {
                spdlog::warn("schema registry: fetching {} from broker {}: {}", schemas_topic_name, leader, *r.error);
                return failed(leader);
            }
            protocol::fetch_response resp;
            protocol::reader rd(r.body);
            resp.decode(rd, fetch_version);
            if (!rd.ok() || resp.responses.empty() || resp.responses.front().partitions.empty()) {
                spdlog::warn("schema registry: unusable Fetch answer from broker {}", leader);
                return failed(leader);
            }
            const auto& pd = resp.responses.front().partitions.front();
            auto e = static_cast<protocol::error_code>(resp.error_code != 0 ? resp.error_code : pd.error_code);
            if (e == protocol::error_code::offset_out_of_range && pd.log_start_offset > asked) {
                // Records before the leader's log start are gone (deleted, not
                // compacted): read on from there.
                next_offset_ = std::max(next_offset_, pd.log_start_offset);
                release(false);
                return round();
            }
            if (e != protocol::error_code::none) {
                // Not the leader any more, or not yet: the metadata will say.
                spdlog::debug("schema registry: broker {} answered {} for {}", leader, protocol::error_name(e),
                              schemas_topic_name);
                release(true);
                later(backoff_);
                backoff_ = std::min(backoff_ * 2, max_backoff);
                return;
            }
            backoff_ = min_backoff;
            leader_hw_ = pd.high_watermark;
            // Records below next_offset_ (the local reader may have moved
            // it meanwhile) are not applied again.
            const int64_t before = next_offset_;
            if (auto records = pd.records.contiguous(); records && !records->empty()) {
                apply_schemas_batches(state_, *records, pd.high_watermark, next_offset_);
            }
            release(false);
            // Nothing new (a leader that did not wait, or a batch cut short):
            // not at once again, unless someone waits for a fresh fetch.
            if (next_offset_ == before && waiters_.empty()) return later(min_backoff);
            round();
        });
}

}  // namespace sluice::broker::schema_registry
