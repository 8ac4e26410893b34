// The versions the broker advertises: every one is in the codec, and each
// API is served up to the newest version the codec knows, so a current
// client is never pushed down to an older version than it needs.
#include <gtest/gtest.h>

#include <string>

#include "broker/handlers/handler.h"
#include "protocol/generated/api_registry.h"

namespace sluice::broker {
namespace {

TEST(AdvertisedVersions, EveryApiFromVersionZeroToTheCodecsNewest) {
    ASSERT_FALSE(api_handlers().empty());
    for (const api_handler& h : api_handlers()) {
        const protocol::api_info* info = protocol::find_api(h.api_key);
        ASSERT_NE(info, nullptr) << "api " << h.api_key;
        SCOPED_TRACE(std::string(info->name));
        // librdkafka enables features only when old versions are in range.
        EXPECT_EQ(h.min_version, 0);
        EXPECT_EQ(h.max_version, info->highest_version);
    }
}

TEST(AdvertisedVersions, NewestClientVersionsAreServed) {
    // What librdkafka 2.15 and Kafka 4 clients send at most (KIP-1102's
    // Metadata v13, KIP-890's Produce v12, KIP-853's Fetch v17).
    struct wanted {
        int16_t key;
        int16_t version;
    };
    for (wanted w : {wanted{0, 12}, wanted{1, 17}, wanted{2, 10}, wanted{3, 13}, wanted{10, 6}, wanted{18, 4}}) {
        const api_handler* h = find_handler(w.key);
        ASSERT_NE(h, nullptr) << w.key;
        EXPECT_GE(h->max_version, w.version) << "api " << w.key;
    }
}

}  // namespace
}  // namespace sluice::broker
