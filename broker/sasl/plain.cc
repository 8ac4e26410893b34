#include "broker/sasl/plain.h"

#include <vector>

#include "broker/sasl/scram.h"

namespace sluice::broker::sasl {

std::optional<plain_token> parse_plain_token(std::string_view token, std::string& error) {
    // Kafka splits at most four times, so a fourth NUL is reported as four fields.
    std::vector<std::string_view> fields;
    size_t start = 0;
    for (int i = 0; i < 4; ++i) {
        size_t end = token.find('\0', start);
        if (end == std::string_view::npos) {
            fields.push_back(token.substr(start));
            break;
        }
        fields.push_back(token.substr(start, end - start));
        start = end + 1;
    }
    if (fields.size() != 3) {
        error = "Invalid SASL/PLAIN response: expected 3 tokens, got " + std::to_string(fields.size());
        return std::nullopt;
    }
    if (fields[1].empty()) {
        error = "Authentication failed: username not specified";
        return std::nullopt;
    }
    if (fields[2].empty()) {
        error = "Authentication failed: password not specified";
        return std::nullopt;
    }
    if (!fields[0].empty() && fields[0] != fields[1]) {
        error = "Authentication failed: Client requested an authorization id that is different from username";
        return std::nullopt;
    }
    return plain_token{std::string(fields[0]), std::string(fields[1]), std::string(fields[2])};
}

step plain_server::evaluate(std::string_view client_token) {
    if (done_) return step::fail("Unexpected SASL/PLAIN message after authentication");
    done_ = true;
    std::string error;
    auto t = parse_plain_token(client_token, error);
    if (!t) return step::fail(error);
    auto it = users_.find(t->username);
    // Compared even for an unknown user, so both failures take the same path.
    std::string_view expected = it == users_.end() ? std::string_view("\x01unknown-user") : it->second;
    // Digests first: equal lengths, so the time does not tell the length either.
    bool ok = constant_time_equal(scram_hash(scram_mechanism::sha_256, expected),
                                  scram_hash(scram_mechanism::sha_256, t->password)) &&
              it != users_.end();
    if (!ok) return step::fail("Authentication failed: Invalid username or password");
    return {step::outcome::success, {}, {}, t->username};
}

}  // namespace sluice::broker::sasl
