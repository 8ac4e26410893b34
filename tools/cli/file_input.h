#pragma once
// Read-only access to a file that may be garbage: bounded positional reads
// that report short reads instead of trusting the file's claimed sizes.
#include <cstdint>
#include <optional>
#include <string>

#include "protocol/wire.h"

namespace sluice::tools {

class file_input {
public:
    // Throws cli_error when the file cannot be opened or is not a regular file.
    explicit file_input(const std::string& path);
    ~file_input();
    file_input(const file_input&) = delete;
    file_input& operator=(const file_input&) = delete;

    uint64_t size() const { return size_; }
    // Reads exactly `n` bytes at `position` into `out` (resized); false when
    // the file ends first. Throws cli_error on an I/O error.
    bool read_at(uint64_t position, size_t n, protocol::bytes& out) const;

private:
    std::string path_;
    int fd_ = -1;
    uint64_t size_ = 0;
};

// "plain text" when every byte is printable ASCII, otherwise "0x" + hex;
// "null" for an absent key or value.
std::string printable(const std::optional<protocol::bytes>& data);

}  // namespace sluice::tools
