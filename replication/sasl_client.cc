#include "replication/sasl_client.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>
#include <map>

#include "replication/etcd/base64.h"

namespace sluice::replication {

namespace {

using etcd::base64_decode;
using etcd::base64_encode;

const EVP_MD* digest_for(std::string_view mechanism) {
    if (mechanism == "SCRAM-SHA-256") return EVP_sha256();
    if (mechanism == "SCRAM-SHA-512") return EVP_sha512();
    return nullptr;
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), out, &len);
    return std::string(reinterpret_cast<const char*>(out), len);
}

std::string digest(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
    return std::string(reinterpret_cast<const char*>(out), len);
}

std::string saslname(std::string_view name) {
    std::string out;
    for (char c : name) {
        if (c == ',') {
            out += "=2C";
        } else if (c == '=') {
            out += "=3D";
        } else {
            out += c;
        }
    }
    return out;
}

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
    if (digest_for(login_.mechanism) == nullptr) {
        return {std::nullopt, "SASL mechanism " + login_.mechanism + " is not supported for inter-broker connections"};
    }
    if (nonce_.empty()) {
        std::string raw(24, '\0');
        if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1) {
            return {std::nullopt, "no random bytes for a SCRAM nonce"};
        }
        nonce_ = base64_encode(raw);
    }
    first_bare_ = "n=" + saslname(login_.username) + ",r=" + nonce_;
    return {"n,," + first_bare_, std::nullopt};
}

sasl_client::next sasl_client::step(std::string_view server_token) {
    const EVP_MD* md = digest_for(login_.mechanism);
    if (md == nullptr || round_ == 0) return {std::nullopt, std::nullopt};  // PLAIN: one message
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
        std::string salted(static_cast<size_t>(EVP_MD_get_size(md)), '\0');
        PKCS5_PBKDF2_HMAC(login_.password.data(), static_cast<int>(login_.password.size()),
                          reinterpret_cast<const unsigned char*>(salt->data()), static_cast<int>(salt->size()),
                          iterations, md, static_cast<int>(salted.size()),
                          reinterpret_cast<unsigned char*>(salted.data()));
        std::string client_key = hmac(md, salted, "Client Key");
        std::string without_proof = "c=biws,r=" + combined;
        std::string auth = first_bare_ + "," + std::string(server_token) + "," + without_proof;
        std::string signature = hmac(md, digest(md, client_key), auth);
        std::string proof(client_key.size(), '\0');
        for (size_t i = 0; i < proof.size(); ++i) proof[i] = static_cast<char>(client_key[i] ^ signature[i]);
        server_signature_ = hmac(md, hmac(md, salted, "Server Key"), auth);
        return {without_proof + ",p=" + base64_encode(proof), std::nullopt};
    }
    auto v = base64_decode(attributes(server_token)['v']);
    if (!v || v->size() != server_signature_.size() ||
        CRYPTO_memcmp(v->data(), server_signature_.data(), v->size()) != 0) {
        return {std::nullopt, "the SCRAM server signature does not match"};
    }
    return {std::nullopt, std::nullopt};
}

}  // namespace sluice::replication
