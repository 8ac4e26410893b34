#include "protocol/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>

namespace sluice::protocol {

namespace {

// Snappy-java's stream header: magic, then big-endian version and
// compatible-version (both 1 when written by snappy-java 1.1.x).
constexpr uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr size_t xerial_header_size = 16;
// Snappy-java's default block size; Kafka's Java producer keeps it.
constexpr size_t xerial_chunk_size = 32 * 1024;

uint32_t load_be32(const uint8_t* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

void store_be32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

void append_be32(bytes& out, uint32_t v) {
    out.resize(out.size() + 4);
    store_be32(out.data() + out.size() - 4, v);
}

// Streaming decoders write into `out` and grow it as output appears, up to
// one byte past the caller's bound so "exactly max" and "more" differ. The
// first allocation is a guess tied to the input size, never to a size field
// the input claims, so a tiny payload cannot make us allocate much up front.
// Room `out` already has is used as it is: a reused buffer is not cleared
// and zero-filled again for every batch (vector growth zero-fills).
class growing_output {
public:
    growing_output(bytes& out, size_t max_output, size_t input_size, size_t size_hint)
        : out_(out), limit_(max_output == SIZE_MAX ? max_output : max_output + 1) {
        size_t cap = std::min(limit_, input_size * 8 + 64 * 1024);
        size_t want = std::min(size_hint != 0 ? size_hint + 1 : input_size * 4 + 1024, cap);
        if (out_.size() < want) out_.resize(want);
    }
    uint8_t* at(size_t produced) { return out_.data() + produced; }
    size_t room(size_t produced) const { return std::min(out_.size(), limit_) - produced; }
    // False once the bound is reached.
    bool grow() {
        if (out_.size() >= limit_) return false;
        out_.resize(std::min(limit_, std::max<size_t>(out_.size() * 2, 4096)));
        return true;
    }
    error_code finish(size_t produced, size_t& out_size) {
        if (produced > limit_ - 1) return error_code::message_too_large;
        out_size = produced;
        return error_code::none;
    }

private:
    bytes& out_;
    size_t limit_;
};

// ---- gzip ----

error_code gzip_decompress(bytes_view in, bytes& out, size_t max_output, size_t& out_size) {
    if (in.size() > UINT_MAX) return error_code::corrupt_message;
    // The gzip trailer ends with the input size mod 2^32: a hint, never trusted.
    size_t hint = 0;
    if (in.size() >= 18) {
        const uint8_t* t = in.data() + in.size() - 4;
        hint = uint32_t{t[0]} | (uint32_t{t[1]} << 8) | (uint32_t{t[2]} << 16) | (uint32_t{t[3]} << 24);
    }
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 32) != Z_OK) return error_code::unknown_server_error;  // gzip or zlib
    std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, inflateEnd);
    zs.next_in = const_cast<Bytef*>(in.data());
    zs.avail_in = static_cast<uInt>(in.size());

    growing_output sink(out, max_output, in.size(), hint);
    size_t produced = 0;
    for (;;) {
        if (sink.room(produced) == 0 && !sink.grow()) return error_code::message_too_large;
        zs.next_out = sink.at(produced);
        zs.avail_out = static_cast<uInt>(std::min<size_t>(sink.room(produced), UINT_MAX));
        uInt before = zs.avail_out;
        int rc = inflate(&zs, Z_NO_FLUSH);
        produced += before - zs.avail_out;
        if (rc == Z_STREAM_END) {
            if (zs.avail_in == 0) break;
            // Another gzip member follows; Java's GZIPInputStream reads them all.
            if (inflateReset(&zs) != Z_OK) return error_code::corrupt_message;
            continue;
        }
        if (rc == Z_OK) continue;
        if (rc == Z_BUF_ERROR && zs.avail_out == 0) continue;  // needs more room
        return error_code::corrupt_message;  // data error or truncated input
    }
    return sink.finish(produced, out_size);
}

error_code gzip_compress(bytes_view in, bytes& out) {
    if (in.size() > UINT_MAX) return error_code::message_too_large;
    z_stream zs{};
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return error_code::unknown_server_error;
    }
    std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, deflateEnd);
    out.resize(deflateBound(&zs, static_cast<uLong>(in.size())));
    zs.next_in = const_cast<Bytef*>(in.data());
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) return error_code::unknown_server_error;
    out.resize(zs.total_out);
    return error_code::none;
}

// ---- snappy ----

// Decodes one raw snappy block into `out` after its first `out_size` bytes.
error_code snappy_append_raw(bytes_view in, bytes& out, size_t max_output, size_t& out_size) {
    const auto* src = reinterpret_cast<const char*>(in.data());
    size_t n = 0;
    if (!snappy::GetUncompressedLength(src, in.size(), &n)) return error_code::corrupt_message;
    if (n > max_output || out_size > max_output - n) return error_code::message_too_large;
    size_t at = out_size;
    if (out.size() < at + n) out.resize(at + n);
    if (!snappy::RawUncompress(src, in.size(), reinterpret_cast<char*>(out.data() + at))) {
        return error_code::corrupt_message;
    }
    out_size = at + n;
    return error_code::none;
}

error_code snappy_decompress(bytes_view in, bytes& out, size_t max_output, size_t& out_size) {
    out_size = 0;
    bool xerial = in.size() >= sizeof xerial_magic && std::memcmp(in.data(), xerial_magic, sizeof xerial_magic) == 0;
    if (!xerial) return snappy_append_raw(in, out, max_output, out_size);
    // Versions are not checked: every snappy-java release reads the same chunks.
    if (in.size() < xerial_header_size) return error_code::corrupt_message;
    size_t pos = xerial_header_size;
    while (pos < in.size()) {
        if (in.size() - pos < 4) return error_code::corrupt_message;
        uint32_t len = load_be32(in.data() + pos);
        pos += 4;
        if (len == 0 || len > in.size() - pos) return error_code::corrupt_message;
        if (auto ec = snappy_append_raw(in.subspan(pos, len), out, max_output, out_size); ec != error_code::none) {
            return ec;
        }
        pos += len;
    }
    return error_code::none;
}

// Writes xerial framing, as Kafka's Java producer does: every Kafka client
// reads it (librdkafka, kafka-python, sarama and franz-go detect the magic;
// snappy-java reads it natively), while raw snappy is unreadable to old
// snappy-java readers that expect the stream header.
error_code snappy_compress(bytes_view in, bytes& out) {
    out.assign(xerial_magic, xerial_magic + sizeof xerial_magic);
    append_be32(out, 1);  // version
    append_be32(out, 1);  // compatible version
    for (size_t pos = 0; pos < in.size(); pos += xerial_chunk_size) {
        size_t n = std::min(xerial_chunk_size, in.size() - pos);
        size_t len_at = out.size();
        out.resize(len_at + 4 + snappy::MaxCompressedLength(n));
        size_t written = 0;
        snappy::RawCompress(reinterpret_cast<const char*>(in.data() + pos), n,
                            reinterpret_cast<char*>(out.data() + len_at + 4), &written);
        store_be32(out.data() + len_at, static_cast<uint32_t>(written));
        out.resize(len_at + 4 + written);
    }
    return error_code::none;
}

// ---- lz4 (frame format) ----

// A context is reused only after a frame that ended cleanly. lz4 1.9.4's
// LZ4F_resetDecompressionContext leaves part of an abandoned frame behind:
// after a frame header that declared a content size, every later frame
// without one failed with frameSize_wrong, so one bad lz4 batch made the
// thread refuse all lz4 batches after it (found by tests/fuzz/record_batch).
struct lz4_context {
    LZ4F_dctx* ctx = nullptr;
    bool clean = false;
    ~lz4_context() { LZ4F_freeDecompressionContext(ctx); }
    // A context ready for a new frame; nullptr if none can be made.
    LZ4F_dctx* fresh() {
        if (clean) {
            LZ4F_resetDecompressionContext(ctx);
        } else {
            LZ4F_freeDecompressionContext(ctx);
            ctx = nullptr;
            if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) ctx = nullptr;
        }
        clean = false;
        return ctx;
    }
};

error_code lz4_decompress(bytes_view in, bytes& out, size_t max_output, size_t& out_size) {
    thread_local lz4_context context;
    LZ4F_dctx* dctx = context.fresh();
    if (dctx == nullptr) return error_code::unknown_server_error;
    growing_output sink(out, max_output, in.size(), 0);
    size_t produced = 0;
    size_t pos = 0;
    for (;;) {
        if (sink.room(produced) == 0 && !sink.grow()) return error_code::message_too_large;
        size_t dst = sink.room(produced);
        size_t src = in.size() - pos;
        size_t rc = LZ4F_decompress(dctx, sink.at(produced), &dst, in.data() + pos, &src, nullptr);
        if (LZ4F_isError(rc) || (rc != 0 && src == 0 && dst == 0 && pos < in.size())) {
            return error_code::corrupt_message;  // bad data, or a decoder that stopped moving
        }
        pos += src;
        produced += dst;
        if (rc == 0) {  // frame complete; the context starts over for a next one
            if (pos == in.size()) break;
            continue;
        }
        if (pos == in.size() && sink.room(produced) != 0) return error_code::corrupt_message;  // truncated
    }
    context.clean = true;
    return sink.finish(produced, out_size);
}

// Kafka's own lz4 reader (KafkaLZ4BlockInputStream) needs independent
// blocks; 64 KiB blocks and no content size match what it writes.
error_code lz4_compress(bytes_view in, bytes& out) {
    LZ4F_preferences_t prefs{};
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    out.resize(LZ4F_compressFrameBound(in.size(), &prefs));
    size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
    if (LZ4F_isError(n)) return error_code::unknown_server_error;
    out.resize(n);
    return error_code::none;
}

// ---- zstd ----

struct zstd_context {
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    ~zstd_context() { ZSTD_freeDCtx(ctx); }
};

error_code zstd_decompress(bytes_view in, bytes& out, size_t max_output, size_t& out_size) {
    thread_local zstd_context dctx;
    if (dctx.ctx == nullptr) return error_code::unknown_server_error;
    ZSTD_DCtx_reset(dctx.ctx, ZSTD_reset_session_only);
    // Frames from streaming producers often lack a content size; when there
    // is one it is only a first guess.
    unsigned long long declared = ZSTD_getFrameContentSize(in.data(), in.size());
    size_t hint = declared < max_output ? static_cast<size_t>(declared) : 0;
    growing_output sink(out, max_output, in.size(), hint);
    ZSTD_inBuffer src{in.data(), in.size(), 0};
    size_t produced = 0;
    for (;;) {
        if (sink.room(produced) == 0 && !sink.grow()) return error_code::message_too_large;
        ZSTD_outBuffer dst{sink.at(0), produced + sink.room(produced), produced};
        size_t consumed = src.pos;
        size_t rc = ZSTD_decompressStream(dctx.ctx, &dst, &src);
        if (ZSTD_isError(rc) || (rc != 0 && src.pos == consumed && dst.pos == produced)) {
            return error_code::corrupt_message;  // bad data, or a decoder that stopped moving
        }
        produced = dst.pos;
        if (rc == 0) {  // frame complete and flushed; more input is a next frame
            if (src.pos == src.size) break;
            continue;
        }
        if (src.pos == src.size && dst.pos < dst.size) return error_code::corrupt_message;  // truncated
    }
    return sink.finish(produced, out_size);
}

error_code zstd_compress(bytes_view in, bytes& out) {
    out.resize(ZSTD_compressBound(in.size()));
    size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), ZSTD_CLEVEL_DEFAULT);
    if (ZSTD_isError(n)) return error_code::unknown_server_error;
    out.resize(n);
    return error_code::none;
}

}  // namespace

error_code decompress_into(compression codec, bytes_view in, bytes& buffer, size_t max_output, size_t& size) {
    size = 0;
    error_code ec = error_code::unsupported_compression_type;
    switch (codec) {
        case compression::none:
            if (in.size() > max_output) return error_code::message_too_large;
            if (buffer.size() < in.size()) buffer.resize(in.size());
            if (!in.empty()) std::memcpy(buffer.data(), in.data(), in.size());
            size = in.size();
            return error_code::none;
        case compression::gzip: ec = gzip_decompress(in, buffer, max_output, size); break;
        case compression::snappy: ec = snappy_decompress(in, buffer, max_output, size); break;
        case compression::lz4: ec = lz4_decompress(in, buffer, max_output, size); break;
        case compression::zstd: ec = zstd_decompress(in, buffer, max_output, size); break;
    }
    if (ec != error_code::none) size = 0;
    return ec;
}

error_code decompress(compression codec, bytes_view in, bytes& out, size_t max_output) {
    out.clear();
    size_t size = 0;
    error_code ec = decompress_into(codec, in, out, max_output, size);
    out.resize(size);
    return ec;
}

error_code compress(compression codec, bytes_view in, bytes& out) {
    out.clear();
    error_code ec = error_code::unsupported_compression_type;
    switch (codec) {
        case compression::none: out.assign(in.begin(), in.end()); return error_code::none;
        case compression::gzip: ec = gzip_compress(in, out); break;
        case compression::snappy: ec = snappy_compress(in, out); break;
        case compression::lz4: ec = lz4_compress(in, out); break;
        case compression::zstd: ec = zstd_compress(in, out); break;
    }
    if (ec != error_code::none) out.clear();
    return ec;
}

}  // namespace sluice::protocol
