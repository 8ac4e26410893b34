#pragma once
// The live connections: closed together at shutdown, counted by client
// address for max.connections.per.ip, and swept for idle and stalled ones
// (connection_limits.h). A connection removes itself when it closes; the
// registry then tells its owner (the server resumes accepting).
//
// Threading: I/O thread only.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

namespace sluice::broker {

class connection;

class connection_registry {
public:
    void add(const std::shared_ptr<connection>& c, const std::string& ip);
    void remove(connection* c);
    void close_all();
    size_t total() const { return live_.size(); }
    size_t from(const std::string& ip) const;
    // Called after each removal.
    void on_remove(std::function<void()> fn) { on_remove_ = std::move(fn); }
    // Closes those idle or stalled at `now_ms` (steady clock).
    void sweep(int64_t now_ms, int64_t idle_ms, int64_t read_timeout_ms);

private:
    struct entry {
        std::weak_ptr<connection> c;
        std::string ip;
    };
    std::unordered_map<connection*, entry> live_;
    std::unordered_map<std::string, size_t> per_ip_;
    std::function<void()> on_remove_;
};

}  // namespace sluice::broker
