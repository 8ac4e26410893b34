#pragma once
// Key checks on a record batch, for topics whose records must be keyed
// (cleanup.policy=compact rejects records without a key, as Kafka does).
#include "protocol/wire.h"

namespace sluice::protocol {

// True when every record of the (already validated) batch has a non-null key.
bool every_record_has_key(bytes_view batch);

}  // namespace sluice::protocol
