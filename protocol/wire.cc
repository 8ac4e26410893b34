#include "protocol/wire.h"

#include <unistd.h>

#include <bit>
#include <cstring>

namespace sluice::protocol {

namespace {

template <typename T>
T byteswap(T v) {
    if constexpr (sizeof(T) == 2) {
        return static_cast<T>(__builtin_bswap16(static_cast<uint16_t>(v)));
    } else if constexpr (sizeof(T) == 4) {
        return static_cast<T>(__builtin_bswap32(static_cast<uint32_t>(v)));
    } else {
        return static_cast<T>(__builtin_bswap64(static_cast<uint64_t>(v)));
    }
}

template <typename T>
T load_be(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
        v = byteswap(v);
    }
    return v;
}

template <typename T>
void store_be(bytes& out, T v) {
    if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
        v = byteswap(v);
    }
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    out.insert(out.end(), p, p + sizeof v);
}

bool pread_all(int fd, uint64_t offset, uint8_t* out, size_t length) {
    while (length > 0) {
        ssize_t n = ::pread(fd, out, length, static_cast<off_t>(offset));
        if (n <= 0) return false;
        out += n;
        offset += static_cast<uint64_t>(n);
        length -= static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

// ---- records_field ----

records_field records_field::of_view(bytes_view v) {
    records_field r;
    r.append_view(v);
    return r;
}

records_field records_field::of_bytes(bytes b) {
    records_field r;
    r.append_bytes(std::move(b));
    return r;
}

void records_field::append_view(bytes_view v) {
    null_ = false;
    if (!v.empty()) parts_.push_back({v, {}});
}

void records_field::append_bytes(bytes b) {
    null_ = false;
    if (b.empty()) return;
    auto owned = std::make_shared<const bytes>(std::move(b));
    parts_.push_back({bytes_view(*owned), {}});
    owned_.push_back(std::move(owned));
}

void records_field::append_file(file_slice s) {
    null_ = false;
    if (s.length == 0) return;
    parts_.push_back({{}, std::move(s)});
}

size_t records_field::size() const {
    size_t n = 0;
    for (const auto& p : parts_) n += p.file.fd >= 0 ? p.file.length : p.memory.size();
    return n;
}

bool records_field::copy_to(bytes& out) const {
    for (const auto& p : parts_) {
        if (p.file.fd < 0) {
            out.insert(out.end(), p.memory.begin(), p.memory.end());
        } else {
            size_t at = out.size();
            out.resize(at + p.file.length);
            if (!pread_all(p.file.fd, p.file.offset, out.data() + at, p.file.length)) return false;
        }
    }
    return true;
}

std::optional<bytes_view> records_field::contiguous() const {
    if (parts_.empty()) return bytes_view{};
    if (parts_.size() == 1 && parts_[0].file.fd < 0) return parts_[0].memory;
    return std::nullopt;
}

// ---- reader ----

#define SLUICE_READ_FIXED(name, type)              \
    type reader::name() {                          \
        if (remaining() < sizeof(type)) {          \
            fail();                                \
            return 0;                              \
        }                                          \
        type v = load_be<type>(pos_);              \
        pos_ += sizeof(type);                      \
        return v;                                  \
    }
SLUICE_READ_FIXED(read_int16, int16_t)
SLUICE_READ_FIXED(read_uint16, uint16_t)
SLUICE_READ_FIXED(read_int32, int32_t)
SLUICE_READ_FIXED(read_uint32, uint32_t)
SLUICE_READ_FIXED(read_int64, int64_t)
#undef SLUICE_READ_FIXED

double reader::read_float64() {
    uint64_t bits = static_cast<uint64_t>(read_int64());
    return std::bit_cast<double>(bits);
}

uuid reader::read_uuid() {
    uuid u;
    bytes_view v = read_raw(16);
    if (ok_) std::memcpy(u.value.data(), v.data(), 16);
    return u;
}

uint64_t reader::read_uvarlong() {
    uint64_t value = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (pos_ == end_) {
            fail();
            return 0;
        }
        uint8_t b = *pos_++;
        value |= static_cast<uint64_t>(b & 0x7f) << shift;
        if ((b & 0x80) == 0) return value;
    }
    fail();  // more than 10 bytes
    return 0;
}

uint32_t reader::read_uvarint() {
    uint32_t value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (pos_ == end_) {
            fail();
            return 0;
        }
        uint8_t b = *pos_++;
        if (shift == 28 && (b & 0xf0) != 0) {  // would overflow 32 bits
            fail();
            return 0;
        }
        value |= static_cast<uint32_t>(b & 0x7f) << shift;
        if ((b & 0x80) == 0) return value;
    }
    fail();
    return 0;
}

int32_t reader::read_length(bool compact) {
    if (compact) {
        uint32_t n = read_uvarint();
        if (!ok_) return -1;
        if (n > static_cast<uint32_t>(INT32_MAX)) {
            fail();
            return -1;
        }
        return static_cast<int32_t>(n) - 1;
    }
    return read_int32();
}

std::optional<std::string> reader::read_nullable_string(bool compact) {
    int32_t n = compact ? read_length(true) : read_int16();
    if (!ok_ || n < 0) {
        if (n < -1) fail();
        return std::nullopt;
    }
    bytes_view v = read_raw(static_cast<size_t>(n));
    if (!ok_) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(v.data()), v.size());
}

std::string reader::read_string(bool compact) {
    auto s = read_nullable_string(compact);
    if (!s) {
        fail();  // null where the schema wants a string
        return {};
    }
    return std::move(*s);
}

std::optional<bytes> reader::read_nullable_bytes(bool compact) {
    int32_t n = read_length(compact);
    if (!ok_ || n < 0) {
        if (n < -1) fail();
        return std::nullopt;
    }
    bytes_view v = read_raw(static_cast<size_t>(n));
    if (!ok_) return std::nullopt;
    return bytes(v.begin(), v.end());
}

bytes reader::read_bytes(bool compact) {
    auto b = read_nullable_bytes(compact);
    if (!b) {
        fail();
        return {};
    }
    return std::move(*b);
}

records_field reader::read_records(bool compact) {
    int32_t n = read_length(compact);
    if (!ok_ || n < 0) {
        if (n < -1) fail();
        return {};
    }
    bytes_view v = read_raw(static_cast<size_t>(n));
    if (!ok_) return {};
    return records_field::of_view(v);
}

int32_t reader::read_array_length(bool compact, size_t min_element_size) {
    int32_t n = read_length(compact);
    if (!ok_) return -1;
    if (n < -1) {
        fail();
        return -1;
    }
    if (n > 0 && static_cast<size_t>(n) * (min_element_size == 0 ? 1 : min_element_size) > remaining()) {
        fail();
        return -1;
    }
    return n;
}

// ---- writer ----

void writer::write_int16(int16_t v) { store_be(buf_, v); }
void writer::write_uint16(uint16_t v) { store_be(buf_, v); }
void writer::write_int32(int32_t v) { store_be(buf_, v); }
void writer::write_uint32(uint32_t v) { store_be(buf_, v); }
void writer::write_int64(int64_t v) { store_be(buf_, v); }
void writer::write_float64(double v) { store_be(buf_, std::bit_cast<uint64_t>(v)); }

void writer::write_uvarlong(uint64_t v) {
    while (v >= 0x80) {
        buf_.push_back(static_cast<uint8_t>(v | 0x80));
        v >>= 7;
    }
    buf_.push_back(static_cast<uint8_t>(v));
}

void writer::write_uvarint(uint32_t v) { write_uvarlong(v); }

void writer::write_varint(int32_t v) {
    write_uvarint((static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31));
}

void writer::write_varlong(int64_t v) {
    write_uvarlong((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void writer::write_array_length(int32_t n, bool compact) {
    if (compact) {
        write_uvarint(static_cast<uint32_t>(n + 1));
    } else {
        write_int32(n);
    }
}

void writer::write_string(std::string_view v, bool compact) {
    if (compact) {
        write_uvarint(static_cast<uint32_t>(v.size() + 1));
    } else {
        write_int16(static_cast<int16_t>(v.size()));
    }
    buf_.insert(buf_.end(), v.begin(), v.end());
}

void writer::write_nullable_string(const std::optional<std::string>& v, bool compact) {
    if (v) {
        write_string(*v, compact);
    } else if (compact) {
        write_uvarint(0);
    } else {
        write_int16(-1);
    }
}

void writer::write_bytes(bytes_view v, bool compact) {
    write_array_length(static_cast<int32_t>(v.size()), compact);
    write_raw(v);
}

void writer::write_nullable_bytes(const std::optional<bytes>& v, bool compact) {
    if (v) {
        write_bytes(*v, compact);
    } else {
        write_array_length(-1, compact);
    }
}

void writer::write_records(const records_field& v, bool compact) {
    if (v.is_null()) {
        write_array_length(-1, compact);
        return;
    }
    write_array_length(static_cast<int32_t>(v.size()), compact);
    for (const auto& p : v.parts()) {
        if (p.file.fd < 0) {
            write_raw(p.memory);
        } else {
            slices_.push_back({buf_.size(), p.file});
            file_bytes_ += p.file.length;
        }
    }
}

void writer::write_unknown_tags(const unknown_tags& tags) {
    for (const auto& t : tags) {
        write_uvarint(t.tag);
        write_uvarint(static_cast<uint32_t>(t.data.size()));
        write_raw(t.data);
    }
}

bool writer::flatten(bytes& out) const {
    out.clear();
    out.reserve(size());
    size_t from = 0;
    for (const auto& s : slices_) {
        out.insert(out.end(), buf_.begin() + static_cast<ptrdiff_t>(from),
                   buf_.begin() + static_cast<ptrdiff_t>(s.position));
        from = s.position;
        size_t at = out.size();
        out.resize(at + s.slice.length);
        if (!pread_all(s.slice.fd, s.slice.offset, out.data() + at, s.slice.length)) return false;
    }
    out.insert(out.end(), buf_.begin() + static_cast<ptrdiff_t>(from), buf_.end());
    return true;
}

size_t uvarint_size(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}

}  // namespace sluice::protocol
