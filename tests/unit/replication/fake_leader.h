#pragma once
// A fake Kafka leader for the fetcher's tests: a TCP server on 127.0.0.1
// that decodes ApiVersions, Fetch, ListOffsets and OffsetForLeaderEpoch with
// the generated codecs and answers them from an in-memory leader log, with
// Kafka's rules for epochs, divergence and offset ranges. Knobs make it drop
// the connection, answer garbage or hold requests unanswered.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "protocol/generated/api_registry.h"
#include "protocol/generated/api_versions.h"
#include "protocol/generated/fetch.h"
#include "protocol/generated/list_offsets.h"
#include "protocol/generated/offset_for_leader_epoch.h"
#include "unit/replication/memory_follower_log.h"

namespace sluice::replication::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

inline const protocol::uuid test_topic_id{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};

class fake_leader {
public:
    struct partition_model {
        memory_log_state log;
        int32_t epoch = 0;  // the leader epoch it leads in
    };

    explicit fake_leader(asio::io_context& io)
        : io_(io), acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        accept();
    }
    ~fake_leader() { close_all(); }

    std::string port() const { return std::to_string(acceptor_.local_endpoint().port()); }
    void close_all() {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        for (auto& s : sessions_)
            s->socket.close(ignored);
    }

    // The leader's partitions of topic "t".
    std::map<int32_t, partition_model> partitions;
    int16_t fetch_max_version = 17;
    // Knobs, by 1-based count of Fetch requests received.
    int drop_on_fetch = 0;                            // hang up instead of answering
    int garbage_on_fetch = 0;                         // answer with a body that does not decode
    bool hold_fetches = false;                        // never answer
    std::chrono::milliseconds empty_fetch_delay{20};  // max.wait stand-in

    // What it saw.
    int connections = 0;
    std::vector<int16_t> api_keys_seen;
    std::vector<protocol::fetch_request> fetches;
    std::vector<int16_t> fetch_versions;
    std::vector<protocol::offset_for_leader_epoch_request> epoch_requests;
    std::vector<protocol::list_offsets_request> list_offsets_requests;
    int diverging_answers = 0;
    int out_of_range_answers = 0;
    int fenced_answers = 0;

    int count(int16_t api_key) const {
        return static_cast<int>(std::count(api_keys_seen.begin(), api_keys_seen.end(), api_key));
    }

private:
    struct session {
        explicit session(tcp::socket s) : socket(std::move(s)) {}
        tcp::socket socket;
        std::array<uint8_t, 4> size{};
        protocol::bytes frame;
    };

    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket s) {
            if (ec) return;
            ++connections;
            auto sess = std::make_shared<session>(std::move(s));
            sessions_.push_back(sess);
            read(sess);
            accept();
        });
    }

    void read(std::shared_ptr<session> s) {
        asio::async_read(s->socket, asio::buffer(s->size), [this, s](boost::system::error_code ec, size_t) {
            if (ec) return;
            uint32_t n =
                (uint32_t{s->size[0]} << 24) | (uint32_t{s->size[1]} << 16) | (uint32_t{s->size[2]} << 8) | s->size[3];
            s->frame.resize(n);
            asio::async_read(s->socket, asio::buffer(s->frame), [this, s](boost::system::error_code ec2, size_t) {
                if (ec2) return;
                handle(s);
            });
        });
    }

    void handle(std::shared_ptr<session> s) {
        protocol::reader r(s->frame);
        int16_t key = r.read_int16();
        int16_t version = r.read_int16();
        int32_t correlation = r.read_int32();
        r.read_nullable_string(false);
        const protocol::api_info* info = protocol::find_api(key);
        bool flexible = info != nullptr && info->is_flexible(version);
        if (flexible) {
            protocol::unknown_tags ignored;
            r.read_tags(ignored, [](uint32_t, protocol::reader&) { return false; });
        }
        ASSERT_TRUE(r.ok());
        api_keys_seen.push_back(key);
        protocol::writer body;
        bool delay = false;
        if (key == protocol::api_versions_request::api_key) {
            answer_api_versions(version, body);
        } else if (key == protocol::fetch_request::api_key) {
            protocol::fetch_request req;
            req.decode(r, version);
            ASSERT_TRUE(r.ok());
            fetches.push_back(req);
            fetch_versions.push_back(version);
            int n = static_cast<int>(fetches.size());
            if (n == drop_on_fetch) {
                s->socket.close();
                return;
            }
            if (hold_fetches) return read(s);
            if (n == garbage_on_fetch) {
                body.write_raw(protocol::bytes{0, 0, 0, 0, 0, 7, 0xFF});
            } else {
                delay = answer_fetch(req, version, body);
            }
        } else if (key == protocol::offset_for_leader_epoch_request::api_key) {
            protocol::offset_for_leader_epoch_request req;
            req.decode(r, version);
            ASSERT_TRUE(r.ok());
            epoch_requests.push_back(req);
            answer_offset_for_leader_epoch(req).encode(body, version);
        } else if (key == protocol::list_offsets_request::api_key) {
            protocol::list_offsets_request req;
            req.decode(r, version);
            ASSERT_TRUE(r.ok());
            list_offsets_requests.push_back(req);
            answer_list_offsets(req).encode(body, version);
        } else {
            FAIL() << "unexpected api key " << key;
        }
        bool tagged = flexible && key != protocol::api_versions_request::api_key;
        auto out = std::make_shared<protocol::bytes>();
        protocol::writer w;
        w.write_int32(static_cast<int32_t>(4 + (tagged ? 1 : 0) + body.buffer().size()));
        w.write_int32(correlation);
        if (tagged) w.write_uvarint(0);
        w.write_raw(body.buffer());
        *out = std::move(w.buffer());
        auto send = [this, s, out] {
            asio::async_write(s->socket, asio::buffer(*out), [out](auto, auto) {});
            read(s);
        };
        if (!delay) return send();
        auto timer = std::make_shared<asio::steady_timer>(io_, empty_fetch_delay);
        timer->async_wait([timer, send](boost::system::error_code ec) {
            if (!ec) send();
        });
    }

    void answer_api_versions(int16_t version, protocol::writer& body) {
        protocol::api_versions_response resp;
        resp.api_keys = {{protocol::fetch_request::api_key, 0, fetch_max_version, {}},
                         {protocol::list_offsets_request::api_key, 0, 10, {}},
                         {protocol::api_versions_request::api_key, 0, 4, {}},
                         {protocol::offset_for_leader_epoch_request::api_key, 0, 4, {}}};
        resp.encode(body, version);
    }

    // The leader's epochs with its current one, as a Kafka leader records it
    // on taking over (and Sluice's OffsetForLeaderEpoch handler adds it).
    static log::leader_epoch_cache epochs_of(const partition_model& m) {
        log::leader_epoch_cache e = m.log.epochs;
        e.assign(m.epoch, m.log.end);
        return e;
    }

    int16_t check_epoch(const partition_model& m, int32_t current) {
        if (current >= 0 && current < m.epoch) {
            ++fenced_answers;
            return protocol::to_wire(protocol::error_code::fenced_leader_epoch);
        }
        if (current > m.epoch) return protocol::to_wire(protocol::error_code::unknown_leader_epoch);
        return 0;
    }

    // Returns true when the answer carries no records (then it is delayed).
    bool answer_fetch(const protocol::fetch_request& req, int16_t version, protocol::writer& body) {
        protocol::fetch_response resp;
        bool any_records = false;
        std::vector<std::shared_ptr<protocol::bytes>> keep;
        for (const auto& t : req.topics) {
            protocol::fetch_response::fetchable_topic_response tr;
            tr.topic = t.topic;
            tr.topic_id = t.topic_id;
            bool known = version >= 13 ? t.topic_id == test_topic_id : t.topic == "t";
            for (const auto& p : t.partitions) {
                protocol::fetch_response::partition_data pd;
                pd.partition_index = p.partition;
                pd.high_watermark = -1;
                auto it = partitions.find(p.partition);
                if (!known || it == partitions.end()) {
                    pd.error_code = protocol::to_wire(protocol::error_code::unknown_topic_or_partition);
                    tr.partitions.push_back(std::move(pd));
                    continue;
                }
                const partition_model& m = it->second;
                pd.error_code = check_epoch(m, p.current_leader_epoch);
                if (pd.error_code == 0 && version >= 12 && p.last_fetched_epoch >= 0) {
                    // Kafka's leader-side divergence check (KIP-320).
                    log::epoch_entry e = epochs_of(m).end_offset_for(p.last_fetched_epoch, m.log.end);
                    if (e.epoch < p.last_fetched_epoch || e.start_offset < p.fetch_offset) {
                        ++diverging_answers;
                        pd.diverging_epoch.epoch = e.epoch;
                        pd.diverging_epoch.end_offset = e.start_offset;
                        pd.high_watermark = m.log.hw;
                        pd.log_start_offset = m.log.start;
                        tr.partitions.push_back(std::move(pd));
                        continue;
                    }
                }
                if (pd.error_code == 0 && (p.fetch_offset < m.log.start || p.fetch_offset > m.log.end)) {
                    ++out_of_range_answers;
                    pd.error_code = protocol::to_wire(protocol::error_code::offset_out_of_range);
                }
                if (pd.error_code != 0) {
                    tr.partitions.push_back(std::move(pd));
                    continue;
                }
                pd.high_watermark = m.log.hw;
                pd.last_stable_offset = m.log.hw;
                pd.log_start_offset = m.log.start;
                auto data = std::make_shared<protocol::bytes>();
                for (const auto& b : m.log.batches) {
                    if (b.last < p.fetch_offset) continue;
                    if (!data->empty() && data->size() + b.data.size() > static_cast<size_t>(p.partition_max_bytes)) {
                        break;
                    }
                    data->insert(data->end(), b.data.begin(), b.data.end());
                }
                any_records = any_records || !data->empty();
                pd.records = protocol::records_field::of_view(*data);
                keep.push_back(data);
                tr.partitions.push_back(std::move(pd));
            }
            resp.responses.push_back(std::move(tr));
        }
        resp.encode(body, version);
        return !any_records;
    }

    protocol::offset_for_leader_epoch_response answer_offset_for_leader_epoch(
        const protocol::offset_for_leader_epoch_request& req) {
        protocol::offset_for_leader_epoch_response resp;
        for (const auto& t : req.topics) {
            protocol::offset_for_leader_epoch_response::offset_for_leader_topic_result tr;
            tr.topic = t.topic;
            for (const auto& p : t.partitions) {
                protocol::offset_for_leader_epoch_response::epoch_end_offset out;
                out.partition = p.partition;
                auto it = partitions.find(p.partition);
                if (t.topic != "t" || it == partitions.end()) {
                    out.error_code = protocol::to_wire(protocol::error_code::unknown_topic_or_partition);
                } else if ((out.error_code = check_epoch(it->second, p.current_leader_epoch)) == 0) {
                    log::epoch_entry e = epochs_of(it->second).end_offset_for(p.leader_epoch, it->second.log.end);
                    out.leader_epoch = e.epoch;
                    out.end_offset = e.start_offset;
                }
                tr.partitions.push_back(out);
            }
            resp.topics.push_back(std::move(tr));
        }
        return resp;
    }

    protocol::list_offsets_response answer_list_offsets(const protocol::list_offsets_request& req) {
        protocol::list_offsets_response resp;
        for (const auto& t : req.topics) {
            protocol::list_offsets_response::list_offsets_topic_response tr;
            tr.name = t.name;
            for (const auto& p : t.partitions) {
                protocol::list_offsets_response::list_offsets_partition_response out;
                out.partition_index = p.partition_index;
                auto it = partitions.find(p.partition_index);
                if (t.name != "t" || it == partitions.end()) {
                    out.error_code = protocol::to_wire(protocol::error_code::unknown_topic_or_partition);
                } else if ((out.error_code = check_epoch(it->second, p.current_leader_epoch)) == 0) {
                    // A follower (replica_id >= 0) is answered the log end,
                    // not the high watermark.
                    out.offset = p.timestamp == -2 ? it->second.log.start : it->second.log.end;
                    out.leader_epoch = it->second.epoch;
                }
                tr.partitions.push_back(out);
            }
            resp.topics.push_back(std::move(tr));
        }
        return resp;
    }

    asio::io_context& io_;
    tcp::acceptor acceptor_;
    std::vector<std::shared_ptr<session>> sessions_;
};

}  // namespace sluice::replication::testing
