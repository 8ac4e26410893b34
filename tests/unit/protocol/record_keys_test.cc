#include "protocol/record_keys.h"

#include <gtest/gtest.h>

#include "protocol/record_batch.h"

namespace {

using namespace sluice::protocol;

record keyed(int64_t offset, std::optional<bytes> key) {
    record r;
    r.offset = offset;
    r.timestamp = 1000;
    r.key = std::move(key);
    r.value = bytes{1, 2, 3};
    return r;
}

TEST(RecordKeys, AllKeyedBatchPasses) {
    bytes batch = build_batch({keyed(0, bytes{'a'}), keyed(1, bytes{})}, {});
    EXPECT_TRUE(every_record_has_key(batch));
}

TEST(RecordKeys, OneNullKeyFails) {
    bytes batch = build_batch({keyed(0, bytes{'a'}), keyed(1, std::nullopt)}, {});
    EXPECT_FALSE(every_record_has_key(batch));
}

TEST(RecordKeys, CompressedBatchIsLookedInto) {
    batch_builder_options options;
    options.codec = compression::zstd;
    EXPECT_TRUE(every_record_has_key(build_batch({keyed(0, bytes{'k'}), keyed(1, bytes{'l'})}, options)));
    EXPECT_FALSE(every_record_has_key(build_batch({keyed(0, std::nullopt)}, options)));
}

TEST(RecordKeys, GarbageIsNotKeyed) {
    bytes garbage(80, 0x5a);
    EXPECT_FALSE(every_record_has_key(garbage));
}

}  // namespace
