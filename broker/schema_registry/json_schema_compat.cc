#include "broker/schema_registry/json_schema_compat.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/regex.hpp>
#include <cmath>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace sluice::broker::schema_registry::json_schema {

namespace json = boost::json;

namespace {

const std::set<std::string_view> annotations{"title", "description", "default", "examples", "format", "$schema", "$id",
                                             "$comment", "readOnly", "writeOnly", "deprecated", "id",
                                             // reached only through $ref, which is followed
                                             "definitions", "$defs"};
const std::set<std::string_view> checked{"type",
                                         "enum",
                                         "const",
                                         "properties",
                                         "required",
                                         "additionalProperties",
                                         "items",
                                         "maxLength",
                                         "minLength",
                                         "maximum",
                                         "minimum",
                                         "exclusiveMaximum",
                                         "exclusiveMinimum",
                                         "maxItems",
                                         "minItems",
                                         "maxProperties",
                                         "minProperties",
                                         "pattern",
                                         "multipleOf",
                                         "uniqueItems",
                                         "not",
                                         "if",
                                         "then",
                                         "else",
                                         "dependencies",
                                         "dependentRequired",
                                         "dependentSchemas",
                                         "patternProperties"};
const std::set<std::string_view> combinators{"oneOf", "anyOf", "allOf"};
const std::vector<std::string_view> upper_bounds{"maxLength", "maximum", "exclusiveMaximum", "maxItems",
                                                 "maxProperties"};
const std::vector<std::string_view> lower_bounds{"minLength", "minimum", "exclusiveMinimum", "minItems",
                                                 "minProperties"};
const json::value empty_schema = json::object{};

const json::value* member(const json::value& v, std::string_view key) {
    const json::object* o = v.if_object();
    if (o == nullptr) return nullptr;
    auto it = o->find(key);
    return it == o->end() ? nullptr : &it->value();
}

bool is_empty_schema(const json::value& v) {
    if (v.is_bool()) return v.get_bool();
    const json::object* o = v.if_object();
    if (o == nullptr) return false;
    return std::all_of(o->begin(), o->end(), [](const auto& m) { return annotations.contains(m.key()); });
}

std::set<std::string> types_of(const json::value& schema) {
    const json::value* t = member(schema, "type");
    if (t == nullptr) return {"array", "boolean", "integer", "null", "number", "object", "string"};
    std::set<std::string> out;
    if (t->is_string()) out.emplace(t->get_string());
    if (const json::array* a = t->if_array()) {
        for (const auto& e : *a) {
            if (e.is_string()) out.emplace(e.get_string());
        }
    }
    return out;
}

std::optional<double> number(const json::value* v) {
    if (v == nullptr || !v->is_number()) return std::nullopt;
    return v->to_number<double>();
}

// How an object schema treats properties it does not name.
enum class content_model { open, closed, partial };
content_model model_of(const json::value& schema) {
    const json::value* ap = member(schema, "additionalProperties");
    if (ap == nullptr || is_empty_schema(*ap)) return content_model::open;
    if (ap->is_bool() && !ap->get_bool()) return content_model::closed;
    return content_model::partial;
}

// A schema that is only a combination: one of oneOf, anyOf, allOf, and
// nothing else but annotations. Equal subschemas count once, as Confluent's.
struct combined {
    std::string keyword;
    std::vector<const json::value*> subschemas;
};
std::optional<combined> combined_of(const json::value& schema) {
    const json::object* o = schema.if_object();
    if (o == nullptr) return std::nullopt;
    std::optional<combined> out;
    for (const auto& m : *o) {
        if (annotations.contains(m.key())) continue;
        if ((m.key() != "oneOf" && m.key() != "anyOf" && m.key() != "allOf") || out || !m.value().is_array() ||
            m.value().get_array().empty()) {
            return std::nullopt;
        }
        out.emplace();
        out->keyword = std::string(m.key());
        for (const auto& sub : m.value().get_array()) {
            const bool seen = std::any_of(out->subschemas.begin(), out->subschemas.end(),
                                          [&](const json::value* s) { return *s == sub; });
            if (!seen) out->subschemas.push_back(&sub);
        }
    }
    return out;
}

// A combinator beside other (non-annotation) keywords: the schema is their
// conjunction, checked part by part.
bool has_combinator_beside_keywords(const json::value& schema) {
    const json::object* o = schema.if_object();
    if (o == nullptr) return false;
    bool combinator = false, other = false;
    for (const auto& m : *o) {
        if (combinators.contains(m.key())) {
            combinator = true;
        } else if (!annotations.contains(m.key())) {
            other = true;
        }
    }
    return combinator && other;
}

const json::object* object_member(const json::value& v, std::string_view key) {
    const json::value* m = member(v, key);
    return m == nullptr ? nullptr : m->if_object();
}

class checker {
public:
    checker(const json::value& reader_root, const json::value& writer_root)
        : reader_root_(reader_root), writer_root_(writer_root) {}

    std::vector<std::string> problems;

    // Local references ("#/definitions/x") are followed; a pair already
    // being checked (a recursive schema) is assumed compatible.
    void check(const json::value& reader_in, const json::value& writer_in, const std::string& path, int depth = 0) {
        const json::value& reader = resolve(reader_in, reader_root_);
        const json::value& writer = resolve(writer_in, writer_root_);
        const std::pair key{&reader, &writer};
        if (!in_progress_.insert(key).second) return;
        compare(reader, writer, path, depth);
        in_progress_.erase(key);
    }

private:
    static const json::value& resolve(const json::value& v, const json::value& root) {
        const json::value* at = &v;
        for (int hops = 0; hops < 16; ++hops) {
            const json::value* ref = member(*at, "$ref");
            if (ref == nullptr || !ref->is_string() || !ref->get_string().starts_with("#")) break;
            boost::system::error_code ec;
            const json::value* next = root.find_pointer(std::string_view(ref->get_string()).substr(1), ec);
            if (next == nullptr) break;  // not found: compared as a value
            at = next;
        }
        return *at;
    }

    void compare(const json::value& reader, const json::value& writer, const std::string& path, int depth) {
        if (depth > 64) return report(path, "schemas nested too deep to check");
        if (writer.is_bool() && !writer.get_bool()) return;  // the writer wrote nothing
        if (is_empty_schema(reader)) return;                 // the reader reads anything
        if (reader.is_bool()) return report(path, "the reader schema is false [TYPE_CHANGED]");
        if (!reader.is_object()) return report(path, "not a schema");
        const json::value& w = writer.is_object() ? writer : empty_schema;
        if (has_combinator_beside_keywords(reader)) return check_conjunction(reader, w, path, depth);
        if (has_combinator_beside_keywords(w) && combined_of(reader)) {
            // The writer's documents satisfy each of its parts: one read is enough.
            for (std::string_view k : {"oneOf", "anyOf", "allOf"}) {
                const json::value* c = member(w, k);
                if (c != nullptr && reads(reader, keep(json::object{{k, *c}}), path, depth)) return;
            }
        }
        if (combined_of(reader) || combined_of(w)) {
            if (check_combined(reader, w, path, depth)) return;
        }
        if (has_combinator_beside_keywords(w)) return check_conjunction(reader, w, path, depth);
        check_types(reader, w, path);
        check_values(reader, w, path);
        check_bounds(reader, w, path);
        check_unchecked(reader, w, path);
        check_not(reader, w, path, depth);
        check_conditional(reader, w, path, depth);
        check_dependencies(reader, w, path, depth);
        // Only what the writer can write matters.
        const auto wt = types_of(w);
        if (types_of(reader).contains("object") && wt.contains("object")) check_object(reader, w, path, depth);
        if (types_of(reader).contains("array") && wt.contains("array")) check_items(reader, w, path, depth);
    }

    void report(const std::string& path, std::string what) { problems.push_back("#" + path + ": " + std::move(what)); }

    // Whether `reader` reads everything `writer` writes, without reporting.
    // Each pair is checked once, and only so many pairs in all: nested
    // combinations pair every subschema with every other at each level,
    // which would grow exponentially with depth.
    bool reads(const json::value& reader, const json::value& writer, const std::string& path, int depth) {
        const std::pair key{&reader, &writer};
        if (auto it = reads_.find(key); it != reads_.end()) return it->second;
        if (*pairs_ >= max_pairs) {
            if (!too_complex_) report(path, "too many combined subschemas to compare; refused as not checked");
            too_complex_ = true;
            return false;
        }
        std::vector<std::string> saved = std::move(problems);
        problems.clear();
        check(reader, writer, path, depth + 1);
        const bool ok = problems.empty();
        problems = std::move(saved);
        reads_[key] = ok;
        ++*pairs_;
        return ok;
    }
    static constexpr size_t max_pairs = 10'000;
    // Pairs compared so far, shared with the checkers of `not` subschemas
    // (which swap reader and writer) so nesting cannot multiply the bound.
    size_t own_pairs_ = 0;
    size_t* pairs_ = &own_pairs_;
    std::map<std::pair<const json::value*, const json::value*>, bool> reads_;
    bool too_complex_ = false;

    // Confluent's rules for a schema that is only a oneOf, anyOf or allOf
    // (annotations and definitions aside) on either side. False when
    // neither side is such a schema: the combinator is then one keyword
    // among others, compared as a value.
    bool check_combined(const json::value& r, const json::value& w, const std::string& path, int depth) {
        const auto rc = combined_of(r);
        const auto wc = combined_of(w);
        if (rc && wc) {
            compare_combined(*rc, *wc, path, depth);
            return true;
        }
        if (rc) {
            // A writer without a combinator: a singleton reader is its one
            // subschema; a union reads it when one of its members does.
            const auto& subs = rc->subschemas;
            if (subs.size() == 1 && reads(*subs[0], w, path, depth)) return true;
            if (subs.size() > 1 && rc->keyword != "allOf") {
                for (const auto* sub : subs) {
                    if (reads(*sub, w, path, depth)) return true;  // [SUM_TYPE_EXTENDED]
                }
            }
            report(path, "the writer's schema is not among the reader's " + rc->keyword + " [TYPE_CHANGED]");
            return true;
        }
        if (wc->subschemas.size() == 1 && reads(r, *wc->subschemas[0], path, depth)) return true;
        report(path, "the writer's " + wc->keyword + " became a plain schema [TYPE_CHANGED]");
        return true;
    }

    void compare_combined(const combined& r, const combined& w, const std::string& path, int depth) {
        const size_t rn = r.subschemas.size(), wn = w.subschemas.size();
        if (r.keyword != w.keyword) {
            // Only toward a wider combination: anything to anyOf, a singleton
            // to oneOf, a singleton to a singleton allOf.
            const bool extended = r.keyword == "anyOf" || (r.keyword == "oneOf" && wn == 1) ||
                                  (r.keyword == "allOf" && wn == 1 && rn == 1);
            if (!extended) {
                return report(path, w.keyword + " changed to " + r.keyword + " [COMBINED_TYPE_CHANGED]");
            }
        }
        if (wn < rn && r.keyword == "allOf") report(path, "allOf gained subschemas [PRODUCT_TYPE_EXTENDED]");
        if (wn > rn && r.keyword != "allOf") report(path, r.keyword + " lost subschemas [SUM_TYPE_NARROWED]");
        // Each writer subschema paired with a distinct reader subschema that
        // reads it: a maximum bipartite matching (augmenting paths; the
        // lists are short). Identical subschemas pair off first, unchecked.
        std::vector<const json::value*> rs, ws;
        std::vector<bool> reader_taken(rn, false);
        size_t matched = 0;
        for (const json::value* sub : w.subschemas) {
            bool paired = false;
            for (size_t j = 0; j < rn && !paired; ++j) {
                if (!reader_taken[j] && *r.subschemas[j] == *sub) paired = reader_taken[j] = true;
            }
            if (paired) {
                ++matched;
            } else {
                ws.push_back(sub);
            }
        }
        for (size_t j = 0; j < rn; ++j) {
            if (!reader_taken[j]) rs.push_back(r.subschemas[j]);
        }
        std::vector<std::vector<size_t>> readers_of(ws.size());
        for (size_t i = 0; i < ws.size(); ++i) {
            for (size_t j = 0; j < rs.size(); ++j) {
                if (reads(*rs[j], *ws[i], path + "/" + w.keyword, depth)) readers_of[i].push_back(j);
            }
        }
        std::vector<int> match_of_reader(rs.size(), -1);
        for (size_t i = 0; i < ws.size(); ++i) {
            std::vector<bool> seen(rs.size(), false);
            if (augment(i, readers_of, match_of_reader, seen)) ++matched;
        }
        if (matched < std::min(rn, wn)) {
            report(path, "the " + w.keyword +
                             " subschemas cannot be paired with compatible ones "
                             "[COMBINED_TYPE_SUBSCHEMAS_CHANGED]");
        }
    }

    static bool augment(size_t i, const std::vector<std::vector<size_t>>& readers_of, std::vector<int>& match_of_reader,
                        std::vector<bool>& seen) {
        for (size_t j : readers_of[i]) {
            if (seen[j]) continue;
            seen[j] = true;
            if (match_of_reader[j] < 0 ||
                augment(static_cast<size_t>(match_of_reader[j]), readers_of, match_of_reader, seen)) {
                match_of_reader[j] = static_cast<int>(i);
                return true;
            }
        }
        return false;
    }

    // A schema made of a combinator and other keywords accepts what both
    // accept. Sufficient (checked): the reader's keywords other than
    // combinators read the writer's, and each reader combinator reads some
    // part of the writer (its own combinator of that kind first, then its
    // other combinators, then its remaining keywords).
    void check_conjunction(const json::value& r, const json::value& w, const std::string& path, int depth) {
        const json::value& r_rest = keep(without_combinators(r));
        const json::value& w_rest = keep(without_combinators(w));
        check(r_rest, w_rest, path, depth + 1);
        std::map<std::string_view, const json::value*> w_parts;
        for (std::string_view k : {"oneOf", "anyOf", "allOf"}) {
            if (const json::value* c = member(w, k)) w_parts[k] = &keep(json::object{{k, *c}});
        }
        for (std::string_view k : {"oneOf", "anyOf", "allOf"}) {
            const json::value* c = member(r, k);
            if (c == nullptr) continue;
            const json::value& r_part = keep(json::object{{k, *c}});
            auto same = w_parts.find(k);
            if (same != w_parts.end() && reads(r_part, *same->second, path, depth)) continue;
            const bool read = reads(r_part, w_rest, path, depth) ||
                              std::any_of(w_parts.begin(), w_parts.end(),
                                          [&](const auto& part) { return reads(r_part, *part.second, path, depth); });
            if (read) continue;
            if (same != w_parts.end()) {
                check(r_part, *same->second, path, depth + 1);
            } else {
                report(path, std::string(k) + " added beside other keywords [COMBINED_TYPE_CHANGED]");
            }
        }
    }

    static json::value without_combinators(const json::value& schema) {
        json::object out;
        for (const auto& m : schema.get_object()) {
            if (!combinators.contains(m.key())) out.emplace(m.key(), m.value());
        }
        return out;
    }

    // Schemas made here live as long as the checker: the memo tables are
    // keyed by address.
    const json::value& keep(json::value v) { return made_.emplace_back(std::move(v)); }

    // `not`: what the reader excludes, the writer excluded too, so the
    // writer's negated schema must read the reader's (roles swapped).
    void check_not(const json::value& r, const json::value& w, const std::string& path, int depth) {
        const json::value* rn = member(r, "not");
        if (rn == nullptr) return;
        const json::value* wn = member(w, "not");
        if (wn == nullptr) return report(path + "/not", "'not' added [NOT_TYPE_EXTENDED]");
        checker swapped(writer_root_, reader_root_);
        swapped.pairs_ = pairs_;
        swapped.check(*wn, *rn, path + "/not", depth + 1);
        if (!swapped.problems.empty()) {
            report(path + "/not", "the schema under 'not' now matches more documents [NOT_TYPE_EXTENDED]");
        }
    }

    // if/then/else: with the same `if` on both sides, each branch of the
    // reader must read the writer's; any other change to `if` is not judged.
    void check_conditional(const json::value& r, const json::value& w, const std::string& path, int depth) {
        const json::value* rif = member(r, "if");
        if (rif == nullptr) return;  // then/else without if mean nothing
        const json::value* rthen = member(r, "then");
        const json::value* relse = member(r, "else");
        const bool constrains =
            (rthen != nullptr && !is_empty_schema(*rthen)) || (relse != nullptr && !is_empty_schema(*relse));
        if (!constrains) return;
        const json::value* wif = member(w, "if");
        if (wif == nullptr || *wif != *rif) {
            return report(path + "/if", "a condition added or changed is not checked here, so it is refused");
        }
        const json::value* wthen = member(w, "then");
        const json::value* welse = member(w, "else");
        if (rthen != nullptr) check(*rthen, wthen != nullptr ? *wthen : empty_schema, path + "/then", depth + 1);
        if (relse != nullptr) check(*relse, welse != nullptr ? *welse : empty_schema, path + "/else", depth + 1);
    }

    // Property dependencies, from `dependencies` (draft 4 to 7) and
    // `dependentRequired` / `dependentSchemas` (2019-09 on).
    struct dependency {
        const json::array* names = nullptr;   // the properties it requires
        const json::value* schema = nullptr;  // or the schema it imposes
    };
    static std::map<std::string, dependency> dependencies_of(const json::value& schema) {
        std::map<std::string, dependency> out;
        auto add = [&](const json::object* o, bool arrays, bool schemas) {
            if (o == nullptr) return;
            for (const auto& m : *o) {
                dependency& d = out[std::string(m.key())];
                if (arrays && m.value().is_array()) {
                    d.names = &m.value().get_array();
                } else if (schemas) {
                    d.schema = &m.value();
                }
            }
        };
        add(object_member(schema, "dependencies"), true, true);
        add(object_member(schema, "dependentRequired"), true, false);
        add(object_member(schema, "dependentSchemas"), false, true);
        return out;
    }

    void check_dependencies(const json::value& r, const json::value& w, const std::string& path, int depth) {
        const auto rdeps = dependencies_of(r);
        if (rdeps.empty()) return;
        const auto wdeps = dependencies_of(w);
        std::set<std::string> always;  // the writer requires these in every document
        if (const json::value* wr = member(w, "required"); wr != nullptr && wr->is_array()) {
            for (const auto& e : wr->get_array()) {
                if (e.is_string()) always.emplace(e.get_string());
            }
        }
        for (const auto& [name, rd] : rdeps) {
            const std::string at = path + "/dependencies/" + name;
            auto it = wdeps.find(name);
            const dependency* wd = it == wdeps.end() ? nullptr : &it->second;
            if (rd.names != nullptr) {
                for (const auto& n : *rd.names) {
                    if (!n.is_string() || always.contains(std::string(n.get_string()))) continue;
                    const bool kept = wd != nullptr && wd->names != nullptr &&
                                      std::find(wd->names->begin(), wd->names->end(), n) != wd->names->end();
                    if (!kept) {
                        report(at, "property " + std::string(n.get_string()) +
                                       " now required with it [DEPENDENCY_ARRAY_ADDED, DEPENDENCY_ARRAY_EXTENDED]");
                    }
                }
            }
            if (rd.schema != nullptr && !is_empty_schema(*rd.schema)) {
                if (wd == nullptr || wd->schema == nullptr) {
                    report(at, "dependent schema added [DEPENDENCY_SCHEMA_ADDED]");
                } else {
                    check(*rd.schema, *wd->schema, at, depth + 1);
                }
            }
        }
    }

    // patternProperties: which of a side's patterns a property name matches.
    // Patterns are ECMA-262 regular expressions, matched anywhere in the
    // name; one that does not compile, or a match that cannot be told
    // cheaply, counts as unjudged (the change is refused).
    struct pattern_match {
        std::vector<const json::value*> schemas;
        bool unjudged = false;
    };
    pattern_match patterns_matching(const json::value& schema, std::string_view name) {
        pattern_match out;
        const json::object* pp = object_member(schema, "patternProperties");
        if (pp == nullptr) return out;
        for (const auto& m : *pp) {
            const auto hit = matches(m.key(), name);
            if (!hit) {
                out.unjudged = true;
            } else if (*hit) {
                out.schemas.push_back(&m.value());
            }
        }
        return out;
    }
    // Boost.Regex rather than std::regex: it matches without recursion and
    // gives up (throws) past a bound on its steps, where std::regex can
    // overflow the stack or backtrack for ever on a hostile pattern. Long
    // patterns and names, and many matches per check, are not judged.
    std::optional<bool> matches(std::string_view pattern, std::string_view name) {
        static constexpr size_t max_length = 128;
        static constexpr size_t max_matches = 2'000;
        if (pattern.size() > max_length || name.size() > max_length || ++matches_done_ > max_matches) {
            return std::nullopt;
        }
        auto [it, added] = regexes_.try_emplace(std::string(pattern));
        if (added) {
            try {
                it->second.emplace(it->first, boost::regex::ECMAScript);
            } catch (const std::runtime_error&) {
            }
        }
        if (!it->second) return std::nullopt;
        try {
            return boost::regex_search(name.begin(), name.end(), *it->second);
        } catch (const std::runtime_error&) {
            return std::nullopt;
        }
    }

    // A property the writer names: every reader pattern matching its name
    // must read it (unless the writer has that very pattern with the same
    // schema). True when the reader has a pattern for the name.
    bool check_named_by_patterns(const json::value& r, const json::value& w, std::string_view name,
                                 const json::value& written, const std::string& at, int depth) {
        const pattern_match rpat = patterns_matching(r, name);
        if (rpat.unjudged) {
            report(at, "a pattern of the reader's patternProperties is not a valid regular expression");
            return true;
        }
        const json::object* wpp = object_member(w, "patternProperties");
        for (const json::value* rs : rpat.schemas) {
            const bool same = wpp != nullptr && std::any_of(wpp->begin(), wpp->end(), [&](const auto& m) {
                                  return m.value() == *rs && matches(m.key(), name).value_or(false);
                              });
            if (!same) check(*rs, written, at, depth + 1);
        }
        return !rpat.schemas.empty();
    }

    // Patterns and additionalProperties for the properties neither side
    // names: pattern by pattern when both sides have the same patterns;
    // otherwise only the cases that need no regex overlap.
    void check_patterns(const json::value& r, const json::value& w, const std::string& path, int depth) {
        const json::object* rpp = object_member(r, "patternProperties");
        const json::object* wpp = object_member(w, "patternProperties");
        const bool rhas = rpp != nullptr && !rpp->empty();
        const bool whas = wpp != nullptr && !wpp->empty();
        if (!rhas && !whas) return;
        const std::string at = path + "/patternProperties";
        if (rhas && whas) {
            const bool same_patterns =
                rpp->size() == wpp->size() &&
                std::all_of(rpp->begin(), rpp->end(), [&](const auto& m) { return wpp->contains(m.key()); });
            if (!same_patterns) {
                return report(at, "patterns changed; which names they share is not checked here, so it is refused");
            }
            for (const auto& m : *rpp)
                check(m.value(), wpp->at(m.key()), at + "/" + std::string(m.key()), depth + 1);
            return;
        }
        if (rhas) {
            // New reader patterns only matter for names the writer can write
            // beyond its own properties (those are checked by name).
            if (model_of(w) != content_model::closed) {
                report(at,
                       "patternProperties added over an open or partially open content model "
                       "[PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL]");
            }
            return;
        }
        // The writer's patterns are gone: the reader reads those names
        // through its additionalProperties.
        for (const auto& m : *wpp)
            check_read_as_additional(r, m.value(), at + "/" + std::string(m.key()), depth, "pattern properties");
    }

    // A value the writer writes under a name the reader names neither in its
    // properties nor by a pattern: the reader reads it through its
    // additionalProperties.
    void check_read_as_additional(const json::value& r, const json::value& written, const std::string& at, int depth,
                                  std::string_view what) {
        switch (model_of(r)) {
            case content_model::open:
                break;
            case content_model::partial:
                check(*member(r, "additionalProperties"), written, at, depth + 1);
                break;
            case content_model::closed:
                if (!(written.is_bool() && !written.get_bool())) {
                    report(at, std::string(what) +
                                   " removed from a closed content model [PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL]");
                }
                break;
        }
    }

    void check_types(const json::value& r, const json::value& w, const std::string& path) {
        const auto rt = types_of(r);
        for (const auto& t : types_of(w)) {
            if (rt.contains(t) || (t == "integer" && rt.contains("number"))) continue;
            report(path, "type " + t + " of the writer is not read [TYPE_NARROWED]");
        }
    }

    void check_values(const json::value& r, const json::value& w, const std::string& path) {
        if (const json::value* re = member(r, "enum"); re != nullptr && re->is_array()) {
            const json::value* we = member(w, "enum");
            if (we == nullptr || !we->is_array()) {
                report(path, "enum added [ENUM_ARRAY_CHANGED]");
            } else {
                for (const auto& v : we->get_array()) {
                    if (std::find(re->get_array().begin(), re->get_array().end(), v) == re->get_array().end()) {
                        report(path, "enum value " + json::serialize(v) + " removed [ENUM_ARRAY_NARROWED]");
                    }
                }
            }
        }
        if (const json::value* rc = member(r, "const")) {
            const json::value* wc = member(w, "const");
            if (wc == nullptr || *wc != *rc) report(path, "const added or changed");
        }
    }

    void check_bounds(const json::value& r, const json::value& w, const std::string& path) {
        for (auto key : upper_bounds) {
            auto rv = number(member(r, key));
            auto wv = number(member(w, key));
            if (rv && (!wv || *rv < *wv)) report(path, std::string(key) + " added or decreased");
        }
        for (auto key : lower_bounds) {
            auto rv = number(member(r, key));
            auto wv = number(member(w, key));
            if (rv && (!wv || *rv > *wv)) report(path, std::string(key) + " added or increased");
        }
        if (const json::value* rp = member(r, "pattern")) {
            const json::value* wp = member(w, "pattern");
            if (wp == nullptr || *wp != *rp) report(path, "pattern added or changed");
        }
        if (auto rm = number(member(r, "multipleOf"))) {
            auto wm = number(member(w, "multipleOf"));
            if (!wm || *rm == 0 || std::fmod(*wm, *rm) != 0) report(path, "multipleOf added or changed");
        }
        const json::value* ru = member(r, "uniqueItems");
        const json::value* wu = member(w, "uniqueItems");
        if (ru != nullptr && ru->is_bool() && ru->get_bool() && !(wu != nullptr && wu->is_bool() && wu->get_bool())) {
            report(path, "uniqueItems added");
        }
    }

    void check_unchecked(const json::value& r, const json::value& w, const std::string& path) {
        std::set<std::string> keys;
        for (const auto* s : {&r, &w}) {
            if (const json::object* o = s->if_object()) {
                for (const auto& m : *o)
                    keys.emplace(m.key());
            }
        }
        for (const auto& k : keys) {
            if (annotations.contains(k) || checked.contains(k)) continue;
            const json::value* rv = member(r, k);
            const json::value* wv = member(w, k);
            if (rv != nullptr && wv != nullptr && *rv == *wv) continue;
            report(path, "a change to '" + k + "' is not checked here, so it is refused");
        }
    }

    void check_object(const json::value& r, const json::value& w, const std::string& path, int depth) {
        static const json::value no_properties = json::object{};
        const json::value* rp = member(r, "properties");
        const json::value* wp = member(w, "properties");
        const json::object& rprops = (rp && rp->is_object() ? *rp : no_properties).get_object();
        const json::object& wprops = (wp && wp->is_object() ? *wp : no_properties).get_object();
        const json::value* rap = member(r, "additionalProperties");
        const json::value* wap = member(w, "additionalProperties");
        for (const auto& m : rprops) {
            const std::string at = path + "/properties/" + std::string(m.key());
            if (auto it = wprops.find(m.key()); it != wprops.end()) {
                check(m.value(), it->value(), at, depth + 1);
                check_named_by_patterns(r, w, m.key(), it->value(), at, depth);
                continue;
            }
            // The writer wrote this name through its matching patterns, if any.
            const pattern_match wpat = patterns_matching(w, m.key());
            if (wpat.unjudged) {
                report(at, "a pattern of the writer's patternProperties is not a valid regular expression");
                continue;
            }
            if (!wpat.schemas.empty()) {
                if (!std::any_of(wpat.schemas.begin(), wpat.schemas.end(),
                                 [&](const json::value* ws) { return reads(m.value(), *ws, at, depth); })) {
                    report(at,
                           "property added, not covered by the writer's patternProperties "
                           "[PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL]");
                }
                continue;
            }
            switch (model_of(w)) {
                case content_model::open:
                    if (!is_empty_schema(m.value()))
                        report(at, "property added to an open content model [PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL]");
                    break;
                case content_model::partial:
                    check(m.value(), *wap, at, depth + 1);
                    break;
                case content_model::closed:
                    break;
            }
        }
        for (const auto& m : wprops) {
            if (rprops.contains(m.key())) continue;
            const std::string at = path + "/properties/" + std::string(m.key());
            // The reader reads this name through its matching patterns, if any.
            if (check_named_by_patterns(r, w, m.key(), m.value(), at, depth)) continue;
            check_read_as_additional(r, m.value(), at, depth, "property");
        }
        check_patterns(r, w, path, depth);
        // What the writer leaves to additionalProperties, the reader must read too.
        const content_model rm = model_of(r);
        const content_model wm = model_of(w);
        if (rm == content_model::closed && wm != content_model::closed) {
            report(path + "/additionalProperties", "additional properties removed [ADDITIONAL_PROPERTIES_REMOVED]");
        } else if (rm == content_model::partial && wm == content_model::open) {
            report(path + "/additionalProperties", "additional properties narrowed [ADDITIONAL_PROPERTIES_NARROWED]");
        } else if (rm == content_model::partial && wm == content_model::partial) {
            check(*rap, *wap, path + "/additionalProperties", depth + 1);
        }
        std::set<std::string> wrequired;
        if (const json::value* wr = member(w, "required"); wr != nullptr && wr->is_array()) {
            for (const auto& e : wr->get_array()) {
                if (e.is_string()) wrequired.emplace(e.get_string());
            }
        }
        if (const json::value* rr = member(r, "required"); rr != nullptr && rr->is_array()) {
            for (const auto& e : rr->get_array()) {
                if (!e.is_string() || wrequired.contains(std::string(e.get_string()))) continue;
                auto it = rprops.find(e.get_string());
                if (it != rprops.end() && member(it->value(), "default") != nullptr) continue;
                report(path + "/required",
                       "required property " + std::string(e.get_string()) + " added [REQUIRED_ATTRIBUTE_ADDED]");
            }
        }
    }

    void check_items(const json::value& r, const json::value& w, const std::string& path, int depth) {
        const json::value* ri = member(r, "items");
        if (ri == nullptr) return;
        const json::value* wi = member(w, "items");
        if (ri->is_array() || (wi != nullptr && wi->is_array())) {
            if (wi == nullptr || *wi != *ri)
                report(path + "/items", "a change to tuple 'items' is not checked here, so it is refused");
            return;
        }
        check(*ri, wi != nullptr ? *wi : empty_schema, path + "/items", depth + 1);
    }

    const json::value& reader_root_;
    const json::value& writer_root_;
    std::set<std::pair<const json::value*, const json::value*>> in_progress_;
    std::deque<json::value> made_;
    std::map<std::string, std::optional<boost::regex>, std::less<>> regexes_;
    size_t matches_done_ = 0;
};

}  // namespace

std::vector<std::string> incompatibilities(const json::value& reader, const json::value& writer) {
    // The same document accepts the same documents, whatever keywords it
    // holds that the rules below cannot judge (a malformed `items` kept as
    // given made a schema incompatible with itself).
    if (reader == writer) return {};
    checker c(reader, writer);
    c.check(reader, writer, "");
    return std::move(c.problems);
}

}  // namespace sluice::broker::schema_registry::json_schema
