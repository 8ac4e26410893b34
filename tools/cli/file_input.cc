#include "tools/cli/file_input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tools/cli/cli_error.h"

namespace sluice::tools {

file_input::file_input(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw cli_error("cannot open " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) < 0) {
        int e = errno;
        ::close(fd_);
        throw cli_error("cannot stat " + path + ": " + std::strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd_);
        throw cli_error(path + " is not a regular file");
    }
    size_ = static_cast<uint64_t>(st.st_size);
}

file_input::~file_input() {
    if (fd_ >= 0) ::close(fd_);
}

bool file_input::read_at(uint64_t position, size_t n, protocol::bytes& out) const {
    if (position > size_ || n > size_ - position) return false;
    out.resize(n);
    size_t got = 0;
    while (got < n) {
        ssize_t r = ::pread(fd_, out.data() + got, n - got, static_cast<off_t>(position + got));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) throw cli_error("cannot read " + path_ + ": " + std::strerror(errno));
        if (r == 0) return false;  // shrank under us
        got += static_cast<size_t>(r);
    }
    return true;
}

std::string printable(const std::optional<protocol::bytes>& data) {
    if (!data) return "null";
    bool text = true;
    for (uint8_t b : *data) text = text && b >= 0x20 && b < 0x7f;
    if (text) return std::string(data->begin(), data->end());
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "0x";
    for (uint8_t b : *data) {
        out += hex[b >> 4];
        out += hex[b & 0xf];
    }
    return out;
}

}  // namespace sluice::tools
