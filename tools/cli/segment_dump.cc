#include "tools/cli/segment_dump.h"

#include <fmt/format.h>

#include <filesystem>

#include "log/format.h"
#include "protocol/record_batch.h"
#include "tools/cli/file_input.h"

namespace sluice::tools {

namespace {

// Bytes needed to see a batch's length and magic, and the smallest lengths
// that can be real (same limits the broker's batch_iterator applies).
constexpr size_t prefix_size = 17;
constexpr int32_t min_v2_length = static_cast<int32_t>(protocol::batch_header_size - protocol::batch_log_overhead);
constexpr int32_t min_legacy_length = 14;

int64_t load_be64(const protocol::bytes& b, size_t at) { return static_cast<int64_t>(log::format::load_be64(b.data() + at)); }
int32_t load_be32(const protocol::bytes& b, size_t at) { return static_cast<int32_t>(log::format::load_be32(b.data() + at)); }

// The base offset in a "<20 digits>.<suffix>" name, if it has one.
std::optional<int64_t> base_offset_of(const std::string& path) {
    return log::format::parse_file_stem(std::filesystem::path(path).stem().string());
}

}  // namespace

size_t dump_segment(const std::string& path, const dump_options& options, dump_output& out) {
    file_input file(path);
    out.begin_file(path, "log", base_offset_of(path));

    size_t problems = 0;
    size_t batches = 0;
    std::optional<int64_t> previous_last;
    uint64_t pos = 0;
    protocol::bytes buf;
    while (pos < file.size()) {
        uint64_t left = file.size() - pos;
        if (!file.read_at(pos, prefix_size, buf)) {
            out.problem(fmt::format("truncated batch at position {}: only {} bytes left, a batch header needs {}", pos,
                                    left, protocol::batch_header_size));
            ++problems;
            break;
        }
        int64_t base_offset = load_be64(buf, 0);
        int32_t length = load_be32(buf, 8);
        auto magic = static_cast<int8_t>(buf[16]);
        int32_t min_length = magic == protocol::current_magic ? min_v2_length
                             : magic == 0 || magic == 1       ? min_legacy_length
                                                              : -1;
        if (min_length < 0) {
            out.problem(fmt::format("invalid batch at position {}: unknown magic {} (not a record batch)", pos, magic));
            ++problems;
            break;
        }
        if (length < min_length) {
            out.problem(fmt::format("invalid batch at position {}: batch length {} is below the minimum {}", pos, length,
                                    min_length));
            ++problems;
            break;
        }
        uint64_t total = static_cast<uint64_t>(length) + protocol::batch_log_overhead;
        if (total > left) {
            out.problem(fmt::format("truncated batch at position {}: baseOffset {} needs {} bytes, only {} left", pos,
                                    base_offset, total, left));
            ++problems;
            break;
        }
        if (magic != protocol::current_magic) {
            // Pre-0.11 message sets: Sluice never writes them; show where they are.
            out.legacy_batch(base_offset, pos, total, magic);
            pos += total;
            ++batches;
            continue;
        }
        if (!file.read_at(pos, static_cast<size_t>(total), buf)) {
            out.problem(fmt::format("truncated batch at position {}: file shrank while reading", pos));
            ++problems;
            break;
        }
        auto h = protocol::read_batch_header(buf);
        if (!h) {  // cannot happen after the length checks; keep the one error path anyway
            out.problem(fmt::format("invalid batch at position {}", pos));
            ++problems;
            break;
        }
        bool crc_ok = protocol::check_batch_crc(buf) == protocol::error_code::none;
        if (!crc_ok) ++problems;
        out.batch(*h, pos, total, crc_ok);

        if (options.verify && previous_last && h->base_offset <= *previous_last) {
            out.problem(fmt::format("  offsets go backwards at position {}: baseOffset {} after lastOffset {}", pos,
                                    h->base_offset, *previous_last));
            ++problems;
        }
        previous_last = h->last_offset();
        if (options.records || options.verify) {
            std::vector<protocol::record> records;
            auto ec = protocol::decode_records(buf, records);
            if (ec != protocol::error_code::none) {
                out.problem(fmt::format("| records at position {} cannot be decoded: {}", pos, protocol::error_name(ec)));
                ++problems;
            } else if (options.records) {
                for (const auto& r : records) out.record(*h, r);
            }
        }
        pos += total;
        ++batches;
    }
    if (options.verify) {
        out.verified(batches, "batch(es)", pos, file.size(), problems);
    }
    out.end_file();
    return problems;
}

}  // namespace sluice::tools
