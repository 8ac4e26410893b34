#pragma once
// Protobuf schemas as the registry stores them: .proto text parsed with
// protobuf's own compiler (google::protobuf::compiler::Parser) and built
// into a DescriptorPool, so names, nested types, maps, oneofs and imports
// resolve as protoc resolves them. Imports are the schema's references,
// each a (name, text) pair, the name being what the import statement says;
// google/protobuf/*.proto (the well-known types) resolve without one.
// A schema (or reference) may also be a base64-encoded FileDescriptorProto,
// as Confluent's Python, Go and .NET serializers register it; it is stored
// as given.
//
// Refused (42201): anything protoc refuses (syntax, unknown or duplicate
// names, field numbers reused, an import no reference provides), and text
// whose braces nest deeper than max_nesting (the parser recurses).
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace google::protobuf {
class DescriptorPool;
class FileDescriptor;
}  // namespace google::protobuf

namespace sluice::broker::schema_registry::protobuf {

inline constexpr int max_nesting = 64;

struct reference_text {
    std::string name;  // as imported
    std::string text;
};

// A parsed schema and the pool that owns its descriptors.
class schema {
public:
    schema(std::unique_ptr<google::protobuf::DescriptorPool> pool, const google::protobuf::FileDescriptor* file);
    ~schema();
    schema(const schema&) = delete;
    schema& operator=(const schema&) = delete;
    const google::protobuf::FileDescriptor& file() const { return *file_; }

private:
    std::unique_ptr<google::protobuf::DescriptorPool> pool_;
    const google::protobuf::FileDescriptor* file_;
};

// `references` dependencies first. The error is a message for 42201.
std::variant<std::shared_ptr<const schema>, std::string> parse(std::string_view text,
                                                               const std::vector<reference_text>& references);

}  // namespace sluice::broker::schema_registry::protobuf
