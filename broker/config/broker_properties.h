#pragma once
// The table of broker properties Sluice knows, by Kafka name. Properties that
// Sluice reads and properties it accepts silently (so a server.properties
// written for Kafka starts unchanged) are both here; a name in neither list is
// warned about, as Kafka does.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "broker/config/config_def.h"

namespace sluice::broker {

// Every known broker property, in describe order.
std::span<const config_def> broker_property_defs();

// nullptr when `name` is not a known broker property.
const config_def* find_broker_property(std::string_view name);

// Whether Sluice acts on the property (false: accepted and described only).
bool broker_property_used(std::string_view name);

// Names that configure the same thing, in Kafka's precedence order (first set
// wins). The first name carries the resolved value in describe(); each member's
// value is multiplied by `scale` to get the first's unit (e.g. hours → ms).
struct synonym_member {
    std::string_view name;
    int64_t scale = 1;
};
using synonym_group = std::vector<synonym_member>;

// The group `name` belongs to, or nullptr.
const synonym_group* find_synonym_group(std::string_view name);

}  // namespace sluice::broker
