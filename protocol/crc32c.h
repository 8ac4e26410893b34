#pragma once
// CRC-32C (Castagnoli), the checksum of Kafka record batches v2.
// Uses the SSE4.2 instruction when the CPU has it, a table otherwise.
#include <cstddef>
#include <cstdint>

namespace sluice::protocol {

// Extends `crc` (0 to start) over `size` bytes at `data`.
uint32_t crc32c(const void* data, size_t size, uint32_t crc = 0);

// The CRC of A||B from crc(A), crc(B) and |B|, in O(log |B|) time. Lets a
// batch edit patch its CRC instead of rehashing the whole batch.
uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, size_t size_b);

// The two implementations, for tests and benchmarks; crc32c() picks one.
namespace detail {
uint32_t crc32c_portable(const void* data, size_t size, uint32_t crc);
bool crc32c_hw_available();
// Only call when crc32c_hw_available().
uint32_t crc32c_sse42(const void* data, size_t size, uint32_t crc);
}  // namespace detail

}  // namespace sluice::protocol
