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

std::vector<int32_t> keyless(const bytes& batch) {
    std::vector<int32_t> out;
    EXPECT_EQ(find_keyless_records(batch, out), error_code::none);
    return out;
}

TEST(RecordKeys, AllKeyedBatchHasNoKeylessRecord) {
    // An empty key is a key: only a null one is missing.
    EXPECT_TRUE(keyless(build_batch({keyed(0, bytes{'a'}), keyed(1, bytes{})}, {})).empty());
}

TEST(RecordKeys, NullKeysAreNamedByTheirIndexInTheBatch) {
    bytes batch =
        build_batch({keyed(0, std::nullopt), keyed(1, bytes{'a'}), keyed(2, std::nullopt), keyed(3, bytes{'b'})}, {});
    EXPECT_EQ(keyless(batch), (std::vector<int32_t>{0, 2}));
}

TEST(RecordKeys, IndexesCountRecordsNotOffsets) {
    // A batch from a compacted log has offset gaps; the index is the position.
    bytes batch = build_batch({keyed(10, bytes{'a'}), keyed(15, std::nullopt)}, {.base_offset = 10});
    EXPECT_EQ(keyless(batch), (std::vector<int32_t>{1}));
}

TEST(RecordKeys, CompressedBatchIsLookedInto) {
    batch_builder_options options;
    options.codec = compression::zstd;
    EXPECT_TRUE(keyless(build_batch({keyed(0, bytes{'k'}), keyed(1, bytes{'l'})}, options)).empty());
    EXPECT_EQ(keyless(build_batch({keyed(0, bytes{'k'}), keyed(1, std::nullopt)}, options)), (std::vector<int32_t>{1}));
}

TEST(RecordKeys, GarbageIsAnError) {
    bytes garbage(80, 0x5a);
    std::vector<int32_t> out;
    EXPECT_NE(find_keyless_records(garbage, out), error_code::none);
}

}  // namespace
