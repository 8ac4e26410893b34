#include "broker/net/x500_name.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>

#include <array>
#include <string_view>

namespace sluice::broker {

namespace {

// The keywords X500Principal's RFC 2253 form uses; the rest print as OIDs.
std::string_view keyword_of(int nid) {
    switch (nid) {
        case NID_commonName:
            return "CN";
        case NID_countryName:
            return "C";
        case NID_localityName:
            return "L";
        case NID_stateOrProvinceName:
            return "ST";
        case NID_organizationName:
            return "O";
        case NID_organizationalUnitName:
            return "OU";
        case NID_streetAddress:
            return "STREET";
        case NID_domainComponent:
            return "DC";
        case NID_userId:
            return "UID";
        default:
            return {};
    }
}

// Java's isDerString(value, false): the string types it prints as text.
bool printed_as_text(int type) {
    return type == V_ASN1_PRINTABLESTRING || type == V_ASN1_T61STRING || type == V_ASN1_IA5STRING ||
           type == V_ASN1_BMPSTRING || type == V_ASN1_UTF8STRING;
}

std::string oid_of(const ASN1_OBJECT* obj) {
    std::array<char, 128> buf{};
    int n = OBJ_obj2txt(buf.data(), static_cast<int>(buf.size()), obj, 1);
    return n > 0 ? std::string(buf.data(), std::min<size_t>(static_cast<size_t>(n), buf.size() - 1)) : "";
}

// "#" + lowercase hex of the value's DER: tag, length, content.
std::string hex_der(const ASN1_STRING* value) {
    std::string der;
    der += static_cast<char>(ASN1_STRING_type(value));
    auto len = static_cast<size_t>(ASN1_STRING_length(value));
    if (len < 0x80) {
        der += static_cast<char>(len);
    } else {
        std::string bytes;
        for (size_t l = len; l > 0; l >>= 8)
            bytes.insert(bytes.begin(), static_cast<char>(l & 0xff));
        der += static_cast<char>(0x80 | bytes.size());
        der += bytes;
    }
    der.append(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)), len);
    static constexpr char digits[] = "0123456789abcdef";
    std::string out = "#";
    for (unsigned char c : der) {
        out += digits[c >> 4];
        out += digits[c & 0xf];
    }
    return out;
}

std::string escaped(std::string_view v) {
    static constexpr std::string_view escapees = ",=+<>#;\"\\";
    std::string body;
    for (char c : v) {
        if (c == '\0') {
            body += "\\00";
            continue;
        }
        if (escapees.find(c) != std::string_view::npos) body += '\\';
        body += c;
    }
    size_t lead = 0;
    while (lead < body.size() && (body[lead] == ' ' || body[lead] == '\r'))
        ++lead;
    size_t trail = body.size();
    while (trail > lead && (body[trail - 1] == ' ' || body[trail - 1] == '\r'))
        --trail;
    std::string out;
    for (size_t i = 0; i < body.size(); ++i) {
        if (i < lead || i >= trail) out += '\\';
        out += body[i];
    }
    return out;
}

std::string ava(const X509_NAME_ENTRY* e) {
    const ASN1_OBJECT* obj = X509_NAME_ENTRY_get_object(e);
    const ASN1_STRING* value = X509_NAME_ENTRY_get_data(e);
    std::string_view keyword = keyword_of(OBJ_obj2nid(obj));
    std::string out = keyword.empty() ? oid_of(obj) : std::string(keyword);
    out += '=';
    if (keyword.empty() || !printed_as_text(ASN1_STRING_type(value))) return out + hex_der(value);
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, value);
    if (n < 0) return out + hex_der(value);
    out += escaped(std::string_view(reinterpret_cast<const char*>(utf8), static_cast<size_t>(n)));
    OPENSSL_free(utf8);
    return out;
}

}  // namespace

std::string rfc2253_name(const X509_NAME* name) {
    std::string out;
    int count = X509_NAME_entry_count(name);
    // Entries are stored least specific first; RFC 2253 prints them reversed,
    // the AVAs of one multi-valued RDN joined with '+' in their own order.
    int i = count - 1;
    while (i >= 0) {
        int set = X509_NAME_ENTRY_set(X509_NAME_get_entry(name, i));
        int first = i;
        while (first > 0 && X509_NAME_ENTRY_set(X509_NAME_get_entry(name, first - 1)) == set)
            --first;
        if (!out.empty()) out += ',';
        for (int j = first; j <= i; ++j) {
            if (j > first) out += '+';
            out += ava(X509_NAME_get_entry(name, j));
        }
        i = first - 1;
    }
    return out;
}

}  // namespace sluice::broker
