#pragma once
// Confluent's Protobuf compatibility rules, on parsed schemas
// (protobuf_schema.h). Comparing the schema data was written with
// (`original`) to the one that reads it (`update`), these changes break
// compatibility:
//
//   PACKAGE_CHANGED                 the file's package
//   MESSAGE_REMOVED                 a message (top-level or nested; map entries aside)
//   FIELD_KIND_CHANGED              a field moves between scalar (enums included), message and map
//   FIELD_SCALAR_KIND_CHANGED       a scalar leaves its wire group: {int32, int64, uint32, uint64,
//                                   bool, enum}, {sint32, sint64}, {string, bytes}, {fixed32, sfixed32},
//                                   {fixed64, sfixed64}, {float}, {double}
//   FIELD_NAMED_TYPE_CHANGED        a message field's type has another name (package aside); a
//                                   change inside the type is reported at the type (followed through
//                                   imports, recursive types once)
//   REQUIRED_FIELD_ADDED / _REMOVED proto2 required fields
//   ONEOF_FIELD_REMOVED             a oneof member gone from the message altogether
//   MULTIPLE_FIELDS_MOVED_TO_ONEOF  a new oneof gathering several existing fields
//   FIELD_MOVED_TO_EXISTING_ONEOF   an existing field moved into a oneof with earlier members
//
// Everything else is compatible: messages added or moved, enums and their
// constants added, changed or removed, fields added or removed (by number),
// renamed, oneofs added or removed, members added to a oneof. Fields are
// matched by number; labels (optional/repeated) and syntax are not compared,
// as Confluent does not. Map fields compare key and value types.
#include <string>
#include <vector>

#include "broker/schema_registry/protobuf_schema.h"

namespace sluice::broker::schema_registry::protobuf {

// Empty when data written with `original` can be read with `update`; else
// one entry per breaking change, "{type} at {path}".
std::vector<std::string> incompatibilities(const schema& original, const schema& update);

}  // namespace sluice::broker::schema_registry::protobuf
