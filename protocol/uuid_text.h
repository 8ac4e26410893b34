#pragma once
// Random topic ids and cluster ids in Kafka's text form: the 16 bytes in
// base64url without padding (22 characters), as Kafka's Uuid#toString.
#include <optional>
#include <string>
#include <string_view>

#include "protocol/wire.h"

namespace sluice::protocol {

// A random version-4 UUID, skipping the values Kafka reserves or avoids: the
// zero UUID, the metadata topic id (0...01), and ids whose text starts with
// '-' (command-line tools would read them as flags).
uuid random_uuid();

std::string to_base64url(const uuid& id);
// nullopt unless `text` is exactly 22 base64url characters.
std::optional<uuid> uuid_from_base64url(std::string_view text);

}  // namespace sluice::protocol
