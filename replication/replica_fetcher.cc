#include "replication/replica_fetcher.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <unordered_map>
#include <vector>

#include "protocol/generated/api_versions.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/list_offsets.h"
#include "protocol/generated/offset_for_leader_epoch.h"
#include "protocol/record_batch.h"
#include "replication/fetch_truncation.h"
#include "replication/fetcher_versions.h"
#include "replication/kafka_connection.h"

namespace sluice::replication {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;
using protocol::error_code;
using protocol::leader_epoch;
using protocol::offset;

namespace {

constexpr int64_t latest_timestamp = -1;
constexpr int64_t earliest_timestamp = -2;
// Fetch v13 names topics by id; without an id the fetcher stays below it.
constexpr int16_t last_fetch_version_by_name = 12;
// Fetch v12 carries LastFetchedEpoch, and DivergingEpoch back (KIP-320).
constexpr int16_t first_fetch_version_with_diverging_epoch = 12;
// Fetch v15 moved the replica id into ReplicaState (KIP-903).
constexpr int16_t first_fetch_version_with_replica_state = 15;

// Errors after which only fresh metadata helps: the owner is told.
bool needs_metadata(error_code e) {
    return e == error_code::fenced_leader_epoch || e == error_code::unknown_leader_epoch ||
           e == error_code::not_leader_or_follower;
}

kafka_connection::options connection_options(const replica_fetcher::options& o) {
    kafka_connection::options c;
    c.host = o.leader_host;
    c.port = o.leader_port;
    c.client_id = o.client_id;
    c.connect_timeout = o.connect_timeout;
    c.request_timeout = o.request_timeout;
    c.tls = o.tls;
    c.tls_verify_host = o.tls_verify_host;
    c.sasl = o.sasl;
    return c;
}

class fetcher final : public replica_fetcher, public std::enable_shared_from_this<fetcher> {
public:
    fetcher(asio::any_io_executor ex, options opts, problem_fn on_problem)
        : executor_(ex),
          timer_(ex),
          options_(std::move(opts)),
          on_problem_(std::move(on_problem)),
          connection_(kafka_connection::create(ex, connection_options(options_))) {}

    void add_partition(const topic_partition& tp, const protocol::uuid& topic_id, leader_epoch current_epoch,
                       std::shared_ptr<follower_log> log) override {
        if (stopped_ || !log) return;
        partition& p = partitions_[tp];
        p = partition{};
        p.topic_id = topic_id;
        p.log = std::move(log);
        p.current_epoch = current_epoch;
        p.fetch_offset = p.log->log_end_offset();
        p.generation = ++next_generation_;
        kick();
    }

    bool update_partition(const topic_partition& tp, leader_epoch current_epoch) override {
        auto it = partitions_.find(tp);
        if (stopped_ || it == partitions_.end()) return false;
        partition& p = it->second;
        p.current_epoch = current_epoch;
        p.state = fetch_state::truncating;
        p.delayed_until = {};
        p.generation = ++next_generation_;
        kick();
        return true;
    }

    void remove_partition(const topic_partition& tp) override { partitions_.erase(tp); }

    std::optional<fetcher_partition_status> status(const topic_partition& tp) const override {
        auto it = partitions_.find(tp);
        if (it == partitions_.end()) return std::nullopt;
        const partition& p = it->second;
        return fetcher_partition_status{p.state, p.fetch_offset, p.current_epoch, p.last_error, p.lag};
    }

    void stop() override {
        if (stopped_) return;
        stopped_ = true;
        timer_.cancel();
        connection_->close();
        partitions_.clear();
    }

private:
    struct partition {
        protocol::uuid topic_id{};
        std::shared_ptr<follower_log> log;
        fetch_state state = fetch_state::truncating;
        offset fetch_offset{0};
        leader_epoch current_epoch{-1};
        error_code last_error = error_code::none;
        clock::time_point delayed_until{};
        bool need_leader_start = false;  // out of range, step two
        int64_t lag = 0;                 // fetcher_partition_status::lag
        uint64_t generation = 0;         // a response for an older one is stale
    };
    // What a request asked for one partition, to match its answer.
    struct asked {
        uint64_t generation;
        offset fetch_offset;
    };
    using asked_map = std::unordered_map<topic_partition, asked>;
    using response_handler = void (fetcher::*)(protocol::bytes_view body, const asked_map& asked_for, int16_t version);

    // Runs a round soon, unless one is running or already queued.
    void kick() {
        if (stopped_ || in_flight_ || round_queued_) return;
        round_queued_ = true;
        ++wait_epoch_;
        timer_.cancel();
        asio::post(executor_, [self = shared_from_this()] {
            self->round_queued_ = false;
            self->run_round();
        });
    }

    void run_round() {
        if (stopped_ || in_flight_) return;
        const auto now = clock::now();
        if (now < connection_retry_at_) return wait_until(connection_retry_at_);
        if (!versions_) return send_api_versions();

        std::vector<topic_partition> to_truncate, out_of_range, to_fetch;
        std::optional<clock::time_point> next_ready;
        for (auto& [tp, p] : partitions_) {
            if (p.state == fetch_state::paused) continue;
            if (p.delayed_until > now) {
                next_ready = next_ready ? std::min(*next_ready, p.delayed_until) : p.delayed_until;
                continue;
            }
            if (p.state == fetch_state::truncating && !p.log->latest_epoch()) {
                // No epoch to ask about: what was committed is all that is
                // known to be shared with the leader (Kafka's
                // truncateToHighWatermark).
                p.log->truncate_to(std::min(p.log->high_watermark(), p.log->log_end_offset()));
                start_fetching(p);
            } else if (p.state == fetch_state::truncating && options_.truncate_on_fetch &&
                       versions_->fetch >= first_fetch_version_with_diverging_epoch) {
                start_fetching(p);
            }
            switch (p.state) {
                case fetch_state::truncating:
                    to_truncate.push_back(tp);
                    break;
                case fetch_state::out_of_range:
                    out_of_range.push_back(tp);
                    break;
                case fetch_state::fetching:
                    if (auto hold = options_.throttle_hold ? options_.throttle_hold(tp) : std::chrono::milliseconds(0);
                        hold.count() > 0) {
                        p.delayed_until = now + hold;
                        next_ready = next_ready ? std::min(*next_ready, p.delayed_until) : p.delayed_until;
                        break;
                    }
                    to_fetch.push_back(tp);
                    break;
                case fetch_state::paused:
                    break;
            }
        }
        if (!to_truncate.empty()) return send_offset_for_leader_epoch(to_truncate);
        if (!out_of_range.empty()) return send_list_offsets(out_of_range);
        if (!to_fetch.empty()) return send_fetch(to_fetch);
        if (next_ready) wait_until(*next_ready);
        // Otherwise idle until a partition is added or resumed.
    }

    void wait_until(clock::time_point at) {
        uint64_t epoch = ++wait_epoch_;
        timer_.expires_at(at);
        timer_.async_wait([self = shared_from_this(), epoch](boost::system::error_code ec) {
            if (ec || self->stopped_ || epoch != self->wait_epoch_) return;
            self->run_round();
        });
    }

    void send(int16_t api_key, int16_t version, const protocol::writer& body, asked_map asked_for,
              response_handler handler) {
        in_flight_ = true;
        connection_->send(
            api_key, version, body,
            [self = shared_from_this(), asked_for = std::move(asked_for), handler, version](kafka_response r) {
                if (self->stopped_) return;
                if (r.error) return self->connection_failed(*r.error);
                (self.get()->*handler)(r.body, asked_for, version);
            });
    }

    void send_api_versions() {
        protocol::api_versions_request req;
        req.client_software_name = "sluice";
        req.client_software_version = "0";
        protocol::writer w;
        req.encode(w, api_versions_request_version);
        send(protocol::api_versions_request::api_key, api_versions_request_version, w, {}, &fetcher::on_api_versions);
    }

    void on_api_versions(protocol::bytes_view body, const asked_map&, int16_t) {
        std::string why;
        versions_ = negotiate_versions(body, why);
        if (!versions_) return connection_failed(why);
        round_done();
    }

    // --- truncation -------------------------------------------------------

    void send_offset_for_leader_epoch(const std::vector<topic_partition>& tps) {
        protocol::offset_for_leader_epoch_request req;
        req.replica_id = options_.replica_id.value();
        std::map<std::string, size_t> topic_index;
        asked_map asked_for;
        for (const auto& tp : tps) {
            const partition& p = partitions_.at(tp);
            auto [it, fresh] = topic_index.try_emplace(tp.topic, req.topics.size());
            if (fresh) req.topics.push_back({tp.topic, {}, {}});
            req.topics[it->second].partitions.push_back(
                {tp.partition, p.current_epoch.value(), p.log->latest_epoch()->value(), {}});
            asked_for.emplace(tp, asked{p.generation, p.fetch_offset});
        }
        protocol::writer w;
        req.encode(w, versions_->offset_for_leader_epoch);
        send(req.api_key, versions_->offset_for_leader_epoch, w, std::move(asked_for),
             &fetcher::on_offset_for_leader_epoch);
    }

    void on_offset_for_leader_epoch(protocol::bytes_view body, const asked_map& asked_for, int16_t version) {
        protocol::offset_for_leader_epoch_response resp;
        protocol::reader r(body);
        resp.decode(r, version);
        if (!r.ok()) return connection_failed("OffsetForLeaderEpoch answer does not decode");
        for (const auto& t : resp.topics) {
            for (const auto& a : t.partitions) {
                topic_partition tp{t.topic, a.partition};
                partition* p = current(tp, asked_for, fetch_state::truncating);
                if (p == nullptr) continue;
                auto err = static_cast<error_code>(a.error_code);
                if (err != error_code::none) {
                    partition_failed(tp, *p, err);
                    continue;
                }
                truncation_decision d =
                    decide_truncation(*p->log, {leader_epoch(a.leader_epoch), offset(a.end_offset)});
                p->log->truncate_to(d.truncate_to);
                // Not completed: ask again next round with the new latest epoch.
                if (d.completed) start_fetching(*p);
                p->last_error = error_code::none;
            }
        }
        round_done();
    }

    // --- out of range -----------------------------------------------------

    void send_list_offsets(const std::vector<topic_partition>& tps) {
        protocol::list_offsets_request req;
        req.replica_id = options_.replica_id.value();
        std::map<std::string, size_t> topic_index;
        asked_map asked_for;
        for (const auto& tp : tps) {
            const partition& p = partitions_.at(tp);
            auto [it, fresh] = topic_index.try_emplace(tp.topic, req.topics.size());
            if (fresh) req.topics.push_back({tp.topic, {}, {}});
            protocol::list_offsets_request::list_offsets_partition lp;
            lp.partition_index = tp.partition;
            lp.current_leader_epoch = p.current_epoch.value();
            lp.timestamp = p.need_leader_start ? earliest_timestamp : latest_timestamp;
            req.topics[it->second].partitions.push_back(lp);
            asked_for.emplace(tp, asked{p.generation, p.fetch_offset});
        }
        protocol::writer w;
        req.encode(w, versions_->list_offsets);
        send(req.api_key, versions_->list_offsets, w, std::move(asked_for), &fetcher::on_list_offsets);
    }

    void on_list_offsets(protocol::bytes_view body, const asked_map& asked_for, int16_t version) {
        protocol::list_offsets_response resp;
        protocol::reader r(body);
        resp.decode(r, version);
        if (!r.ok()) return connection_failed("ListOffsets answer does not decode");
        for (const auto& t : resp.topics) {
            for (const auto& a : t.partitions) {
                topic_partition tp{t.name, a.partition_index};
                partition* p = current(tp, asked_for, fetch_state::out_of_range);
                if (p == nullptr) continue;
                auto err = static_cast<error_code>(a.error_code);
                if (err == error_code::none && a.offset < 0) err = error_code::unknown_server_error;
                if (err != error_code::none) {
                    partition_failed(tp, *p, err);
                    continue;
                }
                out_of_range_step step = p->need_leader_start ? out_of_range_by_leader_start(*p->log, offset(a.offset))
                                                              : out_of_range_by_leader_end(*p->log, offset(a.offset));
                p->last_error = error_code::none;
                switch (step.what) {
                    case out_of_range_step::action::need_leader_start:
                        p->need_leader_start = true;
                        continue;
                    case out_of_range_step::action::truncate_to:
                        p->log->truncate_to(step.at);
                        break;
                    case out_of_range_step::action::start_at:
                        p->log->truncate_fully_and_start_at(step.at);
                        break;
                    case out_of_range_step::action::fetch_from:
                        break;
                }
                start_fetching(*p);
            }
        }
        round_done();
    }

    // --- fetch ------------------------------------------------------------

    void send_fetch(const std::vector<topic_partition>& tps) {
        int16_t version = versions_->fetch;
        for (const auto& tp : tps) {
            if (partitions_.at(tp).topic_id.is_zero()) version = std::min(version, last_fetch_version_by_name);
        }
        protocol::fetch_request req;
        if (version >= first_fetch_version_with_replica_state) {
            req.replica_state.replica_id = options_.replica_id.value();
            req.replica_state.replica_epoch = options_.broker_epoch;
        } else {
            req.replica_id = options_.replica_id.value();
        }
        req.max_wait_ms = options_.max_wait_ms;
        req.min_bytes = options_.min_bytes;
        req.max_bytes = options_.max_bytes;
        req.isolation_level = 0;
        req.session_id = 0;
        req.session_epoch = -1;  // a full fetch outside any session
        req.rack_id = options_.rack_id;
        std::map<std::string, size_t> topic_index;
        asked_map asked_for;
        for (const auto& tp : tps) {
            const partition& p = partitions_.at(tp);
            auto [it, fresh] = topic_index.try_emplace(tp.topic, req.topics.size());
            if (fresh) {
                protocol::fetch_request::fetch_topic ft;
                ft.topic = tp.topic;
                ft.topic_id = p.topic_id;
                req.topics.push_back(std::move(ft));
            }
            protocol::fetch_request::fetch_partition fp;
            fp.partition = tp.partition;
            fp.current_leader_epoch = p.current_epoch.value();
            fp.fetch_offset = p.fetch_offset.value();
            fp.last_fetched_epoch = p.log->latest_epoch().value_or(leader_epoch(-1)).value();
            fp.log_start_offset = p.log->log_start_offset().value();
            fp.partition_max_bytes = options_.partition_max_bytes;
            req.topics[it->second].partitions.push_back(fp);
            asked_for.emplace(tp, asked{p.generation, p.fetch_offset});
        }
        protocol::writer w;
        req.encode(w, version);
        send(req.api_key, version, w, std::move(asked_for), &fetcher::on_fetch);
    }

    void on_fetch(protocol::bytes_view body, const asked_map& asked_for, int16_t version) {
        protocol::fetch_response resp;
        protocol::reader r(body);
        resp.decode(r, version);
        if (!r.ok()) return connection_failed("Fetch answer does not decode");
        if (resp.error_code != 0) {
            // The whole request failed (no partition data): back off all.
            for (const auto& [tp, a] : asked_for) {
                if (partition* p = current(tp, asked_for, fetch_state::fetching)) {
                    partition_failed(tp, *p, static_cast<error_code>(resp.error_code));
                }
            }
            return round_done();
        }
        for (const auto& t : resp.responses) {
            const std::string* name = &t.topic;
            if (version > last_fetch_version_by_name) name = topic_name_of(t.topic_id);
            if (name == nullptr) continue;
            for (const auto& pd : t.partitions) {
                topic_partition tp{*name, pd.partition_index};
                partition* p = current(tp, asked_for, fetch_state::fetching);
                if (p == nullptr) continue;
                on_fetched_partition(tp, *p, pd);
            }
        }
        round_done();
    }

    void on_fetched_partition(const topic_partition& tp, partition& p,
                              const protocol::fetch_response::partition_data& pd) {
        auto err = static_cast<error_code>(pd.error_code);
        if (err == error_code::offset_out_of_range) {
            p.state = fetch_state::out_of_range;
            p.need_leader_start = false;
            p.last_error = err;
            return;
        }
        if (err != error_code::none) return partition_failed(tp, p, err);
        if (pd.diverging_epoch.epoch != -1 || pd.diverging_epoch.end_offset != -1) {
            // KIP-320: the leader saw our last fetched epoch end earlier in
            // its log. Truncate as OffsetForLeaderEpoch would have; the next
            // fetch carries the new latest epoch, so a further divergence is
            // reported again.
            truncation_decision d = decide_truncation(
                *p.log, {leader_epoch(pd.diverging_epoch.epoch), offset(pd.diverging_epoch.end_offset)});
            p.log->truncate_to(d.truncate_to);
            p.fetch_offset = p.log->log_end_offset();
            p.last_error = error_code::none;
            return;
        }
        if (auto records = pd.records.contiguous(); records && !records->empty()) {
            if (options_.fetched) options_.fetched(tp, records->size());
            error_code appended = append_fetched(p, *records);
            if (appended != error_code::none) return partition_failed(tp, p, appended);
        } else if (!pd.records.is_null() && pd.records.size() > 0) {
            return partition_failed(tp, p, error_code::corrupt_message);  // not one memory part: cannot be
        }
        p.fetch_offset = p.log->log_end_offset();
        p.last_error = error_code::none;
        p.lag = std::max<int64_t>(0, pd.high_watermark - p.fetch_offset.value());
        // A follower's high watermark is the leader's, capped at what the
        // follower has, and never moves back except by truncation.
        offset hw = std::min(offset(pd.high_watermark), p.log->log_end_offset());
        if (hw > p.log->high_watermark()) p.log->set_high_watermark(hw);
        // The leader's log start, once the follower has committed that far
        // (Kafka refuses a start above the high watermark; it comes again
        // with a later fetch).
        offset leader_start(pd.log_start_offset);
        if (leader_start > p.log->log_start_offset() && leader_start <= p.log->high_watermark()) {
            p.log->advance_log_start(leader_start);
        }
    }

    // Appends the whole batches of a fetched record set; a partial batch at
    // the end (a leader may cut at max bytes) is fetched again next time.
    // Batches wholly before the fetch offset are skipped: a leader answers
    // from the batch holding the offset, which may start below it.
    error_code append_fetched(partition& p, protocol::bytes_view records) {
        protocol::batch_iterator it(records);
        size_t begin = 0;
        size_t end = 0;
        while (auto batch = it.next()) {
            auto header = protocol::read_batch_header(*batch);
            if (!header || header->magic != protocol::current_magic) return error_code::corrupt_message;
            if (end == begin && header->last_offset() < p.fetch_offset.value()) {
                begin = end = it.consumed();
                continue;
            }
            end = it.consumed();
        }
        if (end == begin) return error_code::none;
        return p.log->append_as_is(records.subspan(begin, end - begin));
    }

    // --- shared -----------------------------------------------------------

    // The partition a response entry is for, if it is still as asked.
    partition* current(const topic_partition& tp, const asked_map& asked_for, fetch_state expected) {
        auto a = asked_for.find(tp);
        auto it = partitions_.find(tp);
        if (a == asked_for.end() || it == partitions_.end()) return nullptr;
        partition& p = it->second;
        if (p.generation != a->second.generation || p.state != expected) return nullptr;
        if (expected == fetch_state::fetching && p.fetch_offset != a->second.fetch_offset) return nullptr;
        return &p;
    }

    const std::string* topic_name_of(const protocol::uuid& id) const {
        for (const auto& [tp, p] : partitions_) {
            if (p.topic_id == id) return &tp.topic;
        }
        return nullptr;
    }

    void start_fetching(partition& p) {
        p.state = fetch_state::fetching;
        p.need_leader_start = false;
        p.fetch_offset = p.log->log_end_offset();
    }

    void partition_failed(const topic_partition& tp, partition& p, error_code err) {
        p.last_error = err;
        if (needs_metadata(err)) {
            p.state = fetch_state::paused;
            problems_.emplace_back(tp, err);
            return;
        }
        p.delayed_until = clock::now() + options_.backoff;
    }

    void round_done() {
        in_flight_ = false;
        auto problems = std::move(problems_);
        problems_.clear();
        for (const auto& [tp, err] : problems) {
            if (stopped_) return;
            if (on_problem_) on_problem_(tp, err);
        }
        kick();
    }

    void connection_failed(const std::string& why) {
        last_connection_error_ = why;
        versions_.reset();
        connection_->close();
        connection_retry_at_ = clock::now() + options_.backoff;
        round_done();
    }

    asio::any_io_executor executor_;
    asio::steady_timer timer_;
    options options_;
    problem_fn on_problem_;
    std::shared_ptr<kafka_connection> connection_;
    std::unordered_map<topic_partition, partition> partitions_;
    std::optional<fetcher_versions> versions_;  // known while connected
    std::vector<std::pair<topic_partition, error_code>> problems_;
    std::string last_connection_error_;
    clock::time_point connection_retry_at_{};
    uint64_t next_generation_ = 0;
    uint64_t wait_epoch_ = 0;
    bool in_flight_ = false;
    bool round_queued_ = false;
    bool stopped_ = false;
};

}  // namespace

std::shared_ptr<replica_fetcher> replica_fetcher::create(asio::any_io_executor executor, options opts,
                                                         problem_fn on_problem) {
    return std::make_shared<fetcher>(std::move(executor), std::move(opts), std::move(on_problem));
}

}  // namespace sluice::replication
