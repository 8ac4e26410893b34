#pragma once
// The outcome of an admin operation: the metadata store's result type
// (replication/op_result.h), so a store's answer goes to the client as is.
#include "replication/op_result.h"

namespace sluice::broker {

using replication::op_result;

}  // namespace sluice::broker
