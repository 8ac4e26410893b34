#pragma once
// Magic 0 LZ4 wrappers: Kafka before 0.10 wrote the LZ4 frame's header
// checksum over the frame's magic number as well as its descriptor, and
// Kafka still never checks that byte for magic 0 (KafkaLZ4BlockInputStream
// with ignoreFlagDescriptorChecksum); librdkafka writes it the same way for
// magic 0. A standard LZ4 reader checks it, so it is rewritten first.
#include "protocol/wire.h"

namespace sluice::protocol {

// Sets the header checksum of the LZ4 frame in `frame` to the standard one
// (xxh32 of the descriptor, second byte). A frame too short to hold its
// descriptor is left as it is, for the decompressor to refuse.
void fix_kafka_v0_lz4_header_checksum(bytes& frame);

}  // namespace sluice::protocol
