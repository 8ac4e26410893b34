#include "tools/cli/kafka_compat/client_quotas.h"

#include <charconv>
#include <cmath>
#include <iostream>
#include <set>

#include "protocol/generated/alter_client_quotas.h"
#include "protocol/generated/describe_client_quotas.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/kafka_compat/kafka_flags.h"

namespace sluice::tools::kafka_compat {

namespace {

// DescribeClientQuotas match types.
constexpr int8_t match_exact = 0, match_default = 1, match_specified = 2;

std::string entity_text(const std::vector<protocol::describe_client_quotas_response::entity_data>& entity) {
    // Kafka names the parts in this order whatever order the answer has.
    std::string out;
    for (auto [type, label] : {std::pair{"user", "user-principal"}, {"client-id", "client-id"}, {"ip", "ip"}}) {
        for (const auto& e : entity) {
            if (e.entity_type != type) continue;
            if (!out.empty()) out += ", ";
            out += e.entity_name ? std::string(label) + " '" + *e.entity_name + "'" : "the default " + std::string(label);
        }
    }
    return out;
}

protocol::describe_client_quotas_response describe(kafka_client& client, const std::vector<quota_component>& entity) {
    protocol::describe_client_quotas_request request;
    request.strict = true;  // ClientQuotaFilter.containsOnly, as the script asks
    for (const auto& c : entity) {
        protocol::describe_client_quotas_request::component_data d;
        d.entity_type = c.type;
        if (!c.name) {
            d.match_type = match_specified;
        } else if (c.name->empty()) {
            d.match_type = match_default;
        } else {
            d.match_type = match_exact;
            d.match = *c.name;
        }
        request.components.push_back(std::move(d));
    }
    auto response = client.call<protocol::describe_client_quotas_response>(
        request, client.version_for<protocol::describe_client_quotas_request>());
    check_error(response.error_code, response.error_message, "cannot describe client quotas");
    return response;
}

double quota_value(const std::string& key, const std::string& text) {
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        throw flag_error("Cannot parse quota configuration value for " + key + ": " + text);
    return value;
}

}  // namespace

bool is_quota_config(std::string_view key, bool ip) {
    if (ip) return key == "connection_creation_rate";
    return key == "producer_byte_rate" || key == "consumer_byte_rate" || key == "request_percentage" ||
           key == "controller_mutation_rate";
}

std::string java_double(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
    char buf[64];
    double magnitude = std::fabs(value);
    if (value == 0 || (magnitude >= 1e-3 && magnitude < 1e7)) {
        auto r = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::fixed);
        std::string out(buf, r.ptr);
        if (out.find('.') == std::string::npos) out += ".0";
        return out;
    }
    auto r = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
    std::string text(buf, r.ptr);
    size_t e = text.find('e');
    std::string mantissa = text.substr(0, e);
    if (mantissa.find('.') == std::string::npos) mantissa += ".0";
    int exponent = std::stoi(text.substr(e + 1));
    return mantissa + "E" + std::to_string(exponent);
}

void describe_client_quotas(kafka_client& client, const std::vector<quota_component>& entity) {
    auto response = describe(client, entity);
    if (!response.entries) return;
    for (const auto& entry : *response.entries) {
        std::string values;
        for (const auto& v : entry.values)
            values += (values.empty() ? "" : ", ") + v.key + "=" + java_double(v.value);
        std::cout << "Quota configs for " << entity_text(entry.entity) << " are " << values << '\n';
    }
}

void alter_client_quotas(kafka_client& client, const std::vector<quota_component>& entity,
                         const std::vector<std::pair<std::string, std::string>>& sets,
                         const std::vector<std::string>& deletes) {
    std::set<std::string> present;
    if (!deletes.empty()) {
        auto current = describe(client, entity);
        if (current.entries) {
            for (const auto& entry : *current.entries)
                for (const auto& v : entry.values)
                    present.insert(v.key);
        }
        std::string missing;
        for (const auto& key : deletes)
            if (!present.contains(key)) missing += (missing.empty() ? "" : ",") + key;
        if (!missing.empty()) throw cli_error("Invalid config(s): " + missing);
    }
    protocol::alter_client_quotas_request request;
    protocol::alter_client_quotas_request::entry_data entry;
    for (const auto& c : entity) {
        protocol::alter_client_quotas_request::entity_data e;
        e.entity_type = c.type;
        if (c.name && !c.name->empty()) e.entity_name = *c.name;
        entry.entity.push_back(std::move(e));
    }
    for (const auto& [key, text] : sets) {
        protocol::alter_client_quotas_request::op_data op;
        op.key = key;
        op.value = quota_value(key, text);
        entry.ops.push_back(std::move(op));
    }
    for (const auto& key : deletes) {
        protocol::alter_client_quotas_request::op_data op;
        op.key = key;
        op.remove = true;
        entry.ops.push_back(std::move(op));
    }
    request.entries.push_back(std::move(entry));
    auto response = client.call<protocol::alter_client_quotas_response>(
        request, client.version_for<protocol::alter_client_quotas_request>());
    for (const auto& r : response.entries)
        check_error(r.error_code, r.error_message, "cannot alter client quotas");
}

}  // namespace sluice::tools::kafka_compat
