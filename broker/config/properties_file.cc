#include "broker/config/properties_file.h"

#include <fstream>
#include <sstream>

#include "broker/config/config_def.h"
#include "broker/config/config_error.h"

namespace sluice::broker {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Resolves escapes in one logical line's key or value part.
std::string unescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c != '\\' || i + 1 == s.size()) {
            if (c != '\\') out += c;
            continue;
        }
        char e = s[++i];
        switch (e) {
            case 't': out += '\t'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 'f': out += '\f'; break;
            case 'u': {
                uint32_t cp = 0;
                bool ok = i + 4 < s.size();
                for (size_t k = 1; ok && k <= 4; ++k) {
                    int h = hex_value(s[i + k]);
                    if (h < 0) ok = false;
                    cp = cp * 16 + static_cast<uint32_t>(h);
                }
                if (!ok) throw config_error("Malformed \\uXXXX escape in properties: " + std::string(s));
                append_utf8(out, cp);
                i += 4;
                break;
            }
            default: out += e; break;
        }
    }
    return out;
}

// Splits the text into logical lines: comments and blank lines dropped,
// continuations joined.
std::vector<std::string> logical_lines(std::string_view text) {
    std::vector<std::string> lines;
    std::string current;
    bool continuing = false;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find_first_of("\r\n", pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end;
        if (pos < text.size()) {
            bool crlf = text[pos] == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n';
            pos += crlf ? 2 : 1;
        }

        size_t first = 0;
        while (first < line.size() && is_blank(line[first])) ++first;
        line.remove_prefix(first);
        if (!continuing) {
            if (line.empty() || line.front() == '#' || line.front() == '!') continue;
        }
        size_t backslashes = 0;
        while (backslashes < line.size() && line[line.size() - 1 - backslashes] == '\\') ++backslashes;
        bool continues = backslashes % 2 == 1;
        if (continues) line.remove_suffix(1);
        current.append(line);
        continuing = continues;
        if (!continuing) {
            lines.push_back(std::move(current));
            current.clear();
        }
    }
    if (continuing && !current.empty()) lines.push_back(std::move(current));
    return lines;
}

}  // namespace

property_list parse_properties(std::string_view text) {
    property_list out;
    for (const auto& line : logical_lines(text)) {
        size_t i = 0;
        // The key runs to the first unescaped separator.
        while (i < line.size()) {
            char c = line[i];
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '=' || c == ':' || is_blank(c)) break;
            ++i;
        }
        i = std::min(i, line.size());
        std::string key = unescape(std::string_view(line).substr(0, i));
        while (i < line.size() && is_blank(line[i])) ++i;
        if (i < line.size() && (line[i] == '=' || line[i] == ':')) ++i;
        while (i < line.size() && is_blank(line[i])) ++i;
        std::string value = unescape(std::string_view(line).substr(i));
        out.emplace_back(std::move(key), std::string(trim(value)));
    }
    return out;
}

property_list read_properties_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw config_error("Cannot read properties file " + path.string());
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        throw config_error("Error reading properties file " + path.string());
    }
    return parse_properties(text.str());
}

}  // namespace sluice::broker
