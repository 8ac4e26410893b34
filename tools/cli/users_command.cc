// `sluice users set-scram|delete|describe`: SCRAM credentials through
// AlterUserScramCredentials and DescribeUserScramCredentials, as Kafka's
// `kafka-configs --alter --add-config 'SCRAM-SHA-256=[password=...]'`
// does. The password never leaves this process: it sends a random salt and
// SaltedPassword = PBKDF2-HMAC(password, salt, iterations).

#include <algorithm>
#include <iostream>
#include <map>

#include "protocol/generated/alter_user_scram_credentials.h"
#include "protocol/generated/describe_user_scram_credentials.h"
#include "protocol/scram.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/command.h"
#include "tools/cli/json_output.h"
#include "tools/cli/kafka_client.h"
#include "tools/cli/table.h"

namespace sluice::tools {

namespace {

// Kafka's ScramMechanism type ids and their digests.
int8_t mechanism_type(const parsed_args& args) {
    auto m = args.get("--mechanism");
    if (!m) throw usage_error("--mechanism SCRAM-SHA-256|SCRAM-SHA-512 is required");
    if (*m == "SCRAM-SHA-256") return 1;
    if (*m == "SCRAM-SHA-512") return 2;
    throw usage_error("unknown --mechanism '" + *m + "' (SCRAM-SHA-256 or SCRAM-SHA-512)");
}

std::string_view mechanism_name(int8_t type) {
    return type == 1 ? "SCRAM-SHA-256" : type == 2 ? "SCRAM-SHA-512" : "UNKNOWN";
}

std::string user_of(const parsed_args& args) {
    const std::string& user = args.positionals().at(0);
    if (user.empty()) throw usage_error("the user name must not be empty");
    return user;
}

protocol::bytes salted_password(int8_t type, const std::string& password, const protocol::bytes& salt,
                                int32_t iterations) {
    auto m = protocol::scram::scram_mechanism_of(type);
    if (!m) throw cli_error("unknown SCRAM mechanism type " + std::to_string(type));
    std::string salted = protocol::scram::scram_hi(
        *m, password, std::string_view(reinterpret_cast<const char*>(salt.data()), salt.size()), iterations);
    return protocol::bytes(salted.begin(), salted.end());
}

void check_results(const protocol::alter_user_scram_credentials_response& response, const std::string& user,
                   std::string_view what) {
    for (const auto& r : response.results) {
        if (r.user != user) continue;
        check_error(r.error_code, r.error_message, std::string(what) + " of user '" + user + "'");
        return;
    }
    throw cli_error(std::string(what) + " of user '" + user + "': no result from the broker");
}

int run_set_scram(const parsed_args& args) {
    std::string user = user_of(args);
    int8_t type = mechanism_type(args);
    auto password = args.get("--password");
    if (!password || password->empty()) throw usage_error("--password is required and must not be empty");
    int32_t iterations = 4096;
    if (auto i = args.get("--iterations")) iterations = static_cast<int32_t>(parse_int(*i, "--iterations", 1, INT32_MAX));
    protocol::bytes salt(32);
    std::string random = protocol::scram::random_bytes(salt.size());
    std::copy(random.begin(), random.end(), salt.begin());

    kafka_client client(bootstrap_of(args), timeout_of(args));
    protocol::alter_user_scram_credentials_request request;
    protocol::alter_user_scram_credentials_request::scram_credential_upsertion u;
    u.name = user;
    u.mechanism = type;
    u.iterations = iterations;
    u.salt = salt;
    u.salted_password = salted_password(type, *password, salt, iterations);
    request.upsertions.push_back(std::move(u));
    auto response = client.call<protocol::alter_user_scram_credentials_response>(
        request, client.version_for<protocol::alter_user_scram_credentials_request>());
    check_results(response, user, "cannot set the " + std::string(mechanism_name(type)) + " credential");
    print_result(args,
                 "Set the " + std::string(mechanism_name(type)) + " credential of user '" + user + "' (" +
                     std::to_string(iterations) + " iterations).",
                 {{"user", user}, {"mechanism", mechanism_name(type)}, {"iterations", iterations}});
    return exit_ok;
}

int run_delete(const parsed_args& args) {
    std::string user = user_of(args);
    int8_t type = mechanism_type(args);
    kafka_client client(bootstrap_of(args), timeout_of(args));
    protocol::alter_user_scram_credentials_request request;
    protocol::alter_user_scram_credentials_request::scram_credential_deletion d;
    d.name = user;
    d.mechanism = type;
    request.deletions.push_back(std::move(d));
    auto response = client.call<protocol::alter_user_scram_credentials_response>(
        request, client.version_for<protocol::alter_user_scram_credentials_request>());
    check_results(response, user, "cannot delete the " + std::string(mechanism_name(type)) + " credential");
    print_result(args, "Deleted the " + std::string(mechanism_name(type)) + " credential of user '" + user + "'.",
                 {{"user", user}, {"mechanism", mechanism_name(type)}});
    return exit_ok;
}

int run_describe(const parsed_args& args) {
    kafka_client client(bootstrap_of(args), timeout_of(args));
    protocol::describe_user_scram_credentials_request request;
    if (!args.positionals().empty()) {
        request.users.emplace();
        for (const auto& u : args.positionals()) {
            protocol::describe_user_scram_credentials_request::user_name name;
            name.name = u;
            request.users->push_back(std::move(name));
        }
    }
    auto response = client.call<protocol::describe_user_scram_credentials_response>(
        request, client.version_for<protocol::describe_user_scram_credentials_request>());
    check_error(response.error_code, response.error_message, "cannot describe SCRAM credentials");
    table out({"USER", "MECHANISM", "ITERATIONS"});
    for (const auto& r : response.results) {
        check_error(r.error_code, r.error_message, "cannot describe user '" + r.user + "'");
        for (const auto& c : r.credential_infos) {
            out.add_row({r.user, std::string(mechanism_name(c.mechanism)), std::to_string(c.iterations)});
        }
    }
    if (json_requested(args)) {
        print_json(std::cout, boost::json::object{{"credentials", json_rows(out)}});
        return exit_ok;
    }
    if (out.empty()) {
        std::cout << "No SCRAM credentials.\n";
        return exit_ok;
    }
    out.print(std::cout);
    return exit_ok;
}

}  // namespace

std::vector<command> users_commands() {
    option_spec mechanism = {"", "--mechanism", "MECHANISM", "SCRAM-SHA-256 or SCRAM-SHA-512"};
    return {
        {"users", "set-scram", "add or replace a user's SCRAM credential",
         {"sluice users set-scram NAME --mechanism MECHANISM --password PASSWORD [--iterations N] [-b HOST:PORT]",
          "Adds or replaces the user's credential for one SCRAM mechanism\n"
          "(AlterUserScramCredentials). A user may have both mechanisms. Kafka accepts\n"
          "4096 to 16384 iterations.",
          {mechanism, {"", "--password", "PASSWORD", "the user's password"},
           {"", "--iterations", "N", "PBKDF2 iterations (default 4096)"}, bootstrap_option(), timeout_option(), json_option()},
          1,
          1,
          "arguments:\n  NAME  the user name (its principal is User:NAME)"},
         run_set_scram},
        {"users", "delete", "delete a user's SCRAM credential",
         {"sluice users delete NAME --mechanism MECHANISM [-b HOST:PORT]",
          "Deletes the user's credential for one SCRAM mechanism (AlterUserScramCredentials).",
          {mechanism, bootstrap_option(), timeout_option(), json_option()},
          1,
          1,
          "arguments:\n  NAME  the user name"},
         run_delete},
        {"users", "describe", "list users' SCRAM mechanisms and iterations",
         {"sluice users describe [NAME...] [-b HOST:PORT]",
          "Lists the SCRAM mechanisms and iteration counts of the named users, or of\n"
          "every user (DescribeUserScramCredentials). Salts and keys are never shown.",
          {bootstrap_option(), timeout_option(), json_option()},
          0,
          1000,
          "arguments:\n  NAME  a user name (default: all users)"},
         run_describe},
    };
}

}  // namespace sluice::tools
