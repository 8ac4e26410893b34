#include "tools/cli/kafka_compat/scram_users.h"

#include <algorithm>
#include <iostream>

#include "protocol/generated/alter_user_scram_credentials.h"
#include "protocol/generated/describe_user_scram_credentials.h"
#include "protocol/scram.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/kafka_compat/tool.h"

namespace sluice::tools::kafka_compat {

namespace {

// Kafka's ScramMechanism type ids.
int8_t mechanism_of(const std::string& name) {
    if (name == "SCRAM-SHA-256") return 1;
    if (name == "SCRAM-SHA-512") return 2;
    throw flag_error("Invalid config '" + name +
                     "' for entity type users: only SCRAM-SHA-256 and SCRAM-SHA-512 "
                     "credentials are supported (quotas are not)");
}

std::string_view mechanism_name(int8_t type) {
    return type == 1 ? "SCRAM-SHA-256" : type == 2 ? "SCRAM-SHA-512" : "UNKNOWN";
}

// "iterations=8192,password=secret" as Kafka's ConfigCommand reads it; the
// password may itself hold '=' but not ','.
protocol::alter_user_scram_credentials_request::scram_credential_upsertion upsertion(const std::string& user,
                                                                                     const std::string& mechanism,
                                                                                     const std::string& spec) {
    int32_t iterations = 4096;  // Kafka's default
    std::optional<std::string> password;
    size_t pos = 0;
    while (pos <= spec.size()) {
        size_t end = spec.find(',', pos);
        std::string item = spec.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        size_t eq = item.find('=');
        std::string key = item.substr(0, eq);
        std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
        if (key == "iterations") {
            iterations = static_cast<int32_t>(int_value(value, mechanism + " iterations", 1, INT32_MAX));
        } else if (key == "password") {
            password = value;
        } else {
            throw flag_error("Invalid " + mechanism + " setting '" + key + "': expected [iterations=N,]password=P");
        }
        if (end == std::string::npos) break;
        pos = end + 1;
    }
    if (!password || password->empty())
        throw flag_error(mechanism + " needs password=... (e.g. " + mechanism + "=[password=secret])");
    int8_t type = mechanism_of(mechanism);
    auto m = protocol::scram::scram_mechanism_of(type);
    std::string salt = protocol::scram::random_bytes(32);
    std::string salted = protocol::scram::scram_hi(*m, *password, salt, iterations);
    protocol::alter_user_scram_credentials_request::scram_credential_upsertion u;
    u.name = user;
    u.mechanism = type;
    u.iterations = iterations;
    u.salt = protocol::bytes(salt.begin(), salt.end());
    u.salted_password = protocol::bytes(salted.begin(), salted.end());
    return u;
}

}  // namespace

void alter_scram_users(kafka_client& client, const std::vector<std::string>& users,
                       const std::vector<std::pair<std::string, std::string>>& sets,
                       const std::vector<std::string>& deletes) {
    if (users.empty()) throw flag_error("An entity name must be specified with --alter of users");
    for (const auto& user : users) {
        protocol::alter_user_scram_credentials_request request;
        for (const auto& [mechanism, spec] : sets)
            request.upsertions.push_back(upsertion(user, mechanism, spec));
        for (const auto& mechanism : deletes) {
            protocol::alter_user_scram_credentials_request::scram_credential_deletion d;
            d.name = user;
            d.mechanism = mechanism_of(mechanism);
            request.deletions.push_back(std::move(d));
        }
        auto response = client.call<protocol::alter_user_scram_credentials_response>(
            request, client.version_for<protocol::alter_user_scram_credentials_request>());
        for (const auto& r : response.results)
            check_error(r.error_code, r.error_message, "cannot alter user '" + r.user + "'");
        std::cout << "Completed updating config for user " << user << ".\n";
    }
}

void describe_scram_users(kafka_client& client, const std::vector<std::string>& users) {
    protocol::describe_user_scram_credentials_request request;
    if (!users.empty()) {
        request.users.emplace();
        for (const auto& u : users) {
            protocol::describe_user_scram_credentials_request::user_name n;
            n.name = u;
            request.users->push_back(std::move(n));
        }
    }
    auto response = client.call<protocol::describe_user_scram_credentials_response>(
        request, client.version_for<protocol::describe_user_scram_credentials_request>());
    check_error(response.error_code, response.error_message, "cannot describe SCRAM credentials");
    for (const auto& r : response.results) {
        // RESOURCE_NOT_FOUND (91) for a named user without credentials: Kafka prints nothing for it.
        if (r.error_code == 91) continue;
        check_error(r.error_code, r.error_message, "cannot describe user '" + r.user + "'");
        std::string list;
        for (const auto& c : r.credential_infos) {
            list += (list.empty() ? "" : ", ") + std::string(mechanism_name(c.mechanism)) +
                    "=iterations=" + std::to_string(c.iterations);
        }
        std::cout << "SCRAM credential configs for user-principal '" << r.user << "' are " << list << '\n';
    }
}

}  // namespace sluice::tools::kafka_compat
