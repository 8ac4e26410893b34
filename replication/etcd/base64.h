#pragma once
// Standard base64 (RFC 4648, with padding): etcd's JSON gateway carries every
// key and value as base64 of its bytes.
#include <optional>
#include <string>
#include <string_view>

namespace sluice::replication::etcd {

std::string base64_encode(std::string_view bytes);
// nullopt on characters outside the alphabet or a bad length.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace sluice::replication::etcd
