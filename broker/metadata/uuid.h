#pragma once
// Topic and cluster ids in Kafka's text form live in protocol/uuid_text.h
// (the cluster metadata store below broker/ needs them too).
#include "protocol/uuid_text.h"

namespace sluice::broker {

using protocol::random_uuid;
using protocol::to_base64url;
using protocol::uuid_from_base64url;

}  // namespace sluice::broker
