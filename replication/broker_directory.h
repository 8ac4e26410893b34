#pragma once
// The live brokers: <prefix>/brokers/ listed once, then watched. A broker is
// live exactly while its registration key exists (its lease is alive).
//
// When the watch ends (etcd unreachable) the last known set stays as it is
// — nothing is declared dead because etcd is away — and the directory lists
// and watches again until it succeeds.
//
// Threading: everything on the executor given; callbacks run there.
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "replication/broker_info.h"
#include "replication/cluster_keys.h"
#include "replication/etcd/etcd_client.h"

namespace sluice::replication {

class broker_directory {
public:
    using brokers = std::map<int32_t, broker_info>;

    broker_directory(boost::asio::any_io_executor executor, etcd::client& client, cluster_keys keys,
                     std::function<void(const brokers&)> on_change,
                     std::chrono::milliseconds retry_backoff = std::chrono::milliseconds(500));
    ~broker_directory();

    void start();
    void stop();

    const brokers& live() const { return live_; }
    bool loaded() const { return loaded_; }

private:
    void list();
    void watch_from(int64_t revision);
    void retry_later();
    std::optional<int32_t> node_of(const std::string& key) const;

    struct state;
    boost::asio::any_io_executor executor_;
    etcd::client& client_;
    cluster_keys keys_;
    std::function<void(const brokers&)> on_change_;
    std::chrono::milliseconds retry_backoff_;
    std::unique_ptr<state> state_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    brokers live_;
    bool loaded_ = false;
    bool stopped_ = false;
};

// The brokers that may take a leadership: live and not in controlled
// shutdown (KRaft's isAcceptableLeader), whoever elects — the controller or
// an ElectLeaders request.
std::set<int32_t> leader_candidates(const broker_directory::brokers& live);

}  // namespace sluice::replication
