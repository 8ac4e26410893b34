#pragma once
// Kafka's default partitioner for keyed records: murmur2(key) & 0x7fffffff
// modulo the partition count, so `sluice produce` puts a key where a Java
// producer (or librdkafka with partitioner=murmur2) puts it.
#include <cstddef>
#include <cstdint>

#include "protocol/wire.h"

namespace sluice::tools {

// Kafka's Utils.murmur2 (seed 0x9747b28c).
uint32_t murmur2(const uint8_t* data, size_t size);

int32_t partition_for_key(const protocol::bytes& key, int32_t partition_count);

}  // namespace sluice::tools
