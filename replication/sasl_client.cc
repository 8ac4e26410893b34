#include "replication/sasl_client.h"

#include <charconv>
#include <map>

#include "protocol/scram.h"
#include "replication/etcd/base64.h"

namespace sluice::replication {

namespace {

using etcd::base64_decode;
using etcd::base64_encode;
namespace scram = protocol::scram;

std::map<char, std::string> attributes(std::string_view message) {
    std::map<char, std::string> out;
    size_t pos = 0;
    while (pos <= message.size()) {
        size_t end = message.find(',', pos);
        if (end == std::string_view::npos) end = message.size();
        std::string_view attr = message.substr(pos, end - pos);
        if (attr.size() >= 2 && attr[1] == '=') out.emplace(attr[0], std::string(attr.substr(2)));
        pos = end + 1;
    }
    return out;
}

}  // namespace

sasl_client::next sasl_client::start() {
    round_ = 1;
    if (login_.mechanism == "PLAIN") {
        return {std::string(1, '\0') + login_.username + std::string(1, '\0') + login_.password, std::nullopt};
    }
    if (!scram::scram_mechanism_named(login_.mechanism)) {
        return {std::nullopt, "SASL mechanism " + login_.mechanism + " is not supported for inter-broker connections"};
    }
    if (nonce_.empty()) nonce_ = base64_encode(scram::random_bytes(24));
    first_bare_ = "n=" + scram::encode_saslname(login_.username) + ",r=" + nonce_;
    return {"n,," + first_bare_, std::nullopt};
}

sasl_client::next sasl_client::step(std::string_view server_token) {
    auto m = scram::scram_mechanism_named(login_.mechanism);
    if (!m || round_ == 0) return {std::nullopt, std::nullopt};  // PLAIN: one message
    if (round_ == 1) {
        round_ = 2;
        auto attrs = attributes(server_token);
        auto salt = base64_decode(attrs['s']);
        int iterations = 0;
        const std::string& i = attrs['i'];
        auto parsed = std::from_chars(i.data(), i.data() + i.size(), iterations);
        if (parsed.ec != std::errc() || parsed.ptr != i.data() + i.size()) iterations = 0;
        const std::string& combined = attrs['r'];
        if (!salt || iterations <= 0 || combined.size() <= nonce_.size() || !combined.starts_with(nonce_)) {
            return {std::nullopt, "invalid SCRAM server-first message"};
        }
        std::string salted = scram::scram_hi(*m, login_.password, *salt, iterations);
        std::string client_key = scram::scram_hmac(*m, salted, "Client Key");
        std::string without_proof = "c=biws,r=" + combined;
        std::string auth = first_bare_ + "," + std::string(server_token) + "," + without_proof;
        std::string signature = scram::scram_hmac(*m, scram::scram_hash(*m, client_key), auth);
        std::string proof = scram::xor_bytes(client_key, signature);
        server_signature_ = scram::scram_hmac(*m, scram::scram_hmac(*m, salted, "Server Key"), auth);
        return {without_proof + ",p=" + base64_encode(proof), std::nullopt};
    }
    auto v = base64_decode(attributes(server_token)['v']);
    if (!v || !scram::constant_time_equal(*v, server_signature_)) {
        return {std::nullopt, "the SCRAM server signature does not match"};
    }
    return {std::nullopt, std::nullopt};
}

}  // namespace sluice::replication
