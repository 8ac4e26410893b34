#pragma once
// Kafka's compression codecs for record batch payloads.
// snappy accepts both raw snappy (librdkafka) and xerial framing (Java).
// lz4 is the LZ4 frame format, as Kafka uses since magic 1.
#include "protocol/error_code.h"
#include "protocol/record_batch.h"
#include "protocol/wire.h"

namespace sluice::protocol {

// Decompresses into `out` (cleared first). `max_output` bounds the result so a
// small payload cannot expand without limit; exceeding it is an error.
error_code decompress(compression codec, bytes_view in, bytes& out, size_t max_output);

// The same into a reused buffer: the result is `buffer`'s first `size`
// bytes, and room the buffer already has is used without clearing or
// zero-filling it again (the per-batch cost that mattered on the produce
// path). `buffer` may be left larger than `size`.
error_code decompress_into(compression codec, bytes_view in, bytes& buffer, size_t max_output, size_t& size);

// Compresses `in` into `out` (cleared first). snappy is written in xerial
// framing, as Kafka's Java producer writes it; lz4 as independent 64 KiB
// blocks, which Kafka's own lz4 reader requires.
error_code compress(compression codec, bytes_view in, bytes& out);

}  // namespace sluice::protocol
