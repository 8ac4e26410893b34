#include "log/producer_snapshot.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "log/file_util.h"
#include "log/format.h"
#include "protocol/crc32c.h"

namespace sluice::log::producer_snapshot {

namespace {

constexpr int16_t version = 1;
constexpr size_t header_size = 2 + 4;  // version, crc
constexpr size_t entry_size = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

void put16(std::string& out, uint16_t v) {
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v));
}
void put32(std::string& out, uint32_t v) {
    uint8_t b[4];
    format::store_be32(b, v);
    out.append(reinterpret_cast<const char*>(b), 4);
}
void put64(std::string& out, uint64_t v) {
    uint8_t b[8];
    format::store_be64(b, v);
    out.append(reinterpret_cast<const char*>(b), 8);
}

}  // namespace

std::string encode(const producer_state& state) {
    std::string out;
    out.reserve(header_size + 4 + state.size() * entry_size);
    put16(out, static_cast<uint16_t>(version));
    put32(out, 0);  // crc, filled in below
    put32(out, static_cast<uint32_t>(state.size()));
    for (const auto& [id, e] : state.producers()) {
        const producer_batch last = e.batches.empty() ? producer_batch{} : e.batches.back();
        put64(out, static_cast<uint64_t>(id.value()));
        put16(out, static_cast<uint16_t>(e.epoch.value()));
        put32(out, static_cast<uint32_t>(last.last_sequence));
        put64(out, static_cast<uint64_t>(last.last_offset));
        put32(out, static_cast<uint32_t>(last.offset_delta));
        put64(out, static_cast<uint64_t>(e.last_timestamp));
        put32(out, static_cast<uint32_t>(e.coordinator_epoch));
        put64(out, static_cast<uint64_t>(e.current_txn_first_offset.value_or(-1)));
    }
    const uint32_t crc = protocol::crc32c(out.data() + header_size, out.size() - header_size);
    format::store_be32(reinterpret_cast<uint8_t*>(out.data() + 2), crc);
    return out;
}

std::optional<std::vector<producer_entry>> decode(std::string_view bytes) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
    if (bytes.size() < header_size + 4) return std::nullopt;
    if (static_cast<int16_t>((p[0] << 8) | p[1]) != version) return std::nullopt;
    if (format::load_be32(p + 2) != protocol::crc32c(p + header_size, bytes.size() - header_size)) return std::nullopt;
    const auto count = static_cast<int32_t>(format::load_be32(p + header_size));
    if (count < 0 || bytes.size() != header_size + 4 + static_cast<size_t>(count) * entry_size) return std::nullopt;
    std::vector<producer_entry> out;
    out.reserve(static_cast<size_t>(count));
    const uint8_t* at = p + header_size + 4;
    for (int32_t i = 0; i < count; ++i, at += entry_size) {
        producer_entry e;
        e.id = protocol::producer_id(static_cast<int64_t>(format::load_be64(at)));
        e.epoch = protocol::producer_epoch(static_cast<int16_t>((at[8] << 8) | at[9]));
        producer_batch last;
        last.last_sequence = static_cast<int32_t>(format::load_be32(at + 10));
        last.last_offset = static_cast<int64_t>(format::load_be64(at + 14));
        last.offset_delta = static_cast<int32_t>(format::load_be32(at + 22));
        e.last_timestamp = static_cast<int64_t>(format::load_be64(at + 26));
        e.coordinator_epoch = static_cast<int32_t>(format::load_be32(at + 34));
        const auto txn = static_cast<int64_t>(format::load_be64(at + 38));
        if (txn >= 0) e.current_txn_first_offset = txn;
        last.timestamp = e.last_timestamp;
        if (last.last_sequence >= 0 && last.offset_delta >= 0) {
            // Sequences wrap after INT32_MAX, as in last_sequence_of.
            last.first_sequence = last.last_sequence >= last.offset_delta
                                      ? last.last_sequence - last.offset_delta
                                      : INT32_MAX - (last.offset_delta - last.last_sequence) + 1;
            e.batches.push(last);
        }
        out.push_back(std::move(e));
    }
    return out;
}

std::filesystem::path path_for(const std::filesystem::path& dir, int64_t offset) {
    return dir / (format::file_stem(offset) + std::string(suffix));
}

bool write(const std::filesystem::path& dir, int64_t offset, const producer_state& state) {
    const std::string bytes = encode(state);
    const auto path = path_for(dir, offset);
    const int fd = file_util::open_file(path, O_WRONLY | O_CREAT | O_TRUNC);
    bool ok = fd >= 0 && file_util::pwrite_all(fd, bytes.data(), bytes.size(), 0);
    if (fd >= 0) ::close(fd);
    if (!ok) spdlog::warn("log: cannot write producer snapshot {}", path.string());
    return ok;
}

std::vector<int64_t> list(const std::filesystem::path& dir) {
    std::vector<int64_t> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const auto name = entry.path().filename().string();
        if (name.size() != 20 + suffix.size() || !name.ends_with(suffix)) continue;
        if (auto offset = format::parse_file_stem(std::string_view(name).substr(0, 20))) out.push_back(*offset);
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace sluice::log::producer_snapshot
