#include "broker/sasl/scram_server.h"

#include <vector>

#include "replication/etcd/base64.h"

namespace sluice::broker::sasl {

namespace {

using replication::etcd::base64_decode;
using replication::etcd::base64_encode;

std::vector<std::string_view> split_commas(std::string_view s) {
    std::vector<std::string_view> out;
    size_t start = 0;
    for (;;) {
        size_t end = s.find(',', start);
        out.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) return out;
        start = end + 1;
    }
}

// RFC 5802's printable: 0x21-0x7e except ','.
bool printable_nonce(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (c < 0x21 || c > 0x7e || c == ',') return false;
    }
    return true;
}

std::string_view value_of(std::string_view attr, char name) {
    if (attr.size() < 2 || attr[0] != name || attr[1] != '=') return {};
    return attr.substr(2);
}

// Unknown users get a stable fake salt, so asking twice shows the same one.
const std::string& fake_salt_secret() {
    static const std::string secret = random_bytes(32);
    return secret;
}

}  // namespace

step scram_server::failed() {
    state_ = state::done;
    return step::fail("Authentication failed during authentication due to invalid credentials with SASL mechanism " +
                      std::string(name_of(mech_)));
}

step scram_server::evaluate(std::string_view token) {
    switch (state_) {
        case state::client_first:
            return client_first(token);
        case state::client_final:
            return client_final(token);
        case state::done:
            break;
    }
    return failed();
}

step scram_server::client_first(std::string_view msg) {
    // gs2-header: "n," then an optional "a=authzid", then ",".
    if (!msg.starts_with("n,")) return failed();
    size_t header_end = msg.find(',', 2);
    if (header_end == std::string_view::npos) return failed();
    std::string_view authzid_attr = msg.substr(2, header_end - 2);
    std::optional<std::string> authzid;
    if (!authzid_attr.empty()) {
        std::string_view a = value_of(authzid_attr, 'a');
        if (a.empty()) return failed();
        authzid = decode_saslname(a);
        if (!authzid) return failed();
    }
    gs2_header_ = std::string(msg.substr(0, header_end + 1));
    client_first_bare_ = std::string(msg.substr(header_end + 1));
    auto attrs = split_commas(client_first_bare_);
    size_t i = 0;
    if (i < attrs.size() && attrs[i].starts_with("m=")) return failed();  // mandatory extensions: none known
    if (attrs.size() < i + 2) return failed();
    auto name = decode_saslname(value_of(attrs[i], 'n'));
    std::string_view client_nonce = value_of(attrs[i + 1], 'r');
    if (!name || name->empty() || !printable_nonce(client_nonce)) return failed();
    if (authzid && *authzid != *name) return failed();
    username_ = *name;

    if (auto c = lookup_(username_)) {
        credential_ = *c;
        known_user_ = true;
    } else {
        std::string h = scram_hmac(mech_, fake_salt_secret(), username_);
        credential_ = scram_credential{h.substr(0, 20), scram_min_iterations, random_bytes(h.size()),
                                       random_bytes(h.size())};
    }
    if (server_nonce_.empty()) server_nonce_ = base64_encode(random_bytes(24));
    nonce_ = std::string(client_nonce) + server_nonce_;
    server_first_ = "r=" + nonce_ + ",s=" + base64_encode(credential_.salt) + ",i=" +
                    std::to_string(credential_.iterations);
    state_ = state::client_final;
    return {step::outcome::challenge, server_first_, {}, {}};
}

step scram_server::client_final(std::string_view msg) {
    size_t proof_at = msg.rfind(",p=");
    if (proof_at == std::string_view::npos) return failed();
    std::string_view without_proof = msg.substr(0, proof_at);
    auto proof = base64_decode(msg.substr(proof_at + 3));
    auto attrs = split_commas(without_proof);
    if (attrs.size() < 2) return failed();
    auto binding = base64_decode(value_of(attrs[0], 'c'));
    if (!binding || *binding != gs2_header_) return failed();
    // Kafka checks that the nonce ends with the combined one: librdkafka
    // (2.0.2) sends its own nonce again in front of it.
    if (!value_of(attrs[1], 'r').ends_with(nonce_)) return failed();
    if (!proof || proof->size() != credential_.stored_key.size()) return failed();

    std::string auth_message = client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
    std::string client_signature = scram_hmac(mech_, credential_.stored_key, auth_message);
    std::string client_key = xor_bytes(*proof, client_signature);
    bool ok = constant_time_equal(scram_hash(mech_, client_key), credential_.stored_key);
    if (!ok || !known_user_) return failed();
    state_ = state::done;
    std::string server_signature = scram_hmac(mech_, credential_.server_key, auth_message);
    return {step::outcome::success, "v=" + base64_encode(server_signature), {}, username_};
}

}  // namespace sluice::broker::sasl
