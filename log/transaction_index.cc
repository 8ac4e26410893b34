#include "log/transaction_index.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "log/file_util.h"
#include "log/format.h"

namespace sluice::log::transaction_index {

namespace {

void encode(const aborted_txn& e, uint8_t* out) {
    out[0] = 0;
    out[1] = 0;  // version 0
    format::store_be64(out + 2, static_cast<uint64_t>(e.producer_id));
    format::store_be64(out + 10, static_cast<uint64_t>(e.first_offset));
    format::store_be64(out + 18, static_cast<uint64_t>(e.last_offset));
    format::store_be64(out + 26, static_cast<uint64_t>(e.last_stable_offset));
}

}  // namespace

std::filesystem::path path_for(const std::filesystem::path& dir, int64_t base) {
    return dir / (format::file_stem(base) + std::string(suffix));
}

bool append(const std::filesystem::path& path, const aborted_txn& entry) {
    uint8_t raw[entry_size];
    encode(entry, raw);
    const int fd = file_util::open_file(path, O_WRONLY | O_CREAT | O_APPEND);
    bool ok = fd >= 0;
    for (size_t done = 0; ok && done < sizeof raw;) {
        const ssize_t n = ::write(fd, raw + done, sizeof raw - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<size_t>(n);
    }
    if (fd >= 0) ::close(fd);
    if (!ok) spdlog::error("log: cannot append to {}", path.string());
    return ok;
}

std::optional<std::vector<aborted_txn>> read(const std::filesystem::path& path) {
    std::string bytes;
    if (!file_util::read_small_file(path, bytes)) return std::nullopt;
    std::vector<aborted_txn> out;
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
    for (size_t at = 0; at + entry_size <= bytes.size(); at += entry_size) {
        if (p[at] != 0 || p[at + 1] != 0) return std::nullopt;  // an unknown version
        out.push_back({static_cast<int64_t>(format::load_be64(p + at + 2)),
                       static_cast<int64_t>(format::load_be64(p + at + 10)),
                       static_cast<int64_t>(format::load_be64(p + at + 18)),
                       static_cast<int64_t>(format::load_be64(p + at + 26))});
    }
    return out;
}

bool rewrite(const std::filesystem::path& path, const std::vector<aborted_txn>& entries) {
    if (entries.empty()) {
        std::error_code ec;
        std::filesystem::remove(path, ec);
        return !ec;
    }
    std::string bytes(entries.size() * entry_size, '\0');
    for (size_t i = 0; i < entries.size(); ++i) encode(entries[i], reinterpret_cast<uint8_t*>(bytes.data()) + i * entry_size);
    return file_util::write_atomically(path, bytes);
}

std::vector<int64_t> list(const std::filesystem::path& dir) { return file_util::offset_named_files(dir, suffix); }

}  // namespace sluice::log::transaction_index
