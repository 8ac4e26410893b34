#pragma once
// SCRAM (RFC 5802, RFC 7677) primitives and the stored credential.
//
//   SaltedPassword = Hi(password, salt, i)        (PBKDF2 with HMAC-H)
//   ClientKey      = HMAC(SaltedPassword, "Client Key")
//   StoredKey      = H(ClientKey)
//   ServerKey      = HMAC(SaltedPassword, "Server Key")
//
// The broker keeps only salt, iterations, StoredKey and ServerKey (what
// Kafka's ScramCredential holds): enough to check a proof and sign the
// answer, not enough to log in. Byte strings are std::string. The broker's
// server side, the inter-broker client and the CLI all use these.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::protocol::scram {

enum class scram_mechanism : int8_t { sha_256 = 1, sha_512 = 2 };  // Kafka's ScramMechanism type ids

// Kafka's bounds on the iteration count of every SCRAM mechanism.
inline constexpr int32_t scram_min_iterations = 4096;
inline constexpr int32_t scram_max_iterations = 16384;

std::optional<scram_mechanism> scram_mechanism_named(std::string_view name);  // "SCRAM-SHA-256"
std::optional<scram_mechanism> scram_mechanism_of(int8_t type);
std::string_view name_of(scram_mechanism m);

struct scram_credential {
    std::string salt;
    int32_t iterations = 0;
    std::string stored_key;
    std::string server_key;
    bool operator==(const scram_credential&) const = default;
};

std::string scram_hash(scram_mechanism m, std::string_view data);
std::string scram_hmac(scram_mechanism m, std::string_view key, std::string_view data);
std::string scram_hi(scram_mechanism m, std::string_view password, std::string_view salt, int32_t iterations);
// From SaltedPassword (what AlterUserScramCredentials carries).
scram_credential scram_credential_from_salted(scram_mechanism m, std::string_view salted_password,
                                              std::string_view salt, int32_t iterations);
// a XOR b (same length).
std::string xor_bytes(std::string_view a, std::string_view b);
// Compares in time independent of where the strings differ.
bool constant_time_equal(std::string_view a, std::string_view b);
// `n` bytes from OpenSSL's CSPRNG.
std::string random_bytes(size_t n);

// saslname (RFC 5802 5.1): ',' is written "=2C" and '=' "=3D"; any other
// '=' sequence is invalid (nullopt).
std::optional<std::string> decode_saslname(std::string_view name);
std::string encode_saslname(std::string_view name);

}  // namespace sluice::protocol::scram
