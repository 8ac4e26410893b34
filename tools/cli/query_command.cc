// `sluice query TOPIC [filters]`: an ad-hoc query (POST /v1/query on the
// broker's HTTP listener). Prints the matching records as JSON lines on
// stdout as they arrive, and the broker's summary line on stderr.
#include "tools/cli/query_command.h"

#include <boost/json.hpp>
#include <iostream>

#include "tools/cli/cli_error.h"
#include "tools/cli/command.h"
#include "tools/cli/http_get.h"
#include "tools/cli/query_where.h"

namespace sluice::tools {

namespace {

namespace json = boost::json;

json::object body_of(const parsed_args& args) {
    json::object body;
    const std::string& topic = args.positionals().at(0);
    if (topic.empty()) throw usage_error("the topic name must not be empty");
    body["topic"] = topic;
    if (args.has("--partition")) {
        json::array partitions;
        for (const auto& p : args.all("--partition"))
            partitions.push_back(parse_int(p, "--partition", 0, INT32_MAX));
        body["partitions"] = std::move(partitions);
    }
    if (args.has("--key") && args.has("--key-prefix")) throw usage_error("give --key or --key-prefix, not both");
    if (args.has("--key")) {
        json::array keys;
        for (const auto& k : args.all("--key"))
            keys.push_back(json::string(k));
        body["keys"] = std::move(keys);
    }
    if (auto p = args.get("--key-prefix")) body["key_prefix"] = *p;
    if (auto v = args.get("--from-offset")) body["from_offset"] = parse_int(*v, "--from-offset", 0, INT64_MAX);
    if (auto v = args.get("--to-offset")) body["to_offset"] = parse_int(*v, "--to-offset", 0, INT64_MAX);
    json::object event_time;
    if (auto v = args.get("--event-time-from"))
        event_time["from"] = parse_int(*v, "--event-time-from", INT64_MIN, INT64_MAX);
    if (auto v = args.get("--event-time-to")) event_time["to"] = parse_int(*v, "--event-time-to", INT64_MIN, INT64_MAX);
    if (!event_time.empty()) body["event_time"] = std::move(event_time);
    if (args.has("--header")) {
        json::object headers;
        for (const auto& h : args.all("--header")) {
            auto [name, value] = parse_key_value(h);
            headers[name] = value;
        }
        body["headers"] = std::move(headers);
    }
    if (args.has("--where")) {
        json::object value;
        for (const auto& w : args.all("--where"))
            add_where(value, w);
        body["value"] = std::move(value);
    }
    if (auto v = args.get("--limit")) body["limit"] = parse_int(*v, "--limit", 1, 1000000);
    if (auto v = args.get("--max-bytes-scanned")) {
        body["max_bytes_scanned"] = parse_int(*v, "--max-bytes-scanned", 1, INT64_MAX);
    }
    if (args.has("--allow-scan")) body["allow_scan"] = true;
    if (auto v = args.get("--resume")) {
        boost::system::error_code ec;
        json::value next = json::parse(*v, ec);
        if (ec || !next.is_object())
            throw usage_error("--resume takes the summary's \"next\" object, e.g. '{\"0\":42}'");
        body["resume"] = std::move(next);
    }
    return body;
}

[[noreturn]] void refused(const http_reply& reply) {
    json::value doc;
    boost::system::error_code ec;
    doc = json::parse(reply.body, ec);
    const auto* o = ec ? nullptr : doc.if_object();
    const auto* e = o ? o->if_contains("error") : nullptr;
    const auto* m = o ? o->if_contains("message") : nullptr;
    throw cli_error((e && e->is_string() ? std::string(e->as_string()) : "HTTP " + std::to_string(reply.status)) +
                    ": " + (m && m->is_string() ? std::string(m->as_string()) : reply.body));
}

int run_query(const parsed_args& args) {
    const std::string http = args.get("--http").value_or("localhost:9644");
    const std::string body = json::serialize(body_of(args));
    bool failed = false, summarized = false;
    http_reply reply = http_post_lines(http, "/v1/query", body, timeout_of(args), [&](std::string_view line) {
        if (line.empty()) return true;
        if (line.starts_with("{\"summary\"")) {
            summarized = true;
            std::cerr << line << std::endl;
            boost::system::error_code ec;
            json::value doc = json::parse(line, ec);
            const auto* s = ec ? nullptr : doc.as_object().at("summary").if_object();
            const auto* reason = s ? s->if_contains("reason") : nullptr;
            failed = reason && reason->is_string() && reason->as_string() == "error";
            return true;
        }
        std::cout << line << '\n';
        return true;
    });
    std::cout.flush();
    if (reply.status != 200) refused(reply);
    if (!summarized) throw cli_error("the broker ended the answer without its summary line");
    return failed ? exit_error : exit_ok;
}

}  // namespace

std::vector<command> query_commands() {
    return {
        {"",
         "query",
         "records of a topic that pass a filter (HTTP listener, POST /v1/query)",
         {"sluice query TOPIC [--http HOST:PORT] [filters]",
          "Asks the broker for the records of TOPIC that pass every filter given\n"
          "and prints them as JSON lines, as they come; the summary (records,\n"
          "scanned_bytes, truncated, reason, next) goes to stderr. When the answer\n"
          "was cut (--limit or --max-bytes-scanned), run the same command with\n"
          "--resume '<the summary's next>' for the rest. Only committed records\n"
          "below the high watermark. --key on a topic with sluice.key.index.enable\n"
          "reads only the key's batches; elsewhere it needs --allow-scan.",
          {{"", "--http", "HOST:PORT", "the broker's HTTP listener (default localhost:9644)"},
           {"-p", "--partition", "N", "only this partition (repeatable; default all, or the keys' partitions)", true},
           {"-k", "--key", "KEY", "records with this key (repeatable)", true},
           {"", "--key-prefix", "PREFIX", "records whose key starts with PREFIX"},
           {"", "--from-offset", "N", "records at or after offset N"},
           {"", "--to-offset", "N", "records below offset N"},
           {"", "--event-time-from", "MS", "records with a timestamp at or after MS (epoch milliseconds)"},
           {"", "--event-time-to", "MS", "records with a timestamp below MS"},
           {"", "--header", "NAME=VALUE", "records with this header (repeatable)", true},
           {"", "--where", "FIELD OP VALUE",
            "a condition on JSON values, e.g. 'amount>=10' (= != < <= > >=; repeatable)", true},
           {"", "--limit", "N", "at most N records (default 1000)"},
           {"", "--max-bytes-scanned", "BYTES", "stop after reading this many bytes of batches"},
           {"", "--allow-scan", "", "let --key read every batch of a topic without the key index"},
           {"", "--resume", "JSON", "go on where a cut answer stopped (its summary's next)"},
           timeout_option()},
          1,
          1,
          "arguments:\n  TOPIC  the topic"},
         run_query},
    };
}

}  // namespace sluice::tools
