// Writes the binary seeds of tests/fuzz/corpus/ (the properties seeds are
// hand-written). Run from the fuzz build after changing a target's input
// format or the sample data:
//   build-fuzz/bin/sluice_fuzz_make_corpus tests/fuzz/corpus
// Output is deterministic, so re-running it changes no committed file.
#include <snappy.h>
#include <stdlib.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz/request_types.h"
#include "fuzz/sample_log.h"
#include "log/format.h"
#include "protocol/compression.h"
#include "protocol/generated/api_registry.h"
#include "protocol/generated/request_header.h"
#include "protocol/record_batch.h"

namespace {

using namespace sluice;
using protocol::bytes;

std::filesystem::path out_root;

void write_seed(const std::string& target, const std::string& name, uint8_t control, const bytes& content,
                bool with_control = true) {
    auto dir = out_root / target;
    std::filesystem::create_directories(dir);
    std::FILE* f = std::fopen((dir / name).c_str(), "wb");
    if (f == nullptr) std::abort();
    if (with_control) std::fputc(control, f);
    if (std::fwrite(content.data(), 1, content.size(), f) != content.size()) std::abort();
    std::fclose(f);
}

bytes read_file(const std::filesystem::path& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) std::abort();
    bytes out;
    for (int c; (c = std::fgetc(f)) != EOF;) out.push_back(static_cast<uint8_t>(c));
    std::fclose(f);
    return out;
}

// ---- request frames ----

struct captured {
    int16_t api_key;
    int16_t api_version;
    const char* hex;
};
constexpr captured golden_frames[] = {
#include "unit/protocol/golden/captured_requests.inc"
};

bytes from_hex(std::string_view hex) {
    bytes out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

// A frame of a default-constructed request: every API gets a seed the
// fuzzer can grow from, at its lowest, first flexible and highest version.
template <typename Message>
void default_frames() {
    const protocol::api_info* api = protocol::find_api(Message::api_key);
    if (api == nullptr) std::abort();
    std::vector<int16_t> versions{api->lowest_version, api->highest_version};
    if (api->first_flexible_version > api->lowest_version && api->first_flexible_version < api->highest_version) {
        versions.push_back(api->first_flexible_version);
    }
    for (int16_t v : versions) {
        protocol::request_header header;
        header.request_api_key = Message::api_key;
        header.request_api_version = v;
        header.correlation_id = 1;
        header.client_id = "fuzz";
        protocol::writer w;
        header.encode(w, api->is_flexible(v) ? 2 : 1);
        Message{}.encode(w, v);
        write_seed("request", "default-" + std::to_string(Message::api_key) + "-v" + std::to_string(v), 0,
                   w.buffer(), false);
    }
}

void request_seeds() {
    int n = 0;
    for (const auto& f : golden_frames) {
        write_seed("request",
                   "golden-" + std::to_string(f.api_key) + "-v" + std::to_string(f.api_version) + "-" +
                       std::to_string(n++),
                   0, from_hex(f.hex), false);
    }
    // librdkafka 2.15's all-topics Metadata v13 with its trailing placeholder.
    write_seed("request", "librdkafka-2.15-metadata-placeholder", 0,
               from_hex("0003000d00000003000772646b61666b610000000000010000"), false);
#define SLUICE_FUZZ_DEFAULT_FRAMES(type) default_frames<protocol::type>();
    SLUICE_FUZZ_ALL_REQUESTS(SLUICE_FUZZ_DEFAULT_FRAMES)
#undef SLUICE_FUZZ_DEFAULT_FRAMES
}

// ---- record batches ----

std::vector<protocol::record> sample_records() {
    std::vector<protocol::record> records;
    for (int i = 0; i < 3; ++i) {
        protocol::record r;
        r.offset = i;
        r.timestamp = fuzz::sample_now_ms + i;
        r.key = bytes{'k', static_cast<uint8_t>('0' + i)};
        r.value = bytes(40, static_cast<uint8_t>('a' + i));
        r.headers.push_back({"h", bytes{'v'}});
        if (i == 1) r.headers.push_back({"null", std::nullopt});
        records.push_back(std::move(r));
    }
    records[2].key.reset();  // keyless
    return records;
}

void batch_seeds() {
    const auto records = sample_records();
    const char* names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    for (int c = 0; c <= 4; ++c) {
        protocol::batch_builder_options options;
        options.codec = static_cast<protocol::compression>(c);
        write_seed("record_batch", std::string("batch-") + names[c], 0, protocol::build_batch(records, options));
    }

    protocol::batch_builder_options options;
    options.base_offset = 1000;
    options.producer_id = 42;
    options.producer_epoch = 1;
    options.base_sequence = 7;
    options.transactional = true;
    write_seed("record_batch", "batch-transactional", 0, protocol::build_batch(records, options));
    options = {};
    options.log_append_time = true;
    write_seed("record_batch", "batch-log-append-time", 0, protocol::build_batch(records, options));
    std::vector<protocol::record> tombstone(1);
    tombstone[0].key = bytes{'k'};
    write_seed("record_batch", "batch-tombstone", 0, protocol::build_batch(tombstone, {}));
    write_seed("record_batch", "batch-empty", 0, protocol::build_batch({}, {}));

    // Codec mode: compressed payloads for decompress() alone.
    protocol::writer plain;
    for (const auto& r : records) plain.write_raw(r.value.value());
    for (int c = 1; c <= 4; ++c) {
        bytes packed;
        if (protocol::compress(static_cast<protocol::compression>(c), plain.buffer(), packed) !=
            protocol::error_code::none) {
            std::abort();
        }
        write_seed("record_batch", std::string("codec-") + names[c], static_cast<uint8_t>(0x80 | c), packed);
    }
    std::string raw;  // raw snappy, as librdkafka writes it (the builder writes xerial framing)
    snappy::Compress(reinterpret_cast<const char*>(plain.buffer().data()), plain.buffer().size(), &raw);
    write_seed("record_batch", "codec-snappy-raw", 0x82, bytes(raw.begin(), raw.end()));
}

// ---- legacy message sets ----

// One magic 0/1 message (legacy_message_set.h), its CRC right.
bytes legacy_message(int8_t magic, uint8_t attributes, int64_t offset, const std::string& key, const bytes& value) {
    protocol::writer body;
    body.write_int8(magic);
    body.write_int8(static_cast<int8_t>(attributes));
    if (magic == 1) body.write_int64(1700000000000 + offset);
    body.write_int32(static_cast<int32_t>(key.size()));
    body.write_raw(protocol::bytes_view(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
    body.write_int32(static_cast<int32_t>(value.size()));
    body.write_raw(value);
    protocol::writer out;
    out.write_int64(offset);
    out.write_int32(static_cast<int32_t>(4 + body.buffer().size()));
    out.write_uint32(static_cast<uint32_t>(crc32(0L, body.buffer().data(), static_cast<uInt>(body.buffer().size()))));
    out.write_raw(body.buffer());
    return std::move(out.buffer());
}

void legacy_seeds() {
    for (int8_t magic : {0, 1}) {
        bytes set;
        for (int i = 0; i < 3; ++i) {
            bytes m = legacy_message(magic, 0, i, "key-" + std::to_string(i), bytes(static_cast<size_t>(10 * i), 'v'));
            set.insert(set.end(), m.begin(), m.end());
        }
        const std::string m = "magic" + std::to_string(magic);
        // Control bit 0 re-patches CRCs; bit 7 wraps with codec bits 1-2 and magic bit 3.
        write_seed("legacy_message_set", m + "-plain", 0x01, set);
        const uint8_t wrapper_magic = static_cast<uint8_t>(magic << 3);
        for (int c = 1; c <= 3; ++c) {
            const char* names[] = {"", "gzip", "snappy", "lz4"};
            write_seed("legacy_message_set", m + "-wrapped-" + names[c],
                       static_cast<uint8_t>(0x81 | (c << 1) | wrapper_magic), set);
            bytes packed;
            if (protocol::compress(static_cast<protocol::compression>(c), set, packed) != protocol::error_code::none) {
                std::abort();
            }
            write_seed("legacy_message_set", m + "-" + names[c], 0x01,
                       legacy_message(magic, static_cast<uint8_t>(c), magic == 1 ? 2 : 0, "", packed));
        }
    }
}

// ---- segments ----

void segment_seeds() {
    std::string pattern = "/tmp/sluice-corpus-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    std::filesystem::path dir = std::filesystem::path(pattern) / "t-0";
    int64_t next = fuzz::write_sample_partition(dir);
    if (next <= 0) std::abort();
    auto file = [&](std::string_view suffix) { return dir / (log::format::file_stem(0) + std::string(suffix)); };
    bytes log = read_file(file(log::format::log_suffix));
    // Control bytes: mode in bits 0-2, index.interval.bytes choice in bits 3-4 (64: 0x08).
    write_seed("segment_recovery", "log-recovered", 0x08, log);
    write_seed("segment_recovery", "log-trusted", 0x09, log);
    write_seed("segment_recovery", "index", 0x0a, read_file(file(log::format::offset_index_suffix)));
    write_seed("segment_recovery", "timeindex", 0x0b, read_file(file(log::format::time_index_suffix)));
    write_seed("segment_recovery", "leader-epoch-checkpoint", 0x0c, read_file(dir / log::format::leader_epoch_file));
    // The same batches moved after the sample's last offset: a valid second segment.
    bytes second = log;
    protocol::batch_iterator it(second);
    while (auto batch = it.next()) {
        auto h = protocol::read_batch_header(*batch);
        protocol::set_base_offset(second.data() + (batch->data() - second.data()), h->base_offset + next);
    }
    write_seed("segment_recovery", "log-second-segment", 0x0d, second);
    std::filesystem::remove_all(pattern);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
        return 2;
    }
    out_root = argv[1];
    request_seeds();
    batch_seeds();
    legacy_seeds();
    segment_seeds();
    return 0;
}
