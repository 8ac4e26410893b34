#include "protocol/legacy_message_set.h"

#include <zlib.h>

#include "protocol/compression.h"
#include "protocol/legacy_lz4.h"

namespace sluice::protocol {

namespace {

// Offsets of the fields documented in legacy_message_set.h.
constexpr size_t size_at = 8;
constexpr size_t crc_at = 12;
constexpr size_t magic_at = 16;
constexpr size_t attributes_at = 17;
constexpr size_t timestamp_at = 18;

constexpr uint8_t codec_mask = 0x7;
constexpr uint8_t log_append_time_bit = 0x8;

// One whole message: its bytes, log overhead included.
struct message {
    bytes_view raw;
    int64_t offset() const { return load(0, 8); }
    int8_t magic() const { return static_cast<int8_t>(raw[magic_at]); }
    uint8_t attributes() const { return raw[attributes_at]; }
    uint8_t codec() const { return attributes() & codec_mask; }

    int64_t load(size_t at, size_t n) const {
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i)
            v = (v << 8) | raw[at + i];
        return static_cast<int64_t>(v);
    }
};

// Splits a set into whole messages, as Kafka's log input streams do: a
// message cut short at the end ends the set; a size below the smallest
// message is corruption.
class message_iterator {
public:
    explicit message_iterator(bytes_view data) : data_(data) {}

    // nullopt at the end; `error` is set when the set is corrupt there.
    std::optional<message> next(error_code& error) {
        const size_t left = data_.size() - pos_;
        if (left < legacy_log_overhead) return std::nullopt;
        auto size = static_cast<int32_t>(message{data_.subspan(pos_, legacy_log_overhead)}.load(size_at, 4));
        if (size < legacy_min_message_size) {
            error = error_code::corrupt_message;
            return std::nullopt;
        }
        const size_t whole = legacy_log_overhead + static_cast<size_t>(size);
        if (left < whole) return std::nullopt;
        message m{data_.subspan(pos_, whole)};
        pos_ += whole;
        return m;
    }

private:
    bytes_view data_;
    size_t pos_ = 0;
};

bool crc_matches(const message& m) {
    const uint8_t* from = m.raw.data() + magic_at;
    const auto stored = static_cast<uint32_t>(m.load(crc_at, 4));
    return static_cast<uint32_t>(crc32(0L, from, static_cast<uInt>(m.raw.size() - magic_at))) == stored;
}

// Key and value of a message whose frame and magic were checked.
error_code read_key_value(const message& m, legacy_entry& e) {
    reader r(m.raw.subspan(m.magic() == 0 ? timestamp_at : timestamp_at + 8));
    for (std::optional<bytes_view>* field : {&e.key, &e.value}) {
        int32_t n = r.read_int32();
        if (!r.ok() || n < -1) return error_code::corrupt_message;
        if (n == -1) {
            field->reset();
        } else {
            *field = r.read_raw(static_cast<size_t>(n));
        }
    }
    // Kafka reads the value to its stated length; bytes after it are not
    // covered by anything it checks but are part of the CRC, so they pass.
    return r.ok() ? error_code::none : error_code::corrupt_message;
}

int64_t timestamp_of(const message& m) { return m.magic() == 0 ? -1 : m.load(timestamp_at, 8); }

error_code decompress_wrapper(const message& wrapper, bytes_view value, compression codec, bytes& out) {
    if (codec != compression::lz4 || wrapper.magic() != 0) {
        return decompress(codec, value, out, max_decompressed_batch_size);
    }
    bytes fixed(value.begin(), value.end());
    fix_kafka_v0_lz4_header_checksum(fixed);
    return decompress(codec, fixed, out, max_decompressed_batch_size);
}

// The messages inside one wrapper (Kafka's deep iterator, then the checks
// its LogValidator makes on each inner record).
error_code read_wrapper(const message& wrapper, legacy_set& out) {
    if (out.codec == compression::zstd) return error_code::invalid_record;  // never in a legacy message
    legacy_entry outer;
    if (error_code e = read_key_value(wrapper, outer); e != error_code::none) return e;
    if (!outer.value) return error_code::invalid_record;
    if (error_code e = decompress_wrapper(wrapper, *outer.value, out.codec, out.inner); e != error_code::none) {
        return e;
    }
    std::vector<message> inner;
    message_iterator it(out.inner);
    error_code framing = error_code::none;
    while (auto m = it.next(framing))
        inner.push_back(*m);
    if (framing != error_code::none) return framing;
    if (inner.empty()) return error_code::invalid_record;
    if (wrapper.magic() == 1 && wrapper.offset() != 0 && wrapper.offset() < inner.back().offset()) {
        return error_code::invalid_record;
    }
    const bool wrapper_log_append_time = wrapper.magic() == 1 && (wrapper.attributes() & log_append_time_bit) != 0;
    // Records that break a rule are all found before the set is refused;
    // a bad CRC refuses it at once (Kafka throws there).
    error_code refused = error_code::none;
    for (const message& m : inner) {
        if (m.codec() != 0) return error_code::invalid_record;
        if (m.magic() != wrapper.magic()) {
            refused = error_code::invalid_record;
            continue;
        }
        if (!crc_matches(m)) return error_code::corrupt_message;
        legacy_entry e;
        if (error_code k = read_key_value(m, e); k != error_code::none) return k;
        e.log_append_time = wrapper_log_append_time;
        e.timestamp = wrapper_log_append_time ? timestamp_of(wrapper) : timestamp_of(m);
        out.entries.push_back(e);
    }
    return refused;
}

}  // namespace

error_code read_legacy_message_set(bytes_view set, int32_t max_message_bytes, legacy_set& out) {
    out = legacy_set{};
    // Kafka's first pass (UnifiedLog.analyzeAndValidateRecords): each
    // message's size, then its CRC; the last compressed one names the codec.
    std::vector<message> outer;
    message_iterator it(set);
    error_code framing = error_code::none;
    uint8_t codec = 0;
    while (auto m = it.next(framing)) {
        if (m->raw.size() > static_cast<size_t>(max_message_bytes)) return error_code::message_too_large;
        const int8_t magic = m->magic();
        if (magic == current_magic) {
            // A v2 batch after legacy messages: Kafka checks its own CRC
            // first, then refuses the mix.
            return check_batch_crc(m->raw) == error_code::none ? error_code::invalid_record
                                                               : error_code::corrupt_message;
        }
        if (magic != 0 && magic != 1) return error_code::corrupt_message;
        if (!crc_matches(*m)) return error_code::corrupt_message;
        if (m->codec() != 0) codec = m->codec();
        outer.push_back(*m);
    }
    if (framing != error_code::none) return framing;
    if (outer.empty()) return error_code::corrupt_message;
    if (codec > static_cast<uint8_t>(compression::zstd)) return error_code::unsupported_compression_type;

    // Then its LogValidator: one magic, and a compressed set is one wrapper.
    out.magic = outer.front().magic();
    out.codec = static_cast<compression>(codec);
    for (const message& m : outer) {
        if (m.magic() != out.magic) return error_code::invalid_record;
    }
    if (out.codec != compression::none) {
        if (outer.size() != 1) return error_code::invalid_record;
        return read_wrapper(outer.front(), out);
    }
    out.entries.reserve(outer.size());
    for (const message& m : outer) {
        legacy_entry e;
        if (error_code k = read_key_value(m, e); k != error_code::none) return k;
        e.timestamp = timestamp_of(m);
        e.log_append_time = m.magic() == 1 && (m.attributes() & log_append_time_bit) != 0;
        out.entries.push_back(e);
    }
    return error_code::none;
}

}  // namespace sluice::protocol
