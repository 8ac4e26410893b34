#include "broker/handlers/produce_schema_ids.h"

#include <fmt/format.h>

#include "broker/schema_registry/schema_id_check.h"
#include "protocol/record_batch.h"

namespace sluice::broker {

namespace {

namespace sr = schema_registry;

std::string_view text_of(protocol::bytes_view b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

struct subjects {
    std::string key, value;
};

// Appends a record error per refused record; true when the registry's state
// might know more (an unknown id, or one outside the subject).
bool check_batch(const sr::registry_state& state, protocol::bytes_view batch, const topic_settings& settings,
                 const subjects& names, schema_id_refusal& out) {
    bool may_be_stale = false;
    int32_t index = 0;
    // The last id seen accepted per part: a batch usually carries one.
    std::optional<int32_t> key_ok, value_ok;
    auto check = [&](const std::optional<protocol::bytes_view>& payload, bool key, std::optional<int32_t>& ok) {
        if (!payload) return true;  // null key or tombstone: passes, as Confluent's
        const std::string_view text = text_of(*payload);
        if (ok && text.size() >= 5 && text[0] == 0) {
            const auto* p = payload->data();
            const int32_t id = static_cast<int32_t>((uint32_t{p[1]} << 24) | (uint32_t{p[2]} << 16) |
                                                    (uint32_t{p[3]} << 8) | uint32_t{p[4]});
            if (id == *ok) return true;
        }
        const std::string& subject = key ? names.key : names.value;
        const sr::schema_id_verdict v = sr::check_schema_id(state, subject, text);
        if (v.problem == sr::schema_id_problem::none) {
            ok = v.id;
            return true;
        }
        if (v.problem == sr::schema_id_problem::unknown_id || v.problem == sr::schema_id_problem::not_in_subject) {
            may_be_stale = true;
        }
        out.record_errors.push_back({index, sr::describe(v, key ? "key" : "value", subject), {}});
        return false;
    };
    const protocol::error_code e = protocol::for_each_record(batch, [&](const protocol::record_view& r) {
        // One error per record: the value's, else the key's.
        if (!settings.value_schema_validation || check(r.value, false, value_ok)) {
            if (settings.key_schema_validation) check(r.key, true, key_ok);
        }
        ++index;
    });
    // The batch was validated before; a walk that fails now is not ours to judge.
    if (e != protocol::error_code::none) out.code = e;
    return may_be_stale;
}

// Kafka's top-level message for per-record errors (RecordValidationException).
std::string summary(const schema_id_refusal& r) {
    std::string shown;
    for (size_t i = 0; i < r.record_errors.size() && i < 3; ++i) {
        const auto& e = r.record_errors[i];
        shown += fmt::format("{}RecordError(batchIndex={}, message='{}')", i == 0 ? "" : ", ", e.batch_index,
                             e.batch_index_error_message.value_or(""));
    }
    return fmt::format(
        "One or more records have been rejected due to {} record errors in total, and only showing the first three "
        "errors at most: [{}]",
        r.record_errors.size(), shown);
}

}  // namespace

schema_id_refusal check_schema_ids(const sr::registry_state& state, protocol::bytes_view batch,
                                   const topic_settings& settings, std::string_view topic, bool& may_be_stale) {
    schema_id_refusal out;
    const subjects names{settings.key_schema_validation ? sr::subject_of(topic, true) : std::string(),
                         settings.value_schema_validation ? sr::subject_of(topic, false) : std::string()};
    may_be_stale = check_batch(state, batch, settings, names, out);
    if (out.code == protocol::error_code::none && !out.record_errors.empty()) {
        out.code = protocol::error_code::invalid_record;
        out.message = summary(out);
    }
    return out;
}

}  // namespace sluice::broker
