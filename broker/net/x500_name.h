#pragma once
// A certificate subject as Java's X500Principal.getName() (RFC 2253) prints
// it, which is what Kafka's SSL principal mapping rules are written against:
// most specific RDN first, the keywords CN, C, L, ST, O, OU, STREET, DC and
// UID, any other attribute as its OID and "#" + the hex of its DER value,
// and ,=+<>#;"\ and leading/trailing spaces escaped with a backslash.
#include <openssl/x509.h>

#include <string>

namespace sluice::broker {

std::string rfc2253_name(const X509_NAME* name);

}  // namespace sluice::broker
