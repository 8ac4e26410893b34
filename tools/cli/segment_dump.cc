#include "tools/cli/segment_dump.h"

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

std::string_view codec_name(protocol::compression c) {
    switch (c) {
        case protocol::compression::none: return "none";
        case protocol::compression::gzip: return "gzip";
        case protocol::compression::snappy: return "snappy";
        case protocol::compression::lz4: return "lz4";
        case protocol::compression::zstd: return "zstd";
    }
    return "unknown";
}

int64_t load_be64(const protocol::bytes& b, size_t at) { return static_cast<int64_t>(log::format::load_be64(b.data() + at)); }
int32_t load_be32(const protocol::bytes& b, size_t at) { return static_cast<int32_t>(log::format::load_be32(b.data() + at)); }

// The base offset in a "<20 digits>.<suffix>" name, if it has one.
std::optional<int64_t> base_offset_of(const std::string& path) {
    return log::format::parse_file_stem(std::filesystem::path(path).stem().string());
}

void print_records(const protocol::batch_header& h, const std::vector<protocol::record>& records, std::ostream& out) {
    std::string_view time_type = h.log_append_time() ? "LogAppendTime" : "CreateTime";
    for (const auto& r : records) {
        int64_t sequence = h.base_sequence < 0 ? -1 : h.base_sequence + (r.offset - h.base_offset);
        out << "| offset: " << r.offset << ' ' << time_type << ": " << r.timestamp
            << " keySize: " << (r.key ? static_cast<int64_t>(r.key->size()) : -1)
            << " valueSize: " << (r.value ? static_cast<int64_t>(r.value->size()) : -1) << " sequence: " << sequence
            << " headers: [";
        for (size_t i = 0; i < r.headers.size(); ++i) {
            out << (i ? ", " : "") << printable(protocol::bytes(r.headers[i].first.begin(), r.headers[i].first.end()))
                << '=' << printable(r.headers[i].second);
        }
        out << "] key: " << printable(r.key) << " payload: " << printable(r.value) << '\n';
    }
}

}  // namespace

size_t dump_segment(const std::string& path, const dump_options& options, std::ostream& out) {
    file_input file(path);
    out << "Dumping " << path << '\n';
    if (auto base = base_offset_of(path)) out << "Log starting offset: " << *base << '\n';

    size_t problems = 0;
    size_t batches = 0;
    std::optional<int64_t> previous_last;
    uint64_t pos = 0;
    protocol::bytes buf;
    while (pos < file.size()) {
        uint64_t left = file.size() - pos;
        if (!file.read_at(pos, prefix_size, buf)) {
            out << "truncated batch at position " << pos << ": only " << left << " bytes left, a batch header needs "
                << protocol::batch_header_size << '\n';
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
            out << "invalid batch at position " << pos << ": unknown magic " << int{magic} << " (not a record batch)\n";
            ++problems;
            break;
        }
        if (length < min_length) {
            out << "invalid batch at position " << pos << ": batch length " << length << " is below the minimum "
                << min_length << '\n';
            ++problems;
            break;
        }
        uint64_t total = static_cast<uint64_t>(length) + protocol::batch_log_overhead;
        if (total > left) {
            out << "truncated batch at position " << pos << ": baseOffset " << base_offset << " needs " << total
                << " bytes, only " << left << " left\n";
            ++problems;
            break;
        }
        if (magic != protocol::current_magic) {
            // Pre-0.11 message sets: Sluice never writes them; show where they are.
            out << "baseOffset: " << base_offset << " position: " << pos << " size: " << total << " magic: " << int{magic}
                << " (legacy message set, not decoded)\n";
            pos += total;
            ++batches;
            continue;
        }
        if (!file.read_at(pos, static_cast<size_t>(total), buf)) {
            out << "truncated batch at position " << pos << ": file shrank while reading\n";
            ++problems;
            break;
        }
        auto h = protocol::read_batch_header(buf);
        if (!h) {  // cannot happen after the length checks; keep the one error path anyway
            out << "invalid batch at position " << pos << '\n';
            ++problems;
            break;
        }
        bool crc_ok = protocol::check_batch_crc(buf) == protocol::error_code::none;
        if (!crc_ok) ++problems;
        int64_t last_sequence = h->base_sequence < 0 ? -1 : h->base_sequence + h->last_offset_delta;
        out << "baseOffset: " << h->base_offset << " lastOffset: " << h->last_offset() << " count: " << h->record_count
            << " baseSequence: " << h->base_sequence << " lastSequence: " << last_sequence
            << " producerId: " << h->producer_id << " producerEpoch: " << h->producer_epoch
            << " partitionLeaderEpoch: " << h->partition_leader_epoch
            << " isTransactional: " << (h->is_transactional() ? "true" : "false")
            << " isControl: " << (h->is_control() ? "true" : "false") << " position: " << pos << ' '
            << (h->log_append_time() ? "LogAppendTime" : "CreateTime") << ": " << h->max_timestamp
            << " size: " << total << " magic: " << int{h->magic} << " compresscodec: " << codec_name(h->codec())
            << " crc: " << h->crc << " isvalid: " << (crc_ok ? "true" : "false") << '\n';

        if (options.verify && previous_last && h->base_offset <= *previous_last) {
            out << "  offsets go backwards at position " << pos << ": baseOffset " << h->base_offset
                << " after lastOffset " << *previous_last << '\n';
            ++problems;
        }
        previous_last = h->last_offset();
        if (options.records || options.verify) {
            std::vector<protocol::record> records;
            auto ec = protocol::decode_records(buf, records);
            if (ec != protocol::error_code::none) {
                out << "| records at position " << pos << " cannot be decoded: " << protocol::error_name(ec) << '\n';
                ++problems;
            } else if (options.records) {
                print_records(*h, records, out);
            }
        }
        pos += total;
        ++batches;
    }
    if (options.verify) {
        out << "Verified " << batches << " batch(es) in " << pos << " of " << file.size() << " bytes: "
            << (problems == 0 ? "no problems" : std::to_string(problems) + " problem(s)") << '\n';
    }
    return problems;
}

}  // namespace sluice::tools
