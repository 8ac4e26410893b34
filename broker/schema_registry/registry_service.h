#pragma once
// The schema registry a broker serves on schema.registry.listeners: the
// state read from `_schemas`, the REST API (api.h) on its own HTTP
// listener, and the one path by which writes reach the topic.
//
// Reads: before answering, the state catches up with `_schemas` partition 0
// up to its high watermark, so every broker (leader or follower of the
// topic) answers from what is committed, and a restarted broker rebuilds
// everything from the topic. A broker that is no replica of it keeps the
// state by fetching from the leader instead (remote_reader.h).
//
// Writes go through the leader of `_schemas` partition 0 only, one at a
// time: at its turn a write waits until everything in the log is committed,
// catches up, plans its records against that state (so ids, max + 1, are
// assigned from all that was ever written, and two registrations of one
// schema get one id), appends them as an acks=all produce would, waits for
// the commit, catches up again and answers. A broker that is not the leader
// forwards the request to the leader's registry (forwarder.h), found by the
// endpoint named `registry_endpoint_name` in the leader's cluster
// registration, and relays its answer; 50003 when that fails, when the
// leader advertises no registry, or when the request was itself forwarded.
//
// I/O thread only, like the rest of the broker.
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/config/listener.h"
#include "broker/http/router.h"
#include "broker/schema_registry/api.h"
#include "broker/schema_registry/basic_auth.h"
#include "broker/schema_registry/registry_state.h"
#include "broker/schema_registry/remote_reader.h"
#include "protocol/ids.h"

namespace sluice::broker {
class broker;
namespace http {
class http_server;
}
}  // namespace sluice::broker

namespace sluice::broker::schema_registry {

// The name under which a broker registers its registry's address in the
// cluster (alongside its Kafka listeners; no client selects it).
inline constexpr std::string_view registry_endpoint_name = "SLUICE_SCHEMA_REGISTRY";

class registry_service {
public:
    // A request body at most this large (else 413): a schema's record must
    // fit the topic's max.message.bytes.
    static constexpr uint64_t body_limit = 900 * 1024;
    // How long a write waits for `_schemas` to commit it (else 50002).
    static constexpr int32_t commit_timeout_ms = 10'000;
    // How often a write re-checks for `_schemas` while the cluster creates it.
    static constexpr int32_t topic_wait_ms = 50;
    // How long a produce whose schema id missed waits for the remote reader.
    static constexpr int32_t produce_catch_up_wait_ms = 1'500;
    // How long a forwarded write's answer waits for the remote reader to
    // bring the write (a broker that holds no replica of `_schemas`).
    static constexpr int32_t fresh_fetch_wait_ms = 2'000;

    // Binds the listeners; throws naming schema.registry.listeners when one
    // cannot be bound.
    // With `basic_auth`, every request must carry a SCRAM user's name and
    // password (basic_auth.h); else 401.
    registry_service(broker& b, const std::vector<listener>& listeners, std::chrono::milliseconds request_timeout,
                     bool basic_auth = false);
    ~registry_service();
    void stop();
    uint16_t bound_port() const;

    // Applies what `_schemas` holds up to its high watermark beyond what is
    // already applied.
    void catch_up();
    const registry_state& state() const { return state_; }
    // On a broker that keeps its state from the `_schemas` leader (no
    // replica here): whether that is so now, and `done` once a fetch sent
    // from now on is applied (or after `bound`), so a schema-id check that
    // missed can look again (handlers/produce_schema_ids.h).
    bool reads_remotely() const;
    // Whether a schema id this broker does not know may still arrive: it
    // reads remotely, or its own copy of `_schemas` holds records past the
    // high watermark (a follower learns that the leader committed a
    // registration on its next fetch). `after_catch_up` calls `done` once
    // that has happened (a remote fetch applied, or the local high
    // watermark past today's log end), or after `bound`.
    bool may_catch_up() const;
    void after_catch_up(std::chrono::milliseconds bound, std::function<void()> done);

    void handle(std::string_view method, std::string_view target, std::string_view content_type,
                std::string_view authorization, std::string body, http::routes::reply_fn reply);

private:
    struct pending_write {
        planner run;
        http::routes::reply_fn reply;
        std::string method, target, body, authorization;  // to forward it
    };
    // The request once its credentials (if asked for) are good.
    void serve(std::string_view method, std::string_view target, std::string_view content_type,
               std::string authorization, std::string body, http::routes::reply_fn reply);
    // A read on a broker whose remote reader has not caught up: answered
    // once it has, or at `deadline` from what it has.
    void read_when_caught_up(planner run, http::routes::reply_fn reply, std::chrono::steady_clock::time_point deadline);
    void next_write();
    void run_write();
    void finish_write(http::answer a);
    bool ensure_topic();
    void forward_to_leader(std::optional<protocol::node_id> leader);
    // The local side of after_catch_up: re-checks on a short timer.
    void await_local_commit(int64_t target, std::chrono::steady_clock::time_point deadline,
                            std::shared_ptr<std::function<void()>> done);

    broker& b_;
    registry_state state_;
    int64_t next_offset_ = 0;
    std::deque<pending_write> writes_;
    bool writing_ = false;
    boost::asio::steady_timer topic_timer_;
    int32_t topic_waits_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::unique_ptr<http::http_server> http_;
    // Keeps state_ on a broker that holds no replica of `_schemas`.
    std::unique_ptr<remote_reader> remote_;
    std::unique_ptr<basic_authenticator> auth_;  // schema.registry.authentication.method=BASIC
};

}  // namespace sluice::broker::schema_registry
