// `sluice events TOPIC KEY`: one key's records (an aggregate's events), read
// through the broker's key index over its HTTP listener
// (GET /v1/topics/{topic}/keys/{key}/records; the topic needs
// sluice.key.index.enable=true).
#include <boost/json.hpp>
#include <iostream>

#include "tools/cli/cli_error.h"
#include "tools/cli/command.h"
#include "tools/cli/http_get.h"
#include "tools/cli/json_output.h"
#include "tools/cli/table.h"

namespace sluice::tools {

namespace {

namespace json = boost::json;

// The broker answers at most this many records per request; more are paged.
constexpr long long page_limit = 10000;

// {"text": ...} or {"base64": ...} as text for the table.
std::string cell_of(const json::value& v) {
    if (!v.is_object()) return "-";
    const auto& o = v.as_object();
    if (auto* t = o.if_contains("text")) return std::string(t->as_string());
    if (auto* b = o.if_contains("base64")) return "base64:" + std::string(b->as_string());
    return "-";
}

json::object get_page(const std::string& http, const std::string& target, std::chrono::milliseconds timeout) {
    http_reply reply = http_get(http, target, timeout);
    json::value doc;
    try {
        doc = json::parse(reply.body);
    } catch (const std::exception&) {
        throw cli_error("HTTP " + std::to_string(reply.status) + " from " + http + " without a JSON body");
    }
    if (reply.status != 200 || !doc.is_object()) {
        const auto* o = doc.if_object();
        const auto* e = o ? o->if_contains("error") : nullptr;
        const auto* m = o ? o->if_contains("message") : nullptr;
        throw cli_error((e && e->is_string() ? std::string(e->as_string()) : "HTTP " + std::to_string(reply.status)) +
                        ": " + (m && m->is_string() ? std::string(m->as_string()) : std::string(reply.body)));
    }
    return doc.as_object();
}

std::string headers_cell(const json::object& r) {
    std::string headers;
    for (const auto& h : r.at("headers").as_array()) {
        if (!headers.empty()) headers += ",";
        headers += cell_of(h.as_object().at("key")) + "=" + cell_of(h.as_object().at("value"));
    }
    return headers.empty() ? "-" : headers;
}

// --follow: the broker's event stream, one line per record as it comes
// (tab-separated; JSON lines with --json), until interrupted or the broker
// closes the stream.
int follow_events(const parsed_args& args, const std::string& http, const std::string& target) {
    const bool as_json = json_requested(args);
    if (!as_json) std::cout << "OFFSET\tTIMESTAMP\tVALUE\tHEADERS" << std::endl;
    http_reply reply = http_get_lines(http, target, std::chrono::seconds(60), [&](std::string_view line) {
        if (!line.starts_with("data: ")) return true;  // id:, comments, blank lines
        json::value doc = json::parse(line.substr(6));
        const auto& r = doc.as_object();
        if (as_json) {
            std::cout << json::serialize(r) << std::endl;
        } else {
            std::cout << r.at("offset").as_int64() << '\t' << r.at("timestamp").as_int64() << '\t'
                      << (r.at("value").is_null() ? "null" : cell_of(r.at("value"))) << '\t' << headers_cell(r)
                      << std::endl;
        }
        return true;
    });
    if (reply.status != 200) {
        json::value doc;
        try {
            doc = json::parse(reply.body);
        } catch (const std::exception&) {
        }
        const auto* o = doc.if_object();
        const auto* e = o ? o->if_contains("error") : nullptr;
        const auto* m = o ? o->if_contains("message") : nullptr;
        throw cli_error((e && e->is_string() ? std::string(e->as_string()) : "HTTP " + std::to_string(reply.status)) +
                        ": " + (m && m->is_string() ? std::string(m->as_string()) : reply.body));
    }
    return exit_ok;
}

int run_events(const parsed_args& args) {
    const std::string& topic = args.positionals().at(0);
    const std::string& key = args.positionals().at(1);
    if (topic.empty()) throw usage_error("the topic name must not be empty");
    if (key.empty()) throw usage_error("the key must not be empty");
    const std::string http = args.get("--http").value_or("localhost:9644");
    const bool newest = args.has("--newest-first");
    const bool corrected = args.has("--corrected");
    long long limit = args.get("--limit") ? parse_int(*args.get("--limit"), "--limit", 1, 100000000) : 100;
    if ((newest || corrected) && limit > page_limit) {
        throw usage_error(std::string("--limit with ") + (newest ? "--newest-first" : "--corrected") + " is at most " +
                          std::to_string(page_limit));
    }
    long long from = args.get("--from-offset") ? parse_int(*args.get("--from-offset"), "--from-offset", 0, INT64_MAX) : 0;
    std::string fixed = "/v1/topics/" + url_encode(topic) + "/keys/" + url_encode(key) + "/records?order=" +
                        (newest ? "newest" : "oldest") + (corrected ? "&view=corrected" : "");
    if (auto p = args.get("--partition")) fixed += "&partition=" + std::to_string(parse_int(*p, "--partition", 0, INT32_MAX));
    if (args.has("--follow")) {
        if (newest || corrected) throw usage_error("--follow prints the raw records oldest first");
        return follow_events(args, http, fixed + "&follow=true&from_offset=" + std::to_string(from));
    }

    json::array records;
    json::object last;
    while (true) {
        const long long want = std::min(limit - static_cast<long long>(records.size()), page_limit);
        last = get_page(http,
                        fixed + "&from_offset=" + std::to_string(from) + "&limit=" + std::to_string(want),
                        timeout_of(args));
        for (auto& r : last["records"].as_array()) records.push_back(r);
        const auto& next = last["next_offset"];
        // The corrected view is one scan: a next page would not see the corrected records.
        if (newest || corrected || static_cast<long long>(records.size()) >= limit || !next.is_int64()) break;
        from = next.as_int64();
    }
    if (json_requested(args)) {
        print_json(std::cout, json::object{{"topic", topic},
                                           {"partition", last["partition"]},
                                           {"key", last["key"]},
                                           {"order", newest ? "newest" : "oldest"},
                                           {"view", corrected ? "corrected" : "raw"},
                                           {"records", records}});
        return exit_ok;
    }
    std::vector<std::string> columns = {"OFFSET", "TIMESTAMP", "VALUE", "HEADERS"};
    if (corrected) columns.insert(columns.begin() + 1, "CORRECTS");
    table t(columns);
    for (const auto& v : records) {
        const auto& r = v.as_object();
        const std::string headers = headers_cell(r);
        std::vector<std::string> row = {std::to_string(r.at("offset").as_int64()),
                                        std::to_string(r.at("timestamp").as_int64()),
                                        r.at("value").is_null() ? "null" : cell_of(r.at("value")),
                                        headers};
        if (corrected) {
            const auto* c = r.if_contains("corrects");
            row.insert(row.begin() + 1, c && c->is_int64() ? std::to_string(c->as_int64()) : "-");
        }
        t.add_row(row);
    }
    t.print(std::cout);
    return exit_ok;
}

}  // namespace

std::vector<command> events_commands() {
    return {
        {"",
         "events",
         "one key's records, through the topic's key index (HTTP listener)",
         {"sluice events TOPIC KEY [--http HOST:PORT] [options]",
          "Prints the records of KEY in TOPIC in offset order (or newest first),\n"
          "read by the broker through its per-key index: only the batches holding\n"
          "the key are read. The topic needs sluice.key.index.enable=true. Talks\n"
          "to the broker's HTTP listener (http.listeners), not its Kafka port.\n"
          "The partition defaults to the one Kafka's default partitioner (murmur2)\n"
          "picks for KEY. Values that are not UTF-8 print as base64:<...>.\n"
          "With --corrected, each corrected record is shown replaced by its latest\n"
          "correction (header sluice.corrects.offset), CORRECTS naming the original.",
          {{"", "--http", "HOST:PORT", "the broker's HTTP listener (default localhost:9644)"},
           {"-p", "--partition", "N", "the partition (default: murmur2 of KEY, as Kafka's default partitioner)"},
           {"", "--from-offset", "N", "records at or after offset N (default 0)"},
           {"", "--limit", "N", "at most N records (default 100)"},
           {"", "--newest-first", "", "the last records first"},
           {"", "--corrected", "", "the corrected view (at most 10000 records, one scan)"},
           {"", "--follow", "", "stream the records from --from-offset on, and new ones as they come"},
           timeout_option(),
           json_option()},
          2,
          2,
          "arguments:\n  TOPIC  the topic\n  KEY    the record key (as text)"},
         run_events},
    };
}

}  // namespace sluice::tools
