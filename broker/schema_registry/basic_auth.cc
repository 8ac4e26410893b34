#include "broker/schema_registry/basic_auth.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cctype>
#include <utility>

#include "broker/broker.h"
#include "broker/sasl/scram_credentials.h"
#include "replication/etcd/base64.h"

namespace sluice::broker::schema_registry {

using protocol::scram::scram_credential;
using protocol::scram::scram_mechanism;

std::optional<basic_credentials> parse_basic_authorization(std::string_view header) {
    constexpr std::string_view scheme = "basic ";
    if (header.size() <= scheme.size()) return std::nullopt;
    for (size_t i = 0; i < scheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i]) return std::nullopt;
    }
    std::string_view encoded = header.substr(scheme.size());
    while (!encoded.empty() && encoded.front() == ' ')
        encoded.remove_prefix(1);
    while (!encoded.empty() && encoded.back() == ' ')
        encoded.remove_suffix(1);
    auto decoded = replication::etcd::base64_decode(encoded);
    if (!decoded) return std::nullopt;
    const size_t colon = decoded->find(':');
    if (colon == std::string::npos || colon == 0) return std::nullopt;
    return basic_credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

bool password_matches(scram_mechanism m, const scram_credential& credential, std::string_view password) {
    const std::string salted = protocol::scram::scram_hi(m, password, credential.salt, credential.iterations);
    const scram_credential derived =
        protocol::scram::scram_credential_from_salted(m, salted, credential.salt, credential.iterations);
    return protocol::scram::constant_time_equal(derived.stored_key, credential.stored_key);
}

basic_authenticator::basic_authenticator(broker& b) : b_(b) {}

basic_authenticator::~basic_authenticator() { *alive_ = false; }

void basic_authenticator::check(std::string_view authorization, std::function<void(bool)> done) {
    auto given = parse_basic_authorization(authorization);
    if (!given) return done(false);
    // The strongest mechanism the user has.
    scram_mechanism m = scram_mechanism::sha_512;
    auto credential = sasl::find_scram_credential(b_.metadata(), given->user, m);
    if (!credential) {
        m = scram_mechanism::sha_256;
        credential = sasl::find_scram_credential(b_.metadata(), given->user, m);
    }
    if (!credential) return done(false);
    std::string remembered_as =
        given->user + '\0' + protocol::scram::scram_hash(scram_mechanism::sha_256, given->password);
    if (auto it = verified_.find(remembered_as);
        it != verified_.end() && protocol::scram::constant_time_equal(it->second, credential->stored_key)) {
        return done(true);
    }
    // Only the I/O context is touched off the I/O thread; `this` only back on it, if still alive.
    b_.post_background([this, &io = b_.io(), alive = alive_, m, credential = std::move(*credential),
                        password = std::move(given->password), remembered_as = std::move(remembered_as),
                        done = std::move(done)]() mutable {
        const bool ok = password_matches(m, credential, password);
        boost::asio::post(io, [this, alive, ok, stored_key = std::move(credential.stored_key),
                               remembered_as = std::move(remembered_as), done = std::move(done)]() mutable {
            if (!*alive) return;
            if (ok) {
                if (verified_.size() >= max_remembered) verified_.clear();
                verified_[std::move(remembered_as)] = std::move(stored_key);
            }
            done(ok);
        });
    });
}

}  // namespace sluice::broker::schema_registry
