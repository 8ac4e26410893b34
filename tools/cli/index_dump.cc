// Dumping .index and .timeindex files (layouts in log/format.h).
#include <fmt/format.h>

#include <filesystem>

#include "log/format.h"
#include "protocol/record_batch.h"
#include "tools/cli/cli_error.h"
#include "tools/cli/file_input.h"
#include "tools/cli/segment_dump.h"

namespace sluice::tools {

namespace {

std::optional<int64_t> base_offset_of(const std::string& path) {
    return log::format::parse_file_stem(std::filesystem::path(path).stem().string());
}

// Reads the whole index (they are small: one entry per index.interval.bytes
// of log) and reports a trailing partial entry.
protocol::bytes read_entries(const file_input& file, size_t entry_size, size_t& problems, dump_output& out) {
    uint64_t whole = file.size() - file.size() % entry_size;
    protocol::bytes data;
    if (!file.read_at(0, static_cast<size_t>(whole), data)) throw cli_error("index file shrank while being read");
    if (whole != file.size()) {
        out.problem(fmt::format("truncated entry at position {}: {} trailing byte(s), entries are {} bytes", whole,
                                file.size() - whole, entry_size));
        ++problems;
    }
    return data;
}

// Zero-filled tail: Kafka preallocates index files; an all-zero entry after
// the first can never be real (position 0 / timestamp 0 get no entry).
bool is_zero(const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        if (p[i] != 0) return false;
    }
    return true;
}

}  // namespace

size_t dump_offset_index(const std::string& path, const dump_options& options, dump_output& out) {
    file_input file(path);
    auto base = base_offset_of(path);
    out.begin_file(path, "index", base);
    size_t problems = 0;
    protocol::bytes data = read_entries(file, log::format::offset_index_entry_size, problems, out);

    // With --verify, each entry must point at the start of a batch of the
    // .log next to it whose last offset is the entry's offset.
    std::optional<file_input> log_file;
    if (options.verify) {
        std::filesystem::path log_path = std::filesystem::path(path).replace_extension(".log");
        if (std::filesystem::is_regular_file(log_path)) {
            log_file.emplace(log_path.string());
        } else {
            out.note(fmt::format("(no {} to check the entries against)", log_path.string()));
        }
    }
    size_t entries = 0;
    uint32_t prev_rel = 0;
    uint32_t prev_pos = 0;
    protocol::bytes header;
    for (size_t at = 0; at < data.size(); at += log::format::offset_index_entry_size) {
        const uint8_t* p = data.data() + at;
        if (is_zero(p, log::format::offset_index_entry_size)) {
            out.note(fmt::format("zero-filled from position {} (unused preallocated space)", at));
            break;
        }
        uint32_t rel = log::format::load_be32(p);
        uint32_t position = log::format::load_be32(p + 4);
        int64_t offset = base.value_or(0) + rel;
        out.offset_entry(offset, position);
        ++entries;
        if (!options.verify) continue;
        if (entries > 1 && (rel <= prev_rel || position <= prev_pos)) {
            out.problem(fmt::format("  entry {} does not increase on the previous one", entries - 1));
            ++problems;
        }
        prev_rel = rel;
        prev_pos = position;
        if (log_file) {
            int64_t batch_last = -1;
            bool found = false;
            if (log_file->read_at(position, protocol::batch_header_size, header)) {
                if (auto h = protocol::read_batch_header(header)) {
                    found = true;
                    batch_last = h->last_offset();
                }
            }
            if (!found) {
                out.problem(fmt::format("  no batch at position {} of the .log", position));
                ++problems;
            } else if (batch_last != offset) {
                out.problem(fmt::format("  the batch at position {} ends at offset {}, not {}", position, batch_last, offset));
                ++problems;
            }
        }
    }
    if (options.verify) {
        out.verified(entries, "entries", std::nullopt, file.size(), problems);
    }
    out.end_file();
    return problems;
}

size_t dump_time_index(const std::string& path, const dump_options& options, dump_output& out) {
    file_input file(path);
    auto base = base_offset_of(path);
    out.begin_file(path, "timeindex", base);
    size_t problems = 0;
    protocol::bytes data = read_entries(file, log::format::time_index_entry_size, problems, out);
    size_t entries = 0;
    int64_t prev_ts = 0;
    uint32_t prev_rel = 0;
    for (size_t at = 0; at < data.size(); at += log::format::time_index_entry_size) {
        const uint8_t* p = data.data() + at;
        if (is_zero(p, log::format::time_index_entry_size)) {
            out.note(fmt::format("zero-filled from position {} (unused preallocated space)", at));
            break;
        }
        auto timestamp = static_cast<int64_t>(log::format::load_be64(p));
        uint32_t rel = log::format::load_be32(p + 8);
        out.time_entry(timestamp, base.value_or(0) + rel);
        ++entries;
        // Timestamps only grow; the final entry written at roll may repeat
        // the previous one's offset, so offsets need only not go back.
        if (options.verify && entries > 1 && (timestamp < prev_ts || rel < prev_rel)) {
            out.problem(fmt::format("  entry {} goes backwards from the previous one", entries - 1));
            ++problems;
        }
        prev_ts = timestamp;
        prev_rel = rel;
    }
    if (options.verify) {
        out.verified(entries, "entries", std::nullopt, file.size(), problems);
    }
    out.end_file();
    return problems;
}

size_t dump_file(const std::string& path, const dump_options& options, dump_output& out) {
    std::string_view p = path;
    if (p.ends_with(".timeindex")) return dump_time_index(path, options, out);
    if (p.ends_with(".index")) return dump_offset_index(path, options, out);
    return dump_segment(path, options, out);
}

}  // namespace sluice::tools
