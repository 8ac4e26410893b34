#pragma once
// Throwaway keys and self-signed certificates as PEM text, made with
// OpenSSL's API so unit tests need no files or tools.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sluice::testing {

struct pem_pair {
    std::string certificate;
    std::string key;  // PKCS#8, encrypted when a password was given
};

inline std::string bio_text(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(bio);
    return out;
}

// A self-signed EC certificate whose subject has `entries` (type, value) in
// order, least specific first.
inline pem_pair self_signed(const std::vector<std::pair<std::string, std::string>>& entries,
                            const std::string& key_password = "") {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_NAME* name = X509_get_subject_name(cert);
    for (const auto& [type, value] : entries) {
        X509_NAME_add_entry_by_txt(name, type.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
    }
    X509_set_issuer_name(cert, name);
    X509_set_pubkey(cert, key);
    X509_sign(cert, key, EVP_sha256());
    pem_pair out;
    BIO* c = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(c, cert);
    out.certificate = bio_text(c);
    BIO* k = BIO_new(BIO_s_mem());
    if (key_password.empty()) {
        PEM_write_bio_PKCS8PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
    } else {
        PEM_write_bio_PKCS8PrivateKey(k, key, EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                      const_cast<char*>(key_password.c_str()));
    }
    out.key = bio_text(k);
    X509_free(cert);
    EVP_PKEY_free(key);
    return out;
}

}  // namespace sluice::testing
