#pragma once
// Kafka wire primitives: bounded reads and growable writes.
//
// The reader never throws and never reads past its end: the first read that
// does not fit marks it failed, later reads return zero values, and the caller
// checks ok() once at the end (one error path, as in librdkafka's buffers).
// Array and byte lengths are checked against the remaining bytes before any
// allocation, so a lying length cannot make us allocate what the frame cannot
// hold.
//
// The writer builds a response in memory, except for record data served from
// files: those are kept as file slices between memory runs so the network
// layer can send them with sendfile without copying them through user space.
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::protocol {

using bytes = std::vector<uint8_t>;
using bytes_view = std::span<const uint8_t>;

struct uuid {
    std::array<uint8_t, 16> value{};
    bool operator==(const uuid&) const = default;
    auto operator<=>(const uuid&) const = default;  // an order for maps keyed by topic id
    bool is_zero() const { return value == std::array<uint8_t, 16>{}; }
};

// A tagged field this build does not know; kept so it survives a round trip.
struct tagged_field {
    uint32_t tag = 0;
    bytes data;
    bool operator==(const tagged_field&) const = default;
};
using unknown_tags = std::vector<tagged_field>;

// A byte range of an open file; `keepalive` holds whatever keeps the fd open.
struct file_slice {
    int fd = -1;
    uint64_t offset = 0;
    uint32_t length = 0;
    std::shared_ptr<const void> keepalive;
};

// The value of a `records` field. Decoded requests hold a view into the
// request frame; responses may add owned memory or file slices.
class records_field {
public:
    records_field() = default;
    static records_field of_view(bytes_view v);
    static records_field of_bytes(bytes b);

    bool is_null() const { return null_; }
    void set_null() { *this = records_field{}; }
    void append_view(bytes_view v);
    void append_bytes(bytes b);
    void append_file(file_slice s);
    size_t size() const;

    struct part {
        bytes_view memory;  // valid when file.fd < 0
        file_slice file;
    };
    const std::vector<part>& parts() const { return parts_; }
    // The whole content in memory (file parts are read with pread).
    bool copy_to(bytes& out) const;
    // The single contiguous memory view, when the records are one memory part.
    std::optional<bytes_view> contiguous() const;

private:
    bool null_ = true;
    std::vector<part> parts_;
    std::vector<std::shared_ptr<const bytes>> owned_;
};

class reader {
public:
    explicit reader(bytes_view data) : pos_(data.data()), end_(data.data() + data.size()) {}

    bool ok() const { return ok_; }
    void fail() {
        ok_ = false;
        pos_ = end_;
    }
    size_t remaining() const { return static_cast<size_t>(end_ - pos_); }
    bool at_end() const { return pos_ == end_; }

    int8_t read_int8() {
        if (pos_ == end_) {
            fail();
            return 0;
        }
        return static_cast<int8_t>(*pos_++);
    }
    int16_t read_int16();
    uint16_t read_uint16();
    int32_t read_int32();
    uint32_t read_uint32();
    int64_t read_int64();
    double read_float64();
    bool read_bool() { return read_int8() != 0; }
    uuid read_uuid();

    // Inline for one and two bytes: record fields are mostly small numbers
    // (a 100-byte value's length takes two), and the per-record walk of
    // every produced batch decodes several each.
    int32_t read_varint() {
        if (uint32_t z; short_varint(z)) return unzigzag32(z);
        return unzigzag32(read_uvarint());
    }
    int64_t read_varlong() {
        if (uint32_t z; short_varint(z)) return unzigzag64(z);
        return unzigzag64(read_uvarlong());
    }
    uint32_t read_uvarint();
    uint64_t read_uvarlong();

    bytes_view read_raw(size_t n) {
        if (n > remaining()) {
            fail();
            return {};
        }
        bytes_view v(pos_, n);
        pos_ += n;
        return v;
    }
    void skip(size_t n) { (void)read_raw(n); }

    // Strings and bytes; `compact` selects the flexible-version encoding.
    std::string read_string(bool compact);
    std::optional<std::string> read_nullable_string(bool compact);
    bytes read_bytes(bool compact);
    std::optional<bytes> read_nullable_bytes(bool compact);
    records_field read_records(bool compact);

    // An array's element count; -1 means null. Fails when the count could not
    // fit in the remaining bytes at `min_element_size` bytes each.
    int32_t read_array_length(bool compact, size_t min_element_size);

    // Reads the tagged-field section, handing known tags to `on_tag`
    // (returns false if the tag is unknown, which is then skipped by its
    // size and stored in `unknown`). A known field is read by its type, as
    // Kafka reads it: the size written before it is not consulted.
    template <typename OnTag>
    void read_tags(unknown_tags& unknown, OnTag&& on_tag) {
        uint32_t count = read_uvarint();
        if (count > remaining()) {
            fail();
            return;
        }
        for (uint32_t i = 0; i < count && ok_; ++i) {
            uint32_t tag = read_uvarint();
            uint32_t size = read_uvarint();
            if (!ok_) return;
            reader rest(bytes_view(pos_, remaining()));
            if (on_tag(tag, rest)) {
                if (!rest.ok()) {
                    fail();
                    return;
                }
                pos_ = rest.pos_;
                continue;
            }
            if (size > remaining()) {
                fail();
                return;
            }
            bytes_view body = read_raw(size);
            unknown.push_back({tag, bytes(body.begin(), body.end())});
        }
    }

private:
    bool short_varint(uint32_t& z) {
        if (end_ - pos_ >= 2) {
            if (pos_[0] < 0x80) {
                z = *pos_++;
                return true;
            }
            if (pos_[1] < 0x80) {
                z = (pos_[0] & 0x7fu) | (uint32_t{pos_[1]} << 7);
                pos_ += 2;
                return true;
            }
        } else if (pos_ != end_ && pos_[0] < 0x80) {
            z = *pos_++;
            return true;
        }
        return false;
    }
    static int32_t unzigzag32(uint32_t z) { return static_cast<int32_t>((z >> 1) ^ (~(z & 1) + 1)); }
    static int64_t unzigzag64(uint64_t z) { return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1)); }
    int32_t read_length(bool compact);
    const uint8_t* pos_;
    const uint8_t* end_;
    bool ok_ = true;
};

class writer {
public:
    writer() = default;

    void write_int8(int8_t v) { buf_.push_back(static_cast<uint8_t>(v)); }
    void write_int16(int16_t v);
    void write_uint16(uint16_t v);
    void write_int32(int32_t v);
    void write_uint32(uint32_t v);
    void write_int64(int64_t v);
    void write_float64(double v);
    void write_bool(bool v) { write_int8(v ? 1 : 0); }
    void write_uuid(const uuid& v) { write_raw(v.value); }

    void write_varint(int32_t v);
    void write_varlong(int64_t v);
    void write_uvarint(uint32_t v);
    void write_uvarlong(uint64_t v);

    void write_raw(bytes_view v) { buf_.insert(buf_.end(), v.begin(), v.end()); }
    void write_string(std::string_view v, bool compact);
    void write_nullable_string(const std::optional<std::string>& v, bool compact);
    void write_bytes(bytes_view v, bool compact);
    void write_nullable_bytes(const std::optional<bytes>& v, bool compact);
    void write_records(const records_field& v, bool compact);
    void write_array_length(int32_t n, bool compact);  // n = -1 for null
    void write_unknown_tags(const unknown_tags& tags);

    // Size in bytes of everything written, file slices included.
    size_t size() const { return buf_.size() + file_bytes_; }
    bytes& buffer() { return buf_; }
    const bytes& buffer() const { return buf_; }

    // File slices interleaved with the buffer: slice i goes right after
    // buffer()[0 .. positions[i]).
    struct placed_slice {
        size_t position;
        file_slice slice;
    };
    const std::vector<placed_slice>& file_slices() const { return slices_; }
    bool has_file_slices() const { return !slices_.empty(); }

    // Everything as one byte string (file slices read with pread); for tests
    // and for paths that need the bytes in memory.
    bool flatten(bytes& out) const;

private:
    bytes buf_;
    std::vector<placed_slice> slices_;
    size_t file_bytes_ = 0;
};

// Sizes of the encodings, for writing tagged fields (length-prefixed).
size_t uvarint_size(uint64_t v);

}  // namespace sluice::protocol
