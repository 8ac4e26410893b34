#include "broker/config/jaas_config.h"

#include <cctype>
#include <optional>
#include <vector>

#include "broker/config/config_error.h"

namespace sluice::broker {

namespace {

struct token {
    enum class kind { word, quoted, symbol, end } what;
    std::string text;
};

bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-' || c == '$' ||
           c == '{' || c == '}' || c == '/' || c == ':' || c == '@' || c == '+' || c == '*';
}

class tokenizer {
public:
    tokenizer(std::string_view property, std::string_view text) : property_(property), text_(text) {}

    token next() {
        skip_space_and_comments();
        if (pos_ >= text_.size()) return {token::kind::end, {}};
        char c = text_[pos_];
        if (c == '"') return quoted();
        if (c == '=' || c == ';') {
            ++pos_;
            return {token::kind::symbol, std::string(1, c)};
        }
        if (!is_word_char(c)) fail("unexpected character '" + std::string(1, c) + "'");
        size_t start = pos_;
        while (pos_ < text_.size() && is_word_char(text_[pos_]) && !starts_comment()) ++pos_;
        return {token::kind::word, std::string(text_.substr(start, pos_ - start))};
    }

    [[noreturn]] void fail(const std::string& why) const {
        throw config_error("Invalid configuration " + std::string(property_) + ": " + why + " in JAAS config");
    }

private:
    bool starts_comment() const {
        return text_[pos_] == '/' && pos_ + 1 < text_.size() && (text_[pos_ + 1] == '/' || text_[pos_ + 1] == '*');
    }

    void skip_space_and_comments() {
        while (pos_ < text_.size()) {
            if (std::isspace(static_cast<unsigned char>(text_[pos_])) != 0) {
                ++pos_;
            } else if (starts_comment() && text_[pos_ + 1] == '/') {
                while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
            } else if (starts_comment()) {
                size_t close = text_.find("*/", pos_ + 2);
                if (close == std::string_view::npos) fail("unterminated comment");
                pos_ = close + 2;
            } else {
                return;
            }
        }
    }

    token quoted() {
        std::string out;
        ++pos_;
        while (pos_ < text_.size()) {
            char c = text_[pos_++];
            if (c == '"') return {token::kind::quoted, std::move(out)};
            if (c == '\\') {
                if (pos_ >= text_.size()) break;
                char e = text_[pos_++];
                switch (e) {
                    case 'n': out += '\n'; break;
                    case 't': out += '\t'; break;
                    case 'r': out += '\r'; break;
                    case 'f': out += '\f'; break;
                    case 'b': out += '\b'; break;
                    default: out += e; break;
                }
                continue;
            }
            out += c;
        }
        fail("unterminated quoted value");
    }

    std::string_view property_;
    std::string_view text_;
    size_t pos_ = 0;
};

}  // namespace

jaas_entry parse_jaas_config(std::string_view property, std::string_view text) {
    tokenizer t(property, text);
    token module = t.next();
    if (module.what == token::kind::end) t.fail("no login module");
    if (module.what != token::kind::word) t.fail("expected a login module class name");
    jaas_entry entry;
    entry.login_module = module.text;
    token flag = t.next();
    if (flag.what != token::kind::word) t.fail("expected a control flag after " + entry.login_module);
    if (flag.text != "required" && flag.text != "requisite" && flag.text != "sufficient" && flag.text != "optional") {
        t.fail("invalid control flag '" + flag.text + "' (required, requisite, sufficient or optional)");
    }
    entry.flag = flag.text;
    for (;;) {
        token key = t.next();
        if (key.what == token::kind::symbol && key.text == ";") break;
        if (key.what == token::kind::end) t.fail("missing ';' at the end of the login module");
        if (key.what != token::kind::word) t.fail("expected an option name");
        token eq = t.next();
        if (eq.what != token::kind::symbol || eq.text != "=") t.fail("expected '=' after option " + key.text);
        token value = t.next();
        if (value.what != token::kind::word && value.what != token::kind::quoted) {
            t.fail("value not specified for option " + key.text);
        }
        entry.options[key.text] = value.text;
    }
    token rest = t.next();
    if (rest.what != token::kind::end) t.fail("more than one login module (exactly one is allowed)");
    return entry;
}

}  // namespace sluice::broker
