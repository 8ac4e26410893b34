#include "broker/net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "broker/config/broker_config.h"
#include "broker/config/config_def.h"
#include "broker/config/config_error.h"

namespace sluice::broker {

namespace asio = boost::asio;

namespace {

std::string openssl_reason(const boost::system::error_code& ec) {
    ERR_clear_error();
    return ec.message();
}

[[noreturn]] void refuse(const ssl_config& c, std::string_view key, std::string_view value, const std::string& why) {
    throw config_error(invalid_value_message(c.property_name(key), value, why));
}

void require_readable(const ssl_config& c, std::string_view key, const std::string& path) {
    std::ifstream in(path);
    if (!in) refuse(c, key, path, "Cannot read the file: " + std::string(std::strerror(errno)));
}

int protocol_version(std::string_view name) {
    if (name == "TLSv1") return TLS1_VERSION;
    if (name == "TLSv1.1") return TLS1_1_VERSION;
    if (name == "TLSv1.2") return TLS1_2_VERSION;
    if (name == "TLSv1.3") return TLS1_3_VERSION;
    return 0;
}

// Java enables exactly the listed protocols; OpenSSL takes a range, so the
// ones inside it that are not listed are switched off one by one.
void set_protocols(SSL_CTX* ctx, const ssl_config& c) {
    std::set<int> enabled;
    for (const auto& p : c.enabled_protocols) {
        int v = protocol_version(p);
        if (v == 0) {
            refuse(c, "ssl.enabled.protocols", join_list(c.enabled_protocols),
                   "Unknown protocol " + p + " (known: TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)");
        }
        enabled.insert(v);
    }
    SSL_CTX_set_min_proto_version(ctx, *enabled.begin());
    SSL_CTX_set_max_proto_version(ctx, *enabled.rbegin());
    const std::pair<int, uint64_t> off[] = {{TLS1_1_VERSION, SSL_OP_NO_TLSv1_1}, {TLS1_2_VERSION, SSL_OP_NO_TLSv1_2}};
    for (auto [v, op] : off) {
        if (v > *enabled.begin() && v < *enabled.rbegin() && !enabled.contains(v)) SSL_CTX_set_options(ctx, op);
    }
}

bool is_tls13_suite(std::string_view name) {
    return name == "TLS_AES_128_GCM_SHA256" || name == "TLS_AES_256_GCM_SHA384" ||
           name == "TLS_CHACHA20_POLY1305_SHA256" || name == "TLS_AES_128_CCM_SHA256" ||
           name == "TLS_AES_128_CCM_8_SHA256";
}

// ssl.cipher.suites holds IANA names (what Java uses); OpenSSL names its
// TLS 1.2 suites differently, so each is looked up among all it knows.
void set_cipher_suites(SSL_CTX* ctx, const ssl_config& c) {
    if (c.cipher_suites.empty()) return;
    std::map<std::string, std::string> openssl_name;
    {
        std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> all(SSL_CTX_new(TLS_method()), &SSL_CTX_free);
        SSL_CTX_set_security_level(all.get(), 0);
        SSL_CTX_set_cipher_list(all.get(), "ALL:COMPLEMENTOFALL");
        STACK_OF(SSL_CIPHER)* list = SSL_CTX_get_ciphers(all.get());
        for (int i = 0; i < sk_SSL_CIPHER_num(list); ++i) {
            const SSL_CIPHER* cipher = sk_SSL_CIPHER_value(list, i);
            if (const char* std_name = SSL_CIPHER_standard_name(cipher)) {
                openssl_name[std_name] = SSL_CIPHER_get_name(cipher);
            }
        }
    }
    std::string tls12, tls13;
    for (const auto& suite : c.cipher_suites) {
        if (is_tls13_suite(suite)) {
            tls13 += (tls13.empty() ? "" : ":") + suite;
        } else if (auto it = openssl_name.find(suite); it != openssl_name.end()) {
            tls12 += (tls12.empty() ? "" : ":") + it->second;
        } else {
            refuse(c, "ssl.cipher.suites", join_list(c.cipher_suites), "Unsupported cipher suite " + suite);
        }
    }
    // Listing no suite of a protocol version leaves that version unusable,
    // as it does in Java.
    SSL_CTX_set_ciphersuites(ctx, tls13.c_str());
    if (tls13.empty()) SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1_3);
    if (tls12.empty()) {
        SSL_CTX_set_options(ctx, SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_TLSv1_2);
    } else if (SSL_CTX_set_cipher_list(ctx, tls12.c_str()) != 1) {
        ERR_clear_error();
        refuse(c, "ssl.cipher.suites", join_list(c.cipher_suites), "OpenSSL refused the cipher list");
    }
}

void load_keystore(asio::ssl::context& ssl, const ssl_config& c) {
    std::string password = c.key_password.value_or("");
    // Always set: without a callback OpenSSL would prompt on the terminal for
    // an encrypted key.
    ssl.set_password_callback([password](size_t, asio::ssl::context::password_purpose) { return password; });
    boost::system::error_code ec;
    std::string hint = c.key_password ? " (is ssl.key.password right?)" : " (an encrypted key needs ssl.key.password)";
    if (c.keystore_location) {
        const std::string& path = *c.keystore_location;
        require_readable(c, "ssl.keystore.location", path);
        ssl.use_certificate_chain_file(path, ec);
        if (ec) {
            refuse(c, "ssl.keystore.location", path, "No usable PEM certificate chain: " + openssl_reason(ec));
        }
        ssl.use_private_key_file(path, asio::ssl::context::pem, ec);
        if (ec) {
            refuse(c, "ssl.keystore.location", path, "No usable PEM private key: " + openssl_reason(ec) + hint);
        }
    } else {
        std::string chain = normalize_pem(*c.keystore_certificate_chain);
        ssl.use_certificate_chain(asio::buffer(chain), ec);
        if (ec) {
            refuse(c, "ssl.keystore.certificate.chain", "[hidden]",
                   "No usable PEM certificate chain: " + openssl_reason(ec));
        }
        std::string key = normalize_pem(*c.keystore_key);
        ssl.use_private_key(asio::buffer(key), asio::ssl::context::pem, ec);
        if (ec) {
            refuse(c, "ssl.keystore.key", "[hidden]", "No usable PEM private key: " + openssl_reason(ec) + hint);
        }
    }
    if (SSL_CTX_check_private_key(ssl.native_handle()) != 1) {
        ERR_clear_error();
        std::string_view key = c.keystore_location ? "ssl.keystore.location" : "ssl.keystore.key";
        refuse(c, key, c.keystore_location.value_or("[hidden]"), "The private key does not match the certificate");
    }
}

void load_truststore(asio::ssl::context& ssl, const ssl_config& c) {
    boost::system::error_code ec;
    if (c.truststore_location) {
        const std::string& path = *c.truststore_location;
        require_readable(c, "ssl.truststore.location", path);
        ssl.load_verify_file(path, ec);
        if (ec) {
            refuse(c, "ssl.truststore.location", path, "No usable PEM certificates: " + openssl_reason(ec));
        }
    } else if (c.truststore_certificates) {
        std::string pem = normalize_pem(*c.truststore_certificates);
        if (!pem.empty()) ssl.add_certificate_authority(asio::buffer(pem), ec);
        if (pem.empty() || ec) {
            refuse(c, "ssl.truststore.certificates", "[hidden]",
                   "No usable PEM certificates: " + (ec ? openssl_reason(ec) : std::string("none found")));
        }
    } else {
        // Java's default trust store is the JVM's; the system's is ours.
        ssl.set_default_verify_paths(ec);
        ERR_clear_error();
    }
}

}  // namespace

std::string normalize_pem(std::string_view text) {
    std::string out;
    size_t pos = 0;
    while (true) {
        size_t begin = text.find("-----BEGIN ", pos);
        if (begin == std::string_view::npos) break;
        size_t label_end = text.find("-----", begin + 11);
        if (label_end == std::string_view::npos) break;
        std::string label(text.substr(begin + 11, label_end - begin - 11));
        std::string end_marker = "-----END " + label + "-----";
        size_t end = text.find(end_marker, label_end + 5);
        if (end == std::string_view::npos) break;
        std::string body;
        for (char ch : text.substr(label_end + 5, end - label_end - 5)) {
            if (ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t') body += ch;
        }
        out += "-----BEGIN " + label + "-----\n";
        for (size_t i = 0; i < body.size(); i += 64)
            out += body.substr(i, 64) + "\n";
        out += end_marker + "\n";
        pos = end + end_marker.size();
    }
    return out;
}

std::shared_ptr<tls_context> make_tls_context(const ssl_config& c) {
    auto t = std::make_shared<tls_context>();
    SSL_CTX* ctx = t->ssl.native_handle();
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    // Needed for session resumption once peers are verified.
    static constexpr unsigned char session_context[] = "sluice";
    SSL_CTX_set_session_id_context(ctx, session_context, sizeof session_context - 1);
    set_protocols(ctx, c);
    set_cipher_suites(ctx, c);
    load_keystore(t->ssl, c);
    load_truststore(t->ssl, c);
    if (c.client_auth == "required") {
        t->ssl.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    } else if (c.client_auth == "requested") {
        t->ssl.set_verify_mode(asio::ssl::verify_peer);
    } else {
        t->ssl.set_verify_mode(asio::ssl::verify_none);
    }
    t->wants_client_certificate = c.client_auth != "none";
    t->principals =
        ssl_principal_mapper::from_rules(c.property_name("ssl.principal.mapping.rules"), c.principal_mapping_rules);
    return t;
}

inter_broker_client inter_broker_settings(const broker_config& config) {
    auto upper = [](std::string s) {
        for (auto& ch : s)
            ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        return s;
    };
    auto named = config.value_of("inter.broker.listener.name");
    bool by_protocol = config.is_set("security.inter.broker.protocol");
    if (named && by_protocol) {
        throw config_error("Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.");
    }
    std::string name = upper(named ? *named : config.value_of("security.inter.broker.protocol").value_or("PLAINTEXT"));
    const auto& advertised = config.advertised_listeners;
    auto it = std::find_if(advertised.begin(), advertised.end(), [&](const listener& l) { return l.name == name; });
    if (it == advertised.end() && !advertised.empty()) {
        std::string valid;
        for (const auto& l : advertised) valid += (valid.empty() ? "" : ",") + l.name;
        if (named || by_protocol) {
            throw config_error(invalid_value_message(
                named ? "inter.broker.listener.name" : "security.inter.broker.protocol", name,
                "must be a listener name defined in advertised.listeners; the valid options are " + valid));
        }
        // As Kafka: unset means security.inter.broker.protocol=PLAINTEXT,
        // which needs a PLAINTEXT listener.
        throw config_error(
            "inter.broker.listener.name must be a listener name defined in advertised.listeners: neither it nor "
            "security.inter.broker.protocol is set, so it is PLAINTEXT, and there is no PLAINTEXT listener. "
            "Set inter.broker.listener.name to one of " + valid);
    }
    inter_broker_client out;
    if (it == advertised.end()) return out;
    out.listener = it->name;
    if (!uses_tls(it->security_protocol)) return out;
    ssl_config c = listener_ssl_config(config, it->name);
    out.tls = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX* ctx = out.tls->native_handle();
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    set_protocols(ctx, c);
    set_cipher_suites(ctx, c);
    load_keystore(*out.tls, c);  // presented when the other broker asks
    load_truststore(*out.tls, c);
    out.tls->set_verify_mode(asio::ssl::verify_peer);
    auto algorithm = config.value_of(listener_config_prefix(it->name) + "ssl.endpoint.identification.algorithm");
    if (!algorithm) algorithm = config.value_of("ssl.endpoint.identification.algorithm");
    out.verify_host = algorithm.value_or("https") == "https";
    return out;
}

ssl_config listener_ssl_config(const broker_config& config, std::string_view listener_name) {
    std::string protocol;
    for (const auto& l : config.listeners) {
        if (l.name == listener_name) protocol = l.security_protocol;
    }
    return read_ssl_config(listener_name, protocol, [&](std::string_view key) { return config.value_of(key); });
}

tls_contexts make_tls_contexts(const broker_config& config) {
    tls_contexts out;
    for (const auto& l : config.listeners) {
        if (uses_tls(l.security_protocol)) out[l.name] = make_tls_context(listener_ssl_config(config, l.name));
    }
    return out;
}

}  // namespace sluice::broker
