#include "broker/schema_registry/protobuf_schema.h"

#include <google/protobuf/compiler/parser.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>

#include <cstdint>
#include <limits>
#include <mutex>
#include <optional>

namespace sluice::broker::schema_registry::protobuf {

namespace gp = google::protobuf;

namespace {

// The name the schema itself gets in its pool: one no import can use.
constexpr std::string_view own_name = "<schema>";

class text_errors : public gp::io::ErrorCollector {
public:
    void AddError(int line, int column, const std::string& message) override {
        if (first.empty())
            first = "line " + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
    }
    void AddWarning(int, int, const std::string&) override {}  // no syntax statement: proto2, as protoc
    std::string first;
};

class build_errors : public gp::DescriptorPool::ErrorCollector {
public:
    void AddError(const std::string& file, const std::string& element, const gp::Message*, ErrorLocation,
                  const std::string& message) override {
        if (first.empty()) first = (element.empty() ? file : element) + ": " + message;
    }
    std::string first;
};

// The deepest brace nesting outside strings and comments.
int nesting(std::string_view text) {
    int depth = 0, deepest = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '"' || c == '\'') {
            for (++i; i < text.size() && text[i] != c; ++i) {
                if (text[i] == '\\') ++i;
            }
        } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
            while (i < text.size() && text[i] != '\n')
                ++i;
        } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
            const size_t end = text.find("*/", i + 2);
            i = end == std::string_view::npos ? text.size() : end + 1;
        } else if (c == '{' || c == '(' || c == '[' || c == '<') {
            deepest = std::max(deepest, ++depth);
        } else if (c == '}' || c == ')' || c == ']' || c == '>') {
            --depth;
        }
    }
    return deepest;
}

// Standard base64 (with padding); nullopt when `text` is not that.
std::optional<std::string> base64_decode(std::string_view text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
        text.remove_suffix(1);
    if (text.empty() || text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    uint32_t bits = 0;
    int count = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '=') {
            if (i + 2 < text.size() || (i + 1 < text.size() && text[i + 1] != '=')) return std::nullopt;
            break;
        }
        const int v = value(text[i]);
        if (v < 0) return std::nullopt;
        bits = (bits << 6) | static_cast<uint32_t>(v);
        if (++count == 4) {
            out.push_back(static_cast<char>(bits >> 16));
            out.push_back(static_cast<char>(bits >> 8));
            out.push_back(static_cast<char>(bits));
            bits = 0;
            count = 0;
        }
    }
    if (count == 3) {
        out.push_back(static_cast<char>(bits >> 10));
        out.push_back(static_cast<char>(bits >> 2));
    } else if (count == 2) {
        out.push_back(static_cast<char>(bits >> 4));
    } else if (count != 0) {
        return std::nullopt;
    }
    return out;
}

std::string parse_text(std::string_view text, gp::FileDescriptorProto& out) {
    if (text.size() > static_cast<size_t>(std::numeric_limits<int>::max())) return "schema too large";
    if (nesting(text) > max_nesting) return "nested deeper than " + std::to_string(max_nesting) + " levels";
    gp::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
    text_errors errors;
    gp::io::Tokenizer tokenizer(&input, &errors);
    gp::compiler::Parser parser;
    parser.RecordErrorsTo(&errors);
    const bool ok = parser.Parse(&tokenizer, &out);
    if (!ok || !errors.first.empty()) return errors.first.empty() ? std::string("cannot be parsed") : errors.first;
    return {};
}

// .proto text, or (as Confluent's serializers for Python, Go and .NET send
// it) a base64-encoded FileDescriptorProto.
std::string parse_file(std::string_view text, std::string_view name, gp::FileDescriptorProto& out) {
    std::string error = parse_text(text, out);
    if (!error.empty()) {
        auto binary = base64_decode(text);
        out.Clear();
        if (!binary || !out.ParseFromString(*binary)) return error;
    }
    out.set_name(std::string(name));
    return {};
}

}  // namespace

schema::schema(std::unique_ptr<gp::DescriptorPool> pool, const gp::FileDescriptor* file)
    : pool_(std::move(pool)), file_(file) {}
schema::~schema() = default;

namespace {

// Builds `proto` into `pool` after the well-known files it imports that the
// pool lacks (copied from those compiled into libprotobuf). Not an underlay:
// a schema may itself be one of those files (a serializer registers
// google/protobuf/timestamp.proto as a reference), which an underlay would
// refuse as defined twice.
const gp::FileDescriptor* build(gp::DescriptorPool& pool, const gp::FileDescriptorProto& proto, build_errors& errors,
                                int depth = 0) {
    for (const auto& dependency : proto.dependency()) {
        if (pool.FindFileByName(dependency) != nullptr) continue;
        const gp::FileDescriptor* known = gp::DescriptorPool::generated_pool()->FindFileByName(dependency);
        if (known == nullptr || depth > 8) {
            errors.first = "import \"" + dependency + "\" is not among the schema's references";
            return nullptr;
        }
        gp::FileDescriptorProto copy;
        known->CopyTo(&copy);
        if (build(pool, copy, errors, depth + 1) == nullptr) return nullptr;
    }
    return pool.BuildFileCollectingErrors(proto, &errors);
}

}  // namespace

std::variant<std::shared_ptr<const schema>, std::string> parse(std::string_view text,
                                                               const std::vector<reference_text>& references) {
    // libprotobuf writes its warnings (a file without `syntax`, say) to
    // stderr; what matters reaches the error collectors instead. Nothing
    // else in the broker uses protobuf.
    static std::once_flag quiet;
    std::call_once(quiet, [] { gp::SetLogHandler([](gp::LogLevel, const char*, int, const std::string&) {}); });
    auto pool = std::make_unique<gp::DescriptorPool>();
    build_errors errors;
    for (const auto& r : references) {
        if (pool->FindFileByName(r.name) != nullptr) continue;  // given twice, or already imported as well-known
        gp::FileDescriptorProto proto;
        if (auto e = parse_file(r.text, r.name, proto); !e.empty()) return "reference " + r.name + ": " + e;
        if (build(*pool, proto, errors) == nullptr) return "reference " + r.name + ": " + errors.first;
    }
    gp::FileDescriptorProto proto;
    if (auto e = parse_file(text, own_name, proto); !e.empty()) return e;
    const gp::FileDescriptor* file = build(*pool, proto, errors);
    if (file == nullptr) return errors.first;
    return std::make_shared<const schema>(std::move(pool), file);
}

}  // namespace sluice::broker::schema_registry::protobuf
