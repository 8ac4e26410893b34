#include "protocol/record_batch.h"

#include <algorithm>
#include <type_traits>

#include "protocol/compression.h"
#include "protocol/crc32c.h"

namespace sluice::protocol {

namespace {

// Offsets of the fields documented in record_batch.h.
constexpr size_t length_at = 8;
constexpr size_t epoch_at = 12;
constexpr size_t magic_at = 16;
constexpr size_t crc_at = 17;
constexpr size_t attributes_at = 21;
constexpr size_t max_timestamp_at = 35;
constexpr size_t after_max_timestamp = 43;

// Smallest record: length, attributes, timestamp delta, offset delta, key,
// value and header count, one byte each.
constexpr size_t min_record_size = 7;
// Smallest legacy (magic 0) message after its size field: crc, magic,
// attributes, key length, value length.
constexpr int32_t min_legacy_message_size = 14;

// Byte loops rather than std::byteswap (C++23); compilers emit one bswap.
template <typename T>
T load_be(const uint8_t* p) {
    std::make_unsigned_t<T> v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v = static_cast<decltype(v)>((v << 8) | p[i]);
    return static_cast<T>(v);
}

template <typename T>
void store_be(uint8_t* p, T value) {
    auto v = static_cast<std::make_unsigned_t<T>>(value);
    for (size_t i = sizeof(T); i-- > 0; v = static_cast<decltype(v)>(v >> 8)) p[i] = static_cast<uint8_t>(v);
}

// Size, magic and length checks shared by every entry point. The view must
// be exactly one batch: trailing bytes are an error, as everywhere else.
error_code check_frame(bytes_view batch, batch_header& header) {
    if (batch.size() <= magic_at) return error_code::corrupt_message;
    auto magic = static_cast<int8_t>(batch[magic_at]);
    // Only record batch v2 is accepted; converting old message sets is not
    // worth it for clients that all speak v2 since Kafka 0.11.
    if (magic == 0 || magic == 1) return error_code::unsupported_for_message_format;
    if (magic != current_magic) return error_code::corrupt_message;
    auto h = read_batch_header(batch);
    if (!h || h->batch_length < 0 || h->total_size() != batch.size()) return error_code::corrupt_message;
    header = *h;
    return error_code::none;
}

bool crc_matches(bytes_view batch, const batch_header& header) {
    return crc32c(batch.data() + attributes_at, batch.size() - attributes_at) == header.crc;
}

// One record's fields as views into the batch; parsing allocates nothing.
struct record_fields {
    int64_t timestamp_delta = 0;
    int32_t offset_delta = 0;
    std::optional<bytes_view> key;
    std::optional<bytes_view> value;
    int32_t header_count = 0;
    bytes_view headers;
    bytes_view encoded;  // the whole record, length varint included (for visit_records)
};

bool read_nullable(reader& r, std::optional<bytes_view>& out) {
    int32_t n = r.read_varint();
    if (!r.ok() || n < -1) return false;
    if (n == -1) {
        out.reset();
    } else {
        out = r.read_raw(static_cast<size_t>(n));
    }
    return r.ok();
}

// Walks `count` headers; called once to check and again to decode.
template <typename OnHeader>
error_code walk_headers(bytes_view data, int32_t count, OnHeader&& on_header) {
    reader r(data);
    for (int32_t i = 0; i < count; ++i) {
        int32_t key_length = r.read_varint();
        if (!r.ok() || key_length < -1) return error_code::corrupt_message;
        if (key_length == -1) return error_code::invalid_record;  // header keys are never null
        bytes_view key = r.read_raw(static_cast<size_t>(key_length));
        std::optional<bytes_view> value;
        if (!r.ok() || !read_nullable(r, value)) return error_code::corrupt_message;
        on_header(key, value);
    }
    // Bytes left over mean the record's length and its contents disagree.
    return r.at_end() ? error_code::none : error_code::corrupt_message;
}

error_code parse_record(reader& r, record_fields& f) {
    const uint8_t* start = r.read_raw(0).data();  // where this record begins
    const size_t before = r.remaining();
    int32_t length = r.read_varint();
    if (!r.ok() || length < 0 || static_cast<size_t>(length) > r.remaining()) return error_code::corrupt_message;
    reader body(r.read_raw(static_cast<size_t>(length)));
    f.encoded = bytes_view(start, before - r.remaining());
    (void)body.read_int8();  // record attributes: unused in v2
    f.timestamp_delta = body.read_varlong();
    f.offset_delta = body.read_varint();
    if (!read_nullable(body, f.key) || !read_nullable(body, f.value)) return error_code::corrupt_message;
    f.header_count = body.read_varint();
    // A header takes at least two bytes (key length, value length).
    if (!body.ok() || f.header_count < 0 || static_cast<size_t>(f.header_count) > body.remaining() / 2) {
        return error_code::corrupt_message;
    }
    f.headers = body.read_raw(body.remaining());
    return walk_headers(f.headers, f.header_count, [](bytes_view, const std::optional<bytes_view>&) {});
}

// Walks the records section: exactly `count` records filling it exactly.
// `producer_rules` adds the check that offset deltas run 0..count-1: a gap
// is refused, or with `facts` only recorded there (with the largest
// timestamp delta), as Kafka's LogValidator accepts gaps and rewrites.
template <typename OnRecord>
error_code walk_records(bytes_view data, int32_t count, bool producer_rules, record_facts* facts,
                        OnRecord&& on_record) {
    if (static_cast<size_t>(count) > data.size() / min_record_size) return error_code::corrupt_message;
    reader r(data);
    record_fields f;
    int64_t max_delta = INT64_MIN;
    int64_t min_delta = INT64_MAX;
    int32_t header_counts = 0;  // OR of every record's: nonzero when any has one
    for (int32_t i = 0; i < count; ++i) {
        if (auto ec = parse_record(r, f); ec != error_code::none) return ec;
        header_counts |= f.header_count;
        if (producer_rules && f.offset_delta != i) {
            if (facts == nullptr) return error_code::invalid_record;
            facts->offsets_consecutive = false;
        }
        max_delta = std::max(max_delta, f.timestamp_delta);
        min_delta = std::min(min_delta, f.timestamp_delta);
        on_record(f);
    }
    if (facts != nullptr) {
        facts->max_timestamp_delta = max_delta;
        facts->min_timestamp_delta = min_delta;
        facts->any_headers = header_counts != 0;
    }
    return r.at_end() ? error_code::none : error_code::corrupt_message;
}

// Decompression buffer reused by each thread; given back when one batch made
// it large, so an idle thread does not pin up to 64 MiB.
constexpr size_t scratch_keep_limit = size_t{4} << 20;

struct scratch_release {
    bytes& buffer;
    ~scratch_release() {
        if (buffer.capacity() > scratch_keep_limit) bytes().swap(buffer);
    }
};

bytes& scratch_buffer() {
    thread_local bytes buffer;
    return buffer;
}

// The header checks after the frame and CRC, shared by validate and decode.
error_code check_counts(const batch_header& h, bool producer_rules) {
    if ((h.attributes & 0x7) > static_cast<int>(compression::zstd)) return error_code::unsupported_compression_type;
    if (h.record_count < 0) return error_code::invalid_record;
    if (!producer_rules) return error_code::none;
    // Kafka leaves an emptied batch's last offset delta alone when the
    // cleaner drops its records, so only non-empty batches must agree.
    if (h.record_count == 0) return h.last_offset_delta >= 0 ? error_code::none : error_code::invalid_record;
    return h.last_offset_delta == h.record_count - 1 ? error_code::none : error_code::invalid_record;
}

template <typename OnRecord>
error_code walk_batch(bytes_view batch, const batch_header& h, bool producer_rules, OnRecord&& on_record,
                      record_facts* facts = nullptr) {
    bytes_view payload = batch.subspan(batch_header_size);
    if (h.codec() == compression::none) {
        return walk_records(payload, h.record_count, producer_rules, facts, on_record);
    }
    bytes& scratch = scratch_buffer();
    scratch_release release{scratch};
    size_t size = 0;
    if (auto ec = decompress_into(h.codec(), payload, scratch, max_decompressed_batch_size, size);
        ec != error_code::none) {
        return ec;
    }
    return walk_records(bytes_view(scratch.data(), size), h.record_count, producer_rules, facts, on_record);
}

// A record's offset or timestamp: the batch's base plus the record's delta,
// wrapping as Kafka's Java longs do. Both come from the wire unchecked, and
// signed overflow is undefined in C++ (found by tests/fuzz/record_batch).
int64_t add_delta(int64_t base, int64_t delta) {
    return static_cast<int64_t>(static_cast<uint64_t>(base) + static_cast<uint64_t>(delta));
}

void fill_view(const batch_header& h, const record_fields& f, record_view& view) {
    view.offset = add_delta(h.base_offset, f.offset_delta);
    // With LogAppendTime the broker's time in max_timestamp is every record's.
    view.timestamp = h.log_append_time() ? h.max_timestamp : add_delta(h.base_timestamp, f.timestamp_delta);
    view.key = f.key;
    view.value = f.value;
    view.header_count = f.header_count;
    view.headers = f.headers;
    view.encoded = f.encoded;
}

size_t varint_size(int32_t v) { return uvarint_size((static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31)); }
size_t varlong_size(int64_t v) { return uvarint_size((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }

size_t nullable_size(const std::optional<bytes>& v) {
    return v ? varint_size(static_cast<int32_t>(v->size())) + v->size() : 1;
}

void write_nullable(writer& w, const std::optional<bytes>& v) {
    if (!v) {
        w.write_varint(-1);
        return;
    }
    w.write_varint(static_cast<int32_t>(v->size()));
    w.write_raw(*v);
}

void write_record(writer& w, const record& rec, int64_t base_offset, int64_t base_timestamp) {
    // Wrapping, as add_delta reads it back: a legacy producer's magic 1
    // timestamps are any int64 (found by tests/fuzz/legacy_message_set).
    auto timestamp_delta = static_cast<int64_t>(static_cast<uint64_t>(rec.timestamp) - static_cast<uint64_t>(base_timestamp));
    auto offset_delta = static_cast<int32_t>(rec.offset - base_offset);
    size_t size = 1 + varlong_size(timestamp_delta) + varint_size(offset_delta) + nullable_size(rec.key) +
                  nullable_size(rec.value) + varint_size(static_cast<int32_t>(rec.headers.size()));
    for (const auto& [key, value] : rec.headers) {
        size += varint_size(static_cast<int32_t>(key.size())) + key.size() + nullable_size(value);
    }
    w.write_varint(static_cast<int32_t>(size));
    w.write_int8(0);
    w.write_varlong(timestamp_delta);
    w.write_varint(offset_delta);
    write_nullable(w, rec.key);
    write_nullable(w, rec.value);
    w.write_varint(static_cast<int32_t>(rec.headers.size()));
    for (const auto& [key, value] : rec.headers) {
        w.write_varint(static_cast<int32_t>(key.size()));
        w.write_raw({reinterpret_cast<const uint8_t*>(key.data()), key.size()});
        write_nullable(w, value);
    }
}

}  // namespace

std::optional<batch_header> read_batch_header(bytes_view data) {
    if (data.size() < batch_header_size) return std::nullopt;
    reader r(data.first(batch_header_size));
    batch_header h;
    h.base_offset = r.read_int64();
    h.batch_length = r.read_int32();
    h.partition_leader_epoch = r.read_int32();
    h.magic = r.read_int8();
    h.crc = r.read_uint32();
    h.attributes = r.read_int16();
    h.last_offset_delta = r.read_int32();
    h.base_timestamp = r.read_int64();
    h.max_timestamp = r.read_int64();
    h.producer_id = r.read_int64();
    h.producer_epoch = r.read_int16();
    h.base_sequence = r.read_int32();
    h.record_count = r.read_int32();
    return h;
}

error_code validate_batch(bytes_view batch) {
    batch_header h;
    if (auto ec = check_frame(batch, h); ec != error_code::none) return ec;
    if (!crc_matches(batch, h)) return error_code::corrupt_message;
    if (auto ec = check_counts(h, true); ec != error_code::none) return ec;
    return walk_batch(batch, h, true, [](const record_fields&) {});
}

error_code validate_batch(bytes_view batch, record_facts& facts) {
    batch_header h;
    if (auto ec = check_frame(batch, h); ec != error_code::none) return ec;
    if (!crc_matches(batch, h)) return error_code::corrupt_message;
    if (auto ec = check_counts(h, true); ec != error_code::none) return ec;
    return walk_batch(batch, h, true, [](const record_fields&) {}, &facts);
}

error_code validate_batch(bytes_view batch, record_facts& facts, record_callback callback, void* context) {
    batch_header h;
    if (auto ec = check_frame(batch, h); ec != error_code::none) return ec;
    if (!crc_matches(batch, h)) return error_code::corrupt_message;
    if (auto ec = check_counts(h, true); ec != error_code::none) return ec;
    record_view view;
    return walk_batch(
        batch, h, true,
        [&](const record_fields& f) {
            fill_view(h, f, view);
            callback(context, view);
        },
        &facts);
}

void set_max_timestamp(uint8_t* batch, size_t size, int64_t max_timestamp) {
    if (size < batch_header_size) return;
    // As set_log_append_time: the CRC is patched for the edited bytes.
    constexpr size_t edited = after_max_timestamp - attributes_at;
    uint32_t before = crc32c(batch + attributes_at, edited);
    store_be(batch + max_timestamp_at, max_timestamp);
    uint32_t after = crc32c(batch + attributes_at, edited);
    uint32_t delta = crc32c_combine(before ^ after, 0, size - after_max_timestamp);
    store_be(batch + crc_at, load_be<uint32_t>(batch + crc_at) ^ delta);
}

error_code rebuild_batch(bytes_view batch, compression codec, bytes& out) {
    auto h = read_batch_header(batch);
    if (!h) return error_code::corrupt_message;
    std::vector<record> records;
    if (auto ec = decode_records(batch, records); ec != error_code::none) return ec;
    for (size_t i = 0; i < records.size(); ++i) records[i].offset = h->base_offset + static_cast<int64_t>(i);
    out = build_batch(records, {.base_offset = h->base_offset,
                                .codec = codec,
                                .producer_id = h->producer_id,
                                .producer_epoch = h->producer_epoch,
                                .base_sequence = h->base_sequence,
                                .transactional = h->is_transactional(),
                                .partition_leader_epoch = h->partition_leader_epoch});
    return out.empty() ? error_code::unknown_server_error : error_code::none;
}

error_code validate_batch_header(bytes_view batch) {
    batch_header h;
    if (auto ec = check_frame(batch, h); ec != error_code::none) return ec;
    if (!crc_matches(batch, h)) return error_code::corrupt_message;
    return check_counts(h, true);
}

error_code check_batch_crc(bytes_view batch) {
    batch_header h;
    if (auto ec = check_frame(batch, h); ec != error_code::none) return ec;
    return crc_matches(batch, h) ? error_code::none : error_code::corrupt_message;
}

void set_base_offset(uint8_t* batch, int64_t base_offset) { store_be(batch, base_offset); }

void set_partition_leader_epoch(uint8_t* batch, int32_t epoch) { store_be(batch + epoch_at, epoch); }

void set_log_append_time(uint8_t* batch, size_t size, int64_t now_ms) {
    if (size < batch_header_size) return;
    // Only bytes 21..43 change, so the CRC is patched in O(log size) rather
    // than recomputed: crc(A'||B) = crc(A||B) ^ shift(crc(A) ^ crc(A'), |B|).
    // A batch that was already corrupt stays detectably corrupt.
    constexpr size_t edited = after_max_timestamp - attributes_at;
    uint32_t before = crc32c(batch + attributes_at, edited);
    store_be(batch + attributes_at, static_cast<int16_t>(load_be<int16_t>(batch + attributes_at) | 0x8));
    store_be(batch + max_timestamp_at, now_ms);
    uint32_t after = crc32c(batch + attributes_at, edited);
    uint32_t delta = crc32c_combine(before ^ after, 0, size - after_max_timestamp);
    store_be(batch + crc_at, load_be<uint32_t>(batch + crc_at) ^ delta);
}

std::optional<bytes_view> batch_iterator::next() {
    bytes_view rest = data_.subspan(pos_);
    if (rest.size() <= magic_at) return std::nullopt;
    auto length = load_be<int32_t>(rest.data() + length_at);
    auto magic = static_cast<int8_t>(rest[magic_at]);
    int32_t min_length = magic == current_magic ? static_cast<int32_t>(batch_header_size - batch_log_overhead)
                         : magic == 0 || magic == 1 ? min_legacy_message_size
                                                    : -1;
    if (min_length < 0 || length < min_length) return std::nullopt;  // garbled
    size_t total = static_cast<size_t>(length) + batch_log_overhead;
    if (total > rest.size()) return std::nullopt;  // incomplete
    pos_ += total;
    return rest.first(total);
}

error_code decode_records(bytes_view batch, std::vector<record>& out) {
    batch_header h;
    if (auto ec = check_frame(batch, h); ec != error_code::none) return ec;
    if (auto ec = check_counts(h, false); ec != error_code::none) return ec;
    size_t first = out.size();
    out.reserve(first + std::min<size_t>(static_cast<size_t>(h.record_count), batch.size() / min_record_size));
    auto to_bytes = [](const std::optional<bytes_view>& v) -> std::optional<bytes> {
        if (!v) return std::nullopt;
        return bytes(v->begin(), v->end());
    };
    auto ec = walk_batch(batch, h, false, [&](const record_fields& f) {
        record& rec = out.emplace_back();
        rec.offset = add_delta(h.base_offset, f.offset_delta);
        // With LogAppendTime the broker's time in max_timestamp is every record's.
        rec.timestamp = h.log_append_time() ? h.max_timestamp : add_delta(h.base_timestamp, f.timestamp_delta);
        rec.key = to_bytes(f.key);
        rec.value = to_bytes(f.value);
        rec.headers.reserve(static_cast<size_t>(f.header_count));
        (void)walk_headers(f.headers, f.header_count, [&](bytes_view key, const std::optional<bytes_view>& value) {
            rec.headers.emplace_back(std::string(key.begin(), key.end()), to_bytes(value));
        });
    });
    if (ec != error_code::none) out.resize(first);
    return ec;
}

error_code visit_records(bytes_view batch, record_callback callback, void* context) {
    batch_header h;
    if (auto ec = check_frame(batch, h); ec != error_code::none) return ec;
    if (auto ec = check_counts(h, false); ec != error_code::none) return ec;
    record_view view;
    return walk_batch(batch, h, false, [&](const record_fields& f) {
        fill_view(h, f, view);
        callback(context, view);
    });
}

bytes build_batch(const std::vector<record>& records, const batch_builder_options& options) {
    int64_t base_timestamp = records.empty() ? -1 : records.front().timestamp;
    int64_t max_timestamp = base_timestamp;
    for (const auto& rec : records) max_timestamp = std::max(max_timestamp, rec.timestamp);
    int32_t last_offset_delta = options.last_offset_delta.value_or(
        records.empty() ? 0 : static_cast<int32_t>(records.back().offset - options.base_offset));
    int16_t attributes = static_cast<int16_t>(static_cast<int>(options.codec) | (options.log_append_time ? 0x8 : 0) |
                                              (options.transactional ? 0x10 : 0) | (options.control ? 0x20 : 0));

    writer w;
    w.buffer().reserve(batch_header_size + 64 * records.size());
    w.write_int64(options.base_offset);
    w.write_int32(0);  // batch_length, patched below
    w.write_int32(options.partition_leader_epoch);
    w.write_int8(current_magic);
    w.write_uint32(0);  // crc, patched below
    w.write_int16(attributes);
    w.write_int32(last_offset_delta);
    w.write_int64(base_timestamp);
    w.write_int64(max_timestamp);
    w.write_int64(options.producer_id);
    w.write_int16(options.producer_epoch);
    w.write_int32(options.base_sequence);
    w.write_int32(static_cast<int32_t>(records.size()));

    if (options.codec == compression::none) {
        for (const auto& rec : records) write_record(w, rec, options.base_offset, base_timestamp);
    } else {
        writer plain;
        for (const auto& rec : records) write_record(plain, rec, options.base_offset, base_timestamp);
        bytes packed;
        if (compress(options.codec, plain.buffer(), packed) != error_code::none) return {};
        w.write_raw(packed);
    }

    bytes& out = w.buffer();
    store_be(out.data() + length_at, static_cast<int32_t>(out.size() - batch_log_overhead));
    store_be(out.data() + crc_at, crc32c(out.data() + attributes_at, out.size() - attributes_at));
    return std::move(out);
}

}  // namespace sluice::protocol
