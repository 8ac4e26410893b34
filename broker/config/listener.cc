#include "broker/config/listener.h"

#include <set>

#include "broker/config/config_def.h"
#include "broker/config/config_error.h"

namespace sluice::broker {

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

bool valid_name(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '-';
        if (!ok) return false;
    }
    return true;
}

bool valid_host_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '%' || c == ':';
}

}  // namespace

std::string listener::to_string() const {
    bool v6 = host.find(':') != std::string::npos;
    return name + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string listeners_to_string(const std::vector<listener>& listeners) {
    std::string out;
    for (const auto& l : listeners) {
        if (!out.empty()) out += ',';
        out += l.to_string();
    }
    return out;
}

std::map<std::string, std::string> parse_security_protocol_map(std::string_view value) {
    static const std::set<std::string> protocols = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"};
    std::map<std::string, std::string> out;
    for (const auto& item : split_list(value)) {
        auto colon = item.find(':');
        auto fail = [&](std::string_view why) {
            throw config_error(invalid_value_message("listener.security.protocol.map", value, why));
        };
        if (colon == std::string::npos) fail("Map entry '" + item + "' is not NAME:PROTOCOL");
        std::string name = upper(trim(std::string_view(item).substr(0, colon)));
        std::string protocol = upper(trim(std::string_view(item).substr(colon + 1)));
        if (!valid_name(name)) fail("Invalid listener name '" + name + "'");
        if (!protocols.contains(protocol)) fail("Unknown security protocol '" + protocol + "'");
        if (!out.emplace(name, protocol).second) fail("Listener name '" + name + "' appears twice");
    }
    return out;
}

std::vector<listener> parse_listeners(std::string_view property, std::string_view value,
                                      const std::map<std::string, std::string>& protocol_map) {
    auto fail = [&](const std::string& why) {
        throw config_error(invalid_value_message(property, value, why));
    };
    std::vector<listener> out;
    std::set<std::string> names;
    for (const auto& item : split_list(value)) {
        std::string_view s = item;
        auto sep = s.find("://");
        if (sep == std::string_view::npos) fail("Listener '" + item + "' is not NAME://host:port");
        listener l;
        l.name = upper(s.substr(0, sep));
        if (!valid_name(l.name)) fail("Invalid listener name in '" + item + "'");
        s.remove_prefix(sep + 3);

        auto colon = s.rfind(':');
        if (colon == std::string_view::npos) fail("Listener '" + item + "' has no port");
        std::string_view host = s.substr(0, colon);
        std::string_view port = s.substr(colon + 1);
        if (!host.empty() && host.front() == '[') {
            if (host.size() < 2 || host.back() != ']') fail("Unbalanced brackets in '" + item + "'");
            host = host.substr(1, host.size() - 2);
        } else if (host.find(':') != std::string_view::npos) {
            fail("IPv6 host in '" + item + "' must be written in brackets");
        }
        for (char c : host) {
            if (!valid_host_char(c)) fail("Invalid host in '" + item + "'");
        }
        l.host = std::string(host);
        auto p = parse_int(port, 0, 65535);
        if (!p || trim(port) != port) fail("Invalid port in '" + item + "'");
        l.port = static_cast<uint16_t>(*p);

        auto proto = protocol_map.find(l.name);
        if (proto == protocol_map.end()) {
            fail("No security protocol defined for listener " + l.name +
                 " (see listener.security.protocol.map)");
        }
        l.security_protocol = proto->second;
        if (!names.insert(l.name).second) fail("Each listener must have a different name");
        out.push_back(std::move(l));
    }
    if (out.empty()) fail("At least one listener is required");
    return out;
}

}  // namespace sluice::broker
