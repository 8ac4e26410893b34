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

// validate_batch_keys: validate_batch and the key check in one walk (one
// decompression), as produce runs them for a compacted topic.

std::vector<int32_t> keyless_validated(const bytes& batch) {
    std::vector<int32_t> out;
    record_facts facts;
    EXPECT_EQ(validate_batch_keys(batch, out, facts), error_code::none);
    return out;
}

TEST(ValidateBatchKeys, NamesWhatFindKeylessRecordsNames) {
    for (compression codec : {compression::none, compression::gzip, compression::snappy, compression::lz4,
                              compression::zstd}) {
        batch_builder_options options;
        options.codec = codec;
        bytes batch = build_batch(
            {keyed(0, std::nullopt), keyed(1, bytes{'a'}), keyed(2, std::nullopt), keyed(3, bytes{})}, options);
        EXPECT_EQ(keyless_validated(batch), (std::vector<int32_t>{0, 2})) << static_cast<int>(codec);
        EXPECT_EQ(keyless_validated(batch), keyless(batch));
        EXPECT_TRUE(keyless_validated(build_batch({keyed(0, bytes{'k'})}, options)).empty());
    }
}

TEST(ValidateBatchKeys, GivesValidateBatchsVerdict) {
    // A keyless record in a batch that is also broken: the batch's fault is
    // the answer (CORRUPT_MESSAGE, INVALID_RECORD), as with validate_batch first.
    bytes bad_crc = build_batch({keyed(0, std::nullopt)}, {});
    bad_crc[17] ^= 0xff;
    std::vector<int32_t> out;
    record_facts facts;
    EXPECT_EQ(validate_batch_keys(bad_crc, out, facts), validate_batch(bad_crc));
    EXPECT_EQ(validate_batch(bad_crc), error_code::corrupt_message);

    // A header whose last offset delta disagrees with its count is refused
    // (Kafka: "Inconsistent batch offset range and record count").
    bytes gaps = build_batch({keyed(0, std::nullopt), keyed(5, bytes{'a'})}, {});
    EXPECT_EQ(validate_batch_keys(gaps, out, facts), error_code::invalid_record);
    EXPECT_EQ(validate_batch(gaps), error_code::invalid_record);

    // Record deltas with a gap under a consistent header: reported, not
    // refused (Kafka rewrites such a batch).
    bytes inner_gap = build_batch({keyed(0, bytes{'k'}), keyed(2, bytes{'l'})}, {.last_offset_delta = 1});
    record_facts seen;
    out.clear();
    EXPECT_EQ(validate_batch_keys(inner_gap, out, seen), error_code::none);
    EXPECT_FALSE(seen.offsets_consecutive);
    EXPECT_TRUE(out.empty());

    bytes garbage(80, 0x5a);
    EXPECT_EQ(validate_batch_keys(garbage, out, facts), validate_batch(garbage));
}

}  // namespace
