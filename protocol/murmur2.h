#pragma once
// Kafka's default partitioner for keyed records: murmur2(key) & 0x7fffffff
// modulo the partition count, so a key lands where a Java producer (or
// librdkafka with partitioner=murmur2) puts it. Shared by the broker (key
// reads) and the CLI (its producers).
#include <cstddef>
#include <cstdint>
#include <span>

namespace sluice::protocol {

// Kafka's Utils.murmur2 (seed 0x9747b28c), byte for byte.
uint32_t murmur2(const uint8_t* data, size_t size);

int32_t partition_for_key(std::span<const uint8_t> key, int32_t partition_count);

}  // namespace sluice::protocol
