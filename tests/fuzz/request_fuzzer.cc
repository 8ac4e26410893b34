// A whole request frame (without its size prefix), as the network layer
// hands it over: the broker's header parser, then the generated decoder of
// the frame's API and version, for every API and version the generated code
// knows (not only those a handler serves).
//
// Checks: nothing crashes; the broker's header parser and the generated
// request_header agree on where the body starts; a body that decodes
// re-encodes, the re-encoded bytes decode to the end, and encoding again
// gives the same bytes (encode and decode are inverses on what decode
// accepts).
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "broker/net/request_header.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/request_types.h"
#include "protocol/generated/api_registry.h"
#include "protocol/generated/request_header.h"

namespace {

using namespace sluice;
using protocol::bytes;
using protocol::bytes_view;

template <typename Message>
void round_trip(bytes_view body, int16_t version) {
    Message message;
    protocol::reader r(body);
    message.decode(r, version);
    if (!r.ok()) return;  // refused: fine, as long as nothing crashed

    protocol::writer first;
    message.encode(first, version);
    SLUICE_FUZZ_CHECK(!first.has_file_slices(), "a decoded request encodes to memory only");

    Message again;
    protocol::reader r2(first.buffer());
    again.decode(r2, version);
    SLUICE_FUZZ_CHECK(r2.ok(), "re-encoded request decodes");
    SLUICE_FUZZ_CHECK(r2.at_end(), "re-encoded request decodes to its end");
    protocol::writer second;
    again.encode(second, version);
    SLUICE_FUZZ_CHECK(second.buffer() == first.buffer(), "encode(decode(encode(m))) == encode(m)");
}

struct request_codec {
    int16_t api_key;
    int16_t lowest_version;
    int16_t highest_version;
    void (*round_trip)(bytes_view body, int16_t version);
};

#define SLUICE_FUZZ_CODEC(type) \
    request_codec{protocol::type::api_key, protocol::type::lowest_version, protocol::type::highest_version, \
                  &round_trip<protocol::type>},
constexpr request_codec codecs[] = {SLUICE_FUZZ_ALL_REQUESTS(SLUICE_FUZZ_CODEC)};
#undef SLUICE_FUZZ_CODEC

const request_codec* find_codec(int16_t api_key) {
    for (const auto& c : codecs) {
        if (c.api_key == api_key) return &c;
    }
    return nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::off);
    // The dispatch list must cover the registry exactly.
    SLUICE_FUZZ_CHECK(std::size(codecs) == protocol::all_apis().size(), "request_types.h lists every API");
    for (const auto& api : protocol::all_apis()) {
        const request_codec* c = find_codec(api.key);
        SLUICE_FUZZ_CHECK(c != nullptr, "request_types.h lists every API");
        SLUICE_FUZZ_CHECK(c->lowest_version == api.lowest_version && c->highest_version == api.highest_version,
                          "request_types.h and api_registry agree on versions");
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // The frame is writable in the broker (produce rewrites batches in place).
    std::vector<uint8_t> frame(data, data + size);
    broker::request req;
    broker::header_status status = broker::parse_request_header(std::span<uint8_t>(frame), req);

    // The generated request_header, for every API the registry knows.
    protocol::reader peek(bytes_view(frame.data(), frame.size()));
    int16_t api_key = peek.read_int16();
    int16_t api_version = peek.read_int16();
    const protocol::api_info* api = protocol::find_api(api_key);
    if (!peek.ok() || api == nullptr) {
        SLUICE_FUZZ_CHECK(status != broker::header_status::ok, "the broker serves only registry APIs");
        return 0;
    }
    if (api_version < api->lowest_version || api_version > api->highest_version) {
        SLUICE_FUZZ_CHECK(status != broker::header_status::ok, "the broker serves only defined versions");
        return 0;
    }
    protocol::request_header header;
    protocol::reader r(bytes_view(frame.data(), frame.size()));
    header.decode(r, api->is_flexible(api_version) ? 2 : 1);

    if (status == broker::header_status::ok) {
        SLUICE_FUZZ_CHECK(r.ok(), "a header the broker accepts is a valid request_header");
        SLUICE_FUZZ_CHECK(r.remaining() == req.body.size(), "broker and generated header agree on the body");
        SLUICE_FUZZ_CHECK(header.client_id == req.client_id && header.correlation_id == req.correlation_id,
                          "broker and generated header agree on the fields");
        SLUICE_FUZZ_CHECK(req.flexible == api->is_flexible(api_version), "flexible versions agree");
    } else if (status == broker::header_status::malformed) {
        SLUICE_FUZZ_CHECK(!r.ok(), "a header the broker refuses as malformed is not a valid request_header");
    }
    if (!r.ok()) return 0;

    const request_codec* codec = find_codec(api_key);
    bytes_view body(frame.data() + (frame.size() - r.remaining()), r.remaining());
    codec->round_trip(body, api_version);
    return 0;
}
