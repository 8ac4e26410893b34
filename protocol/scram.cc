#include "protocol/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

namespace sluice::protocol::scram {

namespace {

const EVP_MD* digest_of(scram_mechanism m) { return m == scram_mechanism::sha_256 ? EVP_sha256() : EVP_sha512(); }

}  // namespace

std::optional<scram_mechanism> scram_mechanism_named(std::string_view name) {
    if (name == "SCRAM-SHA-256") return scram_mechanism::sha_256;
    if (name == "SCRAM-SHA-512") return scram_mechanism::sha_512;
    return std::nullopt;
}

std::optional<scram_mechanism> scram_mechanism_of(int8_t type) {
    if (type == 1) return scram_mechanism::sha_256;
    if (type == 2) return scram_mechanism::sha_512;
    return std::nullopt;
}

std::string_view name_of(scram_mechanism m) {
    return m == scram_mechanism::sha_256 ? "SCRAM-SHA-256" : "SCRAM-SHA-512";
}

std::string scram_hash(scram_mechanism m, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out, &len, digest_of(m), nullptr);
    return std::string(reinterpret_cast<const char*>(out), len);
}

std::string scram_hmac(scram_mechanism m, std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(digest_of(m), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), out, &len);
    return std::string(reinterpret_cast<const char*>(out), len);
}

std::string scram_hi(scram_mechanism m, std::string_view password, std::string_view salt, int32_t iterations) {
    std::string out(static_cast<size_t>(EVP_MD_get_size(digest_of(m))), '\0');
    PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                      reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                      digest_of(m), static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data()));
    return out;
}

scram_credential scram_credential_from_salted(scram_mechanism m, std::string_view salted_password,
                                              std::string_view salt, int32_t iterations) {
    scram_credential c;
    c.salt = std::string(salt);
    c.iterations = iterations;
    c.stored_key = scram_hash(m, scram_hmac(m, salted_password, "Client Key"));
    c.server_key = scram_hmac(m, salted_password, "Server Key");
    return c;
}

std::string xor_bytes(std::string_view a, std::string_view b) {
    std::string out(a.size(), '\0');
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) out[i] = static_cast<char>(a[i] ^ b[i]);
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_bytes(size_t n) {
    std::string out(n, '\0');
    // A CSPRNG that cannot produce bytes is a broken machine, not a request
    // error: predictable nonces must never go out.
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
        std::fputs("OpenSSL RAND_bytes failed: no secure random bytes for SASL nonces\n", stderr);
        std::abort();
    }
    return out;
}

std::optional<std::string> decode_saslname(std::string_view name) {
    std::string out;
    for (size_t i = 0; i < name.size(); ++i) {
        if (name[i] != '=') {
            if (name[i] == ',') return std::nullopt;
            out += name[i];
            continue;
        }
        std::string_view code = name.substr(i + 1, 2);
        if (code == "2C") {
            out += ',';
        } else if (code == "3D") {
            out += '=';
        } else {
            return std::nullopt;
        }
        i += 2;
    }
    return out;
}

std::string encode_saslname(std::string_view name) {
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

}  // namespace sluice::protocol::scram
