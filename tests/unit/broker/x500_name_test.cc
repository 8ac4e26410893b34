// Subject DNs as Java's X500Principal.getName() prints them, which is what
// ssl.principal.mapping.rules are written against.
#include "broker/net/x500_name.h"

#include <gtest/gtest.h>

#include "tests/unit/broker/test_certificates.h"

namespace sluice::broker {
namespace {

std::string subject_of(const std::vector<std::pair<std::string, std::string>>& entries) {
    X509_NAME* name = X509_NAME_new();
    for (const auto& [type, value] : entries) {
        X509_NAME_add_entry_by_txt(name, type.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
    }
    std::string out = rfc2253_name(name);
    X509_NAME_free(name);
    return out;
}

TEST(X500NameTest, MostSpecificFirst) {
    EXPECT_EQ(
        subject_of({{"C", "US"}, {"ST", "CA"}, {"L", "Palo Alto"}, {"O", "Org"}, {"OU", "Unit"}, {"CN", "client"}}),
        "CN=client,OU=Unit,O=Org,L=Palo Alto,ST=CA,C=US");
}

TEST(X500NameTest, DomainComponentsAndUid) {
    EXPECT_EQ(subject_of({{"DC", "com"}, {"DC", "example"}, {"UID", "jdoe"}}), "UID=jdoe,DC=example,DC=com");
}

TEST(X500NameTest, SpecialCharactersAreEscaped) {
    EXPECT_EQ(subject_of({{"CN", "a,b+c=d\"e\\f<g>h;i#j"}}), R"(CN=a\,b\+c\=d\"e\\f\<g\>h\;i\#j)");
    EXPECT_EQ(subject_of({{"CN", " padded "}}), R"(CN=\ padded\ )");
}

TEST(X500NameTest, AttributesWithoutAKeywordPrintAsOidAndHex) {
    // emailAddress is an IA5String (tag 0x16) of 11 bytes.
    EXPECT_EQ(subject_of({{"emailAddress", "a@example.c"}, {"CN", "x"}}),
              "CN=x,1.2.840.113549.1.9.1=#160b61406578616d706c652e63");
}

TEST(X500NameTest, Utf8ValuesStayText) { EXPECT_EQ(subject_of({{"CN", "J\xc3\xbcrgen"}}), "CN=J\xc3\xbcrgen"); }

TEST(X500NameTest, ParsedFromACertificate) {
    auto pem = testing::self_signed({{"O", "Sluice"}, {"CN", "broker"}});
    BIO* bio = BIO_new_mem_buf(pem.certificate.data(), static_cast<int>(pem.certificate.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    ASSERT_NE(cert, nullptr);
    EXPECT_EQ(rfc2253_name(X509_get_subject_name(cert)), "CN=broker,O=Sluice");
    X509_free(cert);
    BIO_free(bio);
}

}  // namespace
}  // namespace sluice::broker
