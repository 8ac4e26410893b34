#pragma once
// The SCRAM primitives and the stored credential (protocol/scram.h), by the
// names the SASL server uses.
#include "protocol/scram.h"

namespace sluice::broker::sasl {

using protocol::scram::constant_time_equal;
using protocol::scram::decode_saslname;
using protocol::scram::encode_saslname;
using protocol::scram::name_of;
using protocol::scram::random_bytes;
using protocol::scram::scram_credential;
using protocol::scram::scram_credential_from_salted;
using protocol::scram::scram_hash;
using protocol::scram::scram_hi;
using protocol::scram::scram_hmac;
using protocol::scram::scram_max_iterations;
using protocol::scram::scram_mechanism;
using protocol::scram::scram_mechanism_named;
using protocol::scram::scram_mechanism_of;
using protocol::scram::scram_min_iterations;
using protocol::scram::xor_bytes;

}  // namespace sluice::broker::sasl
