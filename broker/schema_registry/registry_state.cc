#include "broker/schema_registry/registry_state.h"

namespace sluice::broker::schema_registry {

namespace {

template <typename Map>
void set_or_erase(std::optional<std::string>& global, Map& per_subject, const std::optional<std::string>& subject,
                  std::optional<std::string> v) {
    if (!subject) {
        global = std::move(v);
    } else if (v) {
        per_subject[*subject] = std::move(*v);
    } else {
        per_subject.erase(*subject);
    }
}

}  // namespace

bool registry_state::apply(std::string_view key_text, const std::optional<std::string>& value) {
    auto key = decode_key(key_text);
    if (!key) return false;
    switch (key->type) {
        case key_type::noop:
            return true;
        case key_type::schema: {
            if (!value) {
                auto s = subjects_.find(*key->subject);
                if (s == subjects_.end()) return true;
                auto v = s->second.find(key->version);
                if (v == s->second.end()) return true;
                const int32_t id = v->second.id;
                s->second.erase(v);
                if (s->second.empty()) subjects_.erase(s);
                forget_schema_if_unused(id);
                return true;
            }
            auto v = decode_schema_value(*value);
            if (!v || v->id <= 0 || v->version <= 0) return false;
            auto& versions = subjects_[v->subject];
            versions[v->version] = {v->id, v->deleted};
            schemas_[v->id] = {v->type, std::move(v->schema), std::move(v->references)};
            max_id_ = std::max(max_id_, v->id);
            return true;
        }
        case key_type::config:
        case key_type::mode: {
            const bool config = key->type == key_type::config;
            std::optional<std::string> v;
            if (value) {
                v = decode_string_field(*value, config ? "compatibilityLevel" : "mode");
                if (!v) return false;
            }
            if (config) {
                set_or_erase(global_compat_, subject_compat_, key->subject, std::move(v));
            } else {
                set_or_erase(global_mode_, subject_mode_, key->subject, std::move(v));
            }
            return true;
        }
        case key_type::delete_subject: {
            if (!value) return true;
            auto upto = decode_int_field(*value, "version");
            if (!upto) return false;
            auto s = subjects_.find(*key->subject);
            if (s == subjects_.end()) return true;
            for (auto& [version, info] : s->second) {
                if (version <= *upto) info.deleted = true;
            }
            return true;
        }
    }
    return false;
}

const registry_state::versions* registry_state::find_subject(std::string_view subject) const {
    auto it = subjects_.find(subject);
    return it == subjects_.end() ? nullptr : &it->second;
}

bool registry_state::live(std::string_view subject) const {
    const versions* v = find_subject(subject);
    if (v == nullptr) return false;
    for (const auto& [n, info] : *v) {
        if (!info.deleted) return true;
    }
    return false;
}

const stored_schema* registry_state::schema(int32_t id) const {
    auto it = schemas_.find(id);
    return it == schemas_.end() ? nullptr : &it->second;
}

std::optional<std::string> registry_state::subject_compatibility(std::string_view subject) const {
    auto it = subject_compat_.find(subject);
    if (it == subject_compat_.end()) return std::nullopt;
    return it->second;
}

std::optional<std::string> registry_state::subject_mode(std::string_view subject) const {
    auto it = subject_mode_.find(subject);
    if (it == subject_mode_.end()) return std::nullopt;
    return it->second;
}

void registry_state::forget_schema_if_unused(int32_t id) {
    for (const auto& [name, versions] : subjects_) {
        for (const auto& [n, info] : versions) {
            if (info.id == id) return;
        }
    }
    schemas_.erase(id);
}

}  // namespace sluice::broker::schema_registry
