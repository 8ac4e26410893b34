#pragma once
// Raised at startup for a configuration the broker cannot run with. The only
// exception type of this module: configuration is read once, before serving.
#include <stdexcept>
#include <string>

namespace sluice::broker {

class config_error : public std::runtime_error {
public:
    explicit config_error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace sluice::broker
