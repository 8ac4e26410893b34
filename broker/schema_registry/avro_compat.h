#pragma once
// Avro's schema-resolution rules (specification, "Schema Resolution"; the
// same checks as Java's SchemaCompatibility): can data written with
// `writer` be read with `reader`?
//   - same primitive; promotions int->long,float,double; long->float,double;
//     float->double; string<->bytes
//   - records, enums, fixed match by unqualified name or a reader alias of
//     the writer's full name; fixed sizes equal
//   - a reader field missing from the writer (by name or reader alias) needs
//     a default; writer fields the reader lacks are skipped
//   - every writer enum symbol is a reader symbol, unless the reader has an
//     enum default
//   - a writer union: every branch readable; a reader union: some branch
//     reads the writer
//   - arrays and maps by their items and values
#include <string>
#include <vector>

#include "broker/schema_registry/avro_schema.h"

namespace sluice::broker::schema_registry::avro {

// Empty when compatible, else one message per incompatibility found.
std::vector<std::string> incompatibilities(const schema& reader, const schema& writer);

inline bool can_read(const schema& reader, const schema& writer) { return incompatibilities(reader, writer).empty(); }

}  // namespace sluice::broker::schema_registry::avro
