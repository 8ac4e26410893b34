#pragma once
// The registry's state as the `_schemas` records so far make it: subjects
// and their versions, schemas by id, compatibility levels and modes. Pure
// data, rebuilt by applying every record in log order (the topic is the
// only truth); I/O thread only.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/schema_registry/schemas_records.h"

namespace sluice::broker::schema_registry {

struct stored_schema {
    std::string type;  // AVRO, JSON, PROTOBUF
    std::string text;
    std::vector<schema_reference> references;
};

struct version_info {
    int32_t id = 0;
    bool deleted = false;
};

class registry_state {
public:
    // Applies one record; false (and nothing changed) when it is malformed.
    bool apply(std::string_view key, const std::optional<std::string>& value);

    using versions = std::map<int32_t, version_info>;
    const std::map<std::string, versions, std::less<>>& subjects() const { return subjects_; }
    const versions* find_subject(std::string_view subject) const;
    // True when the subject has a version that is not soft-deleted.
    bool live(std::string_view subject) const;
    const stored_schema* schema(int32_t id) const;
    const std::map<int32_t, stored_schema>& schemas() const { return schemas_; }
    int32_t max_id() const { return max_id_; }

    // The level set for the subject (nullopt: none), or the global one.
    std::optional<std::string> subject_compatibility(std::string_view subject) const;
    std::optional<std::string> global_compatibility() const { return global_compat_; }
    std::optional<std::string> subject_mode(std::string_view subject) const;
    std::optional<std::string> global_mode() const { return global_mode_; }

private:
    void forget_schema_if_unused(int32_t id);

    std::map<std::string, versions, std::less<>> subjects_;
    std::map<int32_t, stored_schema> schemas_;
    int32_t max_id_ = 0;  // never lowered: ids are not reused
    std::optional<std::string> global_compat_;
    std::map<std::string, std::string, std::less<>> subject_compat_;
    std::optional<std::string> global_mode_;
    std::map<std::string, std::string, std::less<>> subject_mode_;
};

}  // namespace sluice::broker::schema_registry
