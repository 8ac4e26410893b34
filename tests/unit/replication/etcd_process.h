#pragma once
// A real etcd (Debian's etcd-server) on free loopback ports in a temp dir,
// for tests of the etcd client. Killed by PID when the fixture goes.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "unit/temp_dir.h"

namespace sluice::replication::testing {

// A port nobody listens on right now (bound to 0, read back, released).
inline int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("no free port");
    }
    int port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

inline bool port_open(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    return ok;
}

class etcd_process {
public:
    etcd_process() : client_port_(free_port()), peer_port_(free_port()) { start(); }
    ~etcd_process() { stop(); }
    etcd_process(const etcd_process&) = delete;
    etcd_process& operator=(const etcd_process&) = delete;

    int client_port() const { return client_port_; }
    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(client_port_); }

    void start() {
        std::string client = endpoint();
        std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
        std::string data = (dir_.path() / "data").string();
        std::string cluster = "test=" + peer;
        std::string log = (dir_.path() / "etcd.log").string();
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            if (std::freopen(log.c_str(), "a", stdout) == nullptr || std::freopen(log.c_str(), "a", stderr) == nullptr) {
                std::_Exit(126);
            }
            ::execlp("etcd", "etcd", "--name", "test", "--data-dir", data.c_str(), "--listen-client-urls",
                     client.c_str(), "--advertise-client-urls", client.c_str(), "--listen-peer-urls", peer.c_str(),
                     "--initial-advertise-peer-urls", peer.c_str(), "--initial-cluster", cluster.c_str(),
                     static_cast<char*>(nullptr));
            std::_Exit(127);
        }
        for (int i = 0; i < 200; ++i) {
            if (port_open(client_port_)) return;
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("etcd exited at start (is etcd-server installed?)");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        throw std::runtime_error("etcd did not open its client port");
    }

    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

private:
    sluice::testing::temp_dir dir_{"sluice-etcd"};
    int client_port_;
    int peer_port_;
    pid_t pid_ = -1;
};

}  // namespace sluice::replication::testing
