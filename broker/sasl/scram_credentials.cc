#include "broker/sasl/scram_credentials.h"

#include <boost/json.hpp>

#include "replication/etcd/base64.h"
#include "replication/metadata_store.h"

namespace sluice::broker::sasl {

namespace json = boost::json;
using replication::etcd::base64_decode;
using replication::etcd::base64_encode;

user_credentials parse_user_credentials(std::string_view text) {
    user_credentials out;
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return out;
    for (const auto& [name, entry] : v.as_object()) {
        auto m = scram_mechanism_named(std::string_view(name.data(), name.size()));
        if (!m || !entry.is_object()) continue;
        const auto& o = entry.as_object();
        auto text_of = [&](std::string_view key) -> std::optional<std::string> {
            auto it = o.find(key);
            if (it == o.end() || !it->value().is_string()) return std::nullopt;
            const auto& s = it->value().as_string();
            return base64_decode(std::string_view(s.data(), s.size()));
        };
        auto it = o.find("iterations");
        auto salt = text_of("salt");
        auto stored = text_of("stored_key");
        auto server = text_of("server_key");
        if (it == o.end() || !it->value().is_int64() || !salt || !stored || !server) continue;
        out[*m] = scram_credential{*salt, static_cast<int32_t>(it->value().as_int64()), *stored, *server};
    }
    return out;
}

std::string user_credentials_json(const user_credentials& creds) {
    json::object o;
    for (const auto& [m, c] : creds) {
        o[name_of(m)] = json::object{{"salt", base64_encode(c.salt)},
                                     {"iterations", c.iterations},
                                     {"stored_key", base64_encode(c.stored_key)},
                                     {"server_key", base64_encode(c.server_key)}};
    }
    return json::serialize(o);
}

std::optional<scram_credential> find_scram_credential(const replication::metadata_store& store,
                                                      const std::string& user, scram_mechanism m) {
    auto records = store.records(scram_record_kind);
    auto it = records.find(user);
    if (it == records.end()) return std::nullopt;
    auto creds = parse_user_credentials(it->second);
    auto c = creds.find(m);
    if (c == creds.end()) return std::nullopt;
    return c->second;
}

}  // namespace sluice::broker::sasl
