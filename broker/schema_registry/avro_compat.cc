// Reader/writer compatibility over two parsed graphs. A pair of nodes is
// assumed compatible while it is being checked, so recursive records end.
#include "broker/schema_registry/avro_compat.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <utility>

namespace sluice::broker::schema_registry::avro {

namespace {

const char* kind_name(kind k) {
    static const char* const names[] = {"null",   "boolean", "int",  "long",  "float", "double", "bytes",
                                        "string", "record",  "enum", "array", "map",   "union",  "fixed"};
    return names[static_cast<int>(k)];
}

class checker {
public:
    using memo = std::map<std::pair<int, int>, bool>;
    checker(const schema& reader, const schema& writer, std::shared_ptr<memo> m, bool quiet)
        : r_(reader), w_(writer), memo_(std::move(m)), quiet_(quiet) {}

    std::vector<std::string> problems;

    // Verdicts are remembered per pair (as Java's checker does), so trying a
    // reader union's branches stays linear in the schemas' size; a failing
    // pair is re-walked only to report where it fails.
    bool check(int reader, int writer, const std::string& path) {
        const std::pair key{reader, writer};
        if (auto it = memo_->find(key); it != memo_->end() && (it->second || quiet_)) return it->second;
        if (!in_progress_.insert(key).second) return true;
        const bool ok = compare(reader, writer, path);
        in_progress_.erase(key);
        (*memo_)[key] = ok;
        return ok;
    }

private:
    bool report(const std::string& path, std::string what) {
        if (quiet_) return false;
        problems.push_back((path.empty() ? std::string("/") : path) + ": " + std::move(what));
        return false;
    }

    // Avro's schemaNameEquals: unqualified names equal, or a reader alias
    // is the writer's full name.
    bool names_match(const node& r, const node& w) const {
        if (short_name(r.full_name) == short_name(w.full_name)) return true;
        return std::find(r.aliases.begin(), r.aliases.end(), w.full_name) != r.aliases.end();
    }

    static bool promotes(kind reader, kind writer) {
        switch (reader) {
            case kind::long_type:
                return writer == kind::int_type;
            case kind::float_type:
                return writer == kind::int_type || writer == kind::long_type;
            case kind::double_type:
                return writer == kind::int_type || writer == kind::long_type || writer == kind::float_type;
            case kind::string:
                return writer == kind::bytes;
            case kind::bytes:
                return writer == kind::string;
            default:
                return false;
        }
    }

    bool compare(int ri, int wi, const std::string& path) {
        const node& r = r_.at(ri);
        const node& w = w_.at(wi);
        if (w.type == kind::union_type) {
            bool ok = true;
            for (size_t b = 0; b < w.branches.size(); ++b) {
                ok = check(ri, w.branches[b], path + "/" + std::to_string(b)) && ok;
            }
            return ok;
        }
        if (r.type == kind::union_type) {
            for (int b : r.branches) {
                checker trial(r_, w_, memo_, true);
                trial.in_progress_ = in_progress_;
                if (trial.check(b, wi, path)) return true;
            }
            return report(path, std::string("reader union lacks type ") + kind_name(w.type) +
                                    (w.full_name.empty() ? "" : " " + w.full_name));
        }
        if (r.type != w.type) {
            if (promotes(r.type, w.type)) return true;
            return report(path, std::string("reader type ") + kind_name(r.type) + " not compatible with writer type " +
                                    kind_name(w.type));
        }
        switch (r.type) {
            case kind::array:
                return check(r.items, w.items, path + "/items");
            case kind::map:
                return check(r.items, w.items, path + "/values");
            case kind::fixed:
                if (!names_match(r, w))
                    return report(path, "name mismatch: expected " + w.full_name + ", found " + r.full_name);
                if (r.size != w.size) {
                    return report(path + "/size",
                                  "expected " + std::to_string(w.size) + ", found " + std::to_string(r.size));
                }
                return true;
            case kind::enumeration: {
                if (!names_match(r, w))
                    return report(path, "name mismatch: expected " + w.full_name + ", found " + r.full_name);
                if (r.enum_default) return true;
                bool ok = true;
                for (const auto& s : w.symbols) {
                    if (std::find(r.symbols.begin(), r.symbols.end(), s) == r.symbols.end()) {
                        ok = report(path + "/symbols", "reader lacks symbol " + s);
                    }
                }
                return ok;
            }
            case kind::record: {
                if (!names_match(r, w))
                    return report(path, "name mismatch: expected " + w.full_name + ", found " + r.full_name);
                bool ok = true;
                for (size_t i = 0; i < r.fields.size(); ++i) {
                    const field& rf = r.fields[i];
                    const field* wf = writer_field(w, rf);
                    const std::string at = path + "/fields/" + std::to_string(i);
                    if (wf == nullptr) {
                        if (!rf.default_value)
                            ok = report(
                                at, "reader field " + rf.name + " has no default value and is missing from the writer");
                        continue;
                    }
                    ok = check(rf.type, wf->type, at + "/type") && ok;
                }
                return ok;
            }
            default:
                return true;  // same primitive
        }
    }

    static const field* writer_field(const node& w, const field& rf) {
        for (const auto& f : w.fields) {
            if (f.name == rf.name) return &f;
        }
        for (const auto& alias : rf.aliases) {
            for (const auto& f : w.fields) {
                if (f.name == alias) return &f;
            }
        }
        return nullptr;
    }

    const schema& r_;
    const schema& w_;
    std::shared_ptr<memo> memo_;
    bool quiet_;
    std::set<std::pair<int, int>> in_progress_;
};

}  // namespace

std::vector<std::string> incompatibilities(const schema& reader, const schema& writer) {
    checker c(reader, writer, std::make_shared<checker::memo>(), false);
    c.check(reader.root, writer.root, "");
    return std::move(c.problems);
}

}  // namespace sluice::broker::schema_registry::avro
