#pragma once
// SCRAM credentials as the metadata store keeps them: records of kind
// "scram", keyed by user name, one JSON value per user holding every
// mechanism that user has (salt and keys in standard base64):
//
//   {"SCRAM-SHA-256":{"salt":"...","iterations":8192,
//                     "stored_key":"...","server_key":"..."},
//    "SCRAM-SHA-512":{...}}
//
// Every broker of a cluster reads the same records, so a user added through
// any broker can log in on all of them.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "broker/sasl/scram.h"

namespace sluice::replication {
class metadata_store;
}

namespace sluice::broker::sasl {

inline constexpr std::string_view scram_record_kind = "scram";

using user_credentials = std::map<scram_mechanism, scram_credential>;

// Empty for a value that is not a credentials record (never trusted blindly:
// the store is shared with other processes).
user_credentials parse_user_credentials(std::string_view json);
std::string user_credentials_json(const user_credentials& creds);

std::optional<scram_credential> find_scram_credential(const replication::metadata_store& store,
                                                      const std::string& user, scram_mechanism m);

}  // namespace sluice::broker::sasl
