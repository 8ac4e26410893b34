#pragma once
// This broker's presence in the cluster: <prefix>/brokers/<node.id> under a
// lease of metadata.etcd.session.timeout.ms, kept alive every third of it.
//
// A node.id already registered by a broker at other endpoints is refused
// (two live brokers with one id). One registered at this broker's own
// endpoints is a crashed predecessor (this process holds those ports now),
// so registration waits for its lease to run out instead.
//
// If etcd is unreachable the broker keeps going and keeps trying; if the
// lease expired meanwhile, etcd has dropped the broker (on_session_lost) and
// it registers again under a new lease (on_registered).
//
// Threading: everything on the executor given; callbacks run there.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "replication/broker_info.h"
#include "replication/cluster_keys.h"
#include "replication/etcd/etcd_client.h"

namespace sluice::replication {

class broker_registration {
public:
    struct settings {
        cluster_keys keys{"/sluice"};
        broker_info self;
        std::chrono::milliseconds session_timeout{6000};
        std::chrono::milliseconds retry_backoff{500};
    };
    struct callbacks {
        std::function<void(int64_t lease)> on_registered;  // each (re)registration
        std::function<void()> on_session_lost;
    };

    broker_registration(boost::asio::any_io_executor executor, etcd::client& client, settings s, callbacks cb);
    ~broker_registration();

    // Registers, retrying while etcd is unreachable; `done` gets nullopt once
    // registered, or the reason it never will be (a live duplicate node.id).
    void start(std::function<void(std::optional<std::string> refusal)> done);
    // Revokes the lease so the cluster sees this broker go at once.
    void stop(std::function<void()> done);
    // Controlled shutdown: rewrites the registration (same key, same lease)
    // with controlled_shutdown set, so the controller moves this broker's
    // leaderships away. `done(true)` once etcd holds it; false when not
    // registered now or the write failed (a later registration carries the
    // flag anyway).
    void announce_controlled_shutdown(std::function<void(bool written)> done);

    bool registered() const { return registered_; }
    int64_t lease() const { return lease_; }

private:
    void attempt();
    void on_lease(int64_t lease);
    void schedule_keepalive();
    void keepalive();
    void retry_later();

    struct timers;
    boost::asio::any_io_executor executor_;
    etcd::client& client_;
    settings settings_;
    callbacks callbacks_;
    std::unique_ptr<timers> timers_;
    std::function<void(std::optional<std::string>)> start_done_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    int64_t lease_ = 0;
    bool registered_ = false;
    bool stopped_ = false;
    bool warned_waiting_ = false;
};

}  // namespace sluice::replication
