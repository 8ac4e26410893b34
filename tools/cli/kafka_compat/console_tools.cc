// kafka-console-producer.sh and kafka-console-consumer.sh over the same code
// as `sluice produce` / `sluice consume` (tools/cli/console_io.h).
#include <algorithm>
#include <iostream>

#include "tools/cli/console_io.h"
#include "tools/cli/kafka_compat/tool.h"
#include "tools/cli/record_client.h"

namespace sluice::tools::kafka_compat {

namespace {

bool truthy(const std::string& v) { return v == "true" || v == "TRUE" || v == "True"; }

// Client properties: security ones are refused (check_security), the ones the
// CLI's client has an equivalent for are applied, the rest only tune a Java
// client's internals and are reported as not used.
std::map<std::string, std::string> client_properties(const flag_values& args, std::string_view prop_opt,
                                                     std::string_view file_opt) {
    std::map<std::string, std::string> props;
    if (auto file = args.get(file_opt)) {
        props = read_properties(*file);
        check_security(props, "--" + std::string(file_opt) + " " + *file);
    }
    auto inline_props = key_values(args.all(prop_opt), prop_opt);
    check_security(inline_props, "--" + std::string(prop_opt));
    for (auto& [k, v] : inline_props)
        props[k] = v;
    return props;
}

void note_unused(const std::map<std::string, std::string>& props, std::initializer_list<std::string_view> used) {
    for (const auto& [k, v] : props) {
        if (std::find(used.begin(), used.end(), k) == used.end()) {
            std::cerr << "WARN The configuration '" << k << "' was supplied but is not used by this client.\n";
        }
    }
}

int16_t acks_of(std::string_view text) {
    if (text == "all" || text == "-1") return -1;
    if (text == "0") return 0;
    if (text == "1") return 1;
    throw flag_error("Invalid value " + std::string(text) + " for acks (0, 1, -1 or all)");
}

// Flags that tune a Java producer's buffers and retries: accepted, and said to be unused.
constexpr std::string_view producer_tuning_flags[] = {
    "max-block-ms",       "max-memory-bytes", "max-partition-memory-bytes", "message-send-max-retries",
    "metadata-expiry-ms", "retry-backoff-ms", "socket-buffer-size",         "timeout"};

int run_producer(const flag_values& args) {
    for (auto f : producer_tuning_flags) {
        if (args.has(f))
            std::cerr << "WARN Option --" << f << " tunes a Java producer and is not used by this client.\n";
    }
    produce_settings s;
    s.bootstrap = args.has("bootstrap-server") ? bootstrap_server(args) : bootstrap_server(args, "broker-list");
    s.topic = args.require("topic");
    s.quiet = true;
    auto props = client_properties(args, "producer-property", "producer.config");
    note_unused(props, {"acks", "compression.type", "bootstrap.servers", "request.timeout.ms", "client.id"});
    if (auto a = args.get("request-required-acks")) s.acks = acks_of(*a);
    if (props.contains("acks")) s.acks = acks_of(props["acks"]);
    if (args.has("compression-codec"))
        s.codec = parse_codec(args.get("compression-codec").value_or("gzip"), "--compression-codec");
    if (props.contains("compression.type")) s.codec = parse_codec(props["compression.type"], "compression.type");
    if (auto t = args.get("request-timeout-ms"))
        s.timeout = std::chrono::milliseconds(int_value(*t, "request-timeout-ms", 1, INT32_MAX));
    if (props.contains("request.timeout.ms"))
        s.timeout =
            std::chrono::milliseconds(int_value(props["request.timeout.ms"], "request.timeout.ms", 1, INT32_MAX));
    if (auto b = args.get("batch-size")) s.batch_size = static_cast<size_t>(int_value(*b, "batch-size", 1, 1000000));
    if (args.has("sync")) s.batch_size = 1;
    // The LineMessageReader's properties (Kafka 3.x names).
    auto reader = key_values(args.all("property"), "property");
    if (auto r = args.get("reader-config")) {
        for (auto& [k, v] : read_properties(*r))
            reader.emplace(k, v);
    }
    for (const auto& [k, v] : reader) {
        if (k == "parse.key") {
            if (truthy(v)) s.key_separator = reader.contains("key.separator") ? reader["key.separator"] : "\t";
        } else if (k == "parse.headers") {
            if (truthy(v))
                s.headers_delimiter = reader.contains("headers.delimiter") ? reader["headers.delimiter"] : "\t";
        } else if (k == "headers.separator") {
            s.headers_separator = v;
        } else if (k == "headers.key.separator") {
            s.headers_key_separator = v;
        } else if (k == "null.marker") {
            s.null_marker = v;
        } else if (k == "ignore.error") {
            s.ignore_error = truthy(v);
        } else if (k != "key.separator" && k != "headers.delimiter") {
            throw flag_error("Unknown --property '" + k +
                             "' (parse.key, key.separator, parse.headers, headers.delimiter, "
                             "headers.separator, headers.key.separator, null.marker, ignore.error)");
        }
    }
    if (auto lr = args.get("line-reader"); lr && *lr != "kafka.tools.ConsoleProducer$LineMessageReader" &&
                                           *lr != "org.apache.kafka.tools.LineMessageReader") {
        throw flag_error("Only the default line reader is available, not '" + *lr + "'");
    }
    produce_records(s, std::cin, std::cerr);
    return 0;
}

void apply_print_property(consume_settings& s, const std::string& k, const std::string& v) {
    if (k == "print.key")
        s.print_key = truthy(v);
    else if (k == "print.value")
        s.print_value = truthy(v);
    else if (k == "print.headers")
        s.print_headers = truthy(v);
    else if (k == "print.timestamp")
        s.print_timestamp = truthy(v);
    else if (k == "print.offset")
        s.print_offset = truthy(v);
    else if (k == "print.partition")
        s.print_partition = truthy(v);
    else if (k == "key.separator")
        s.key_separator = v;
    else if (k == "line.separator")
        s.line_separator = v;
    else if (k == "headers.separator")
        s.headers_separator = v;
    else if (k == "headers.key.separator")
        s.headers_key_separator = v;
    else if (k == "null.literal")
        s.null_literal = v;
    else if (k == "key.deserializer" || k == "value.deserializer" || k == "headers.deserializer") {
        if (v != "org.apache.kafka.common.serialization.StringDeserializer" &&
            v != "org.apache.kafka.common.serialization.ByteArrayDeserializer") {
            throw flag_error("Only String and ByteArray deserializers are available, not '" + v + "'");
        }
    } else {
        throw flag_error("Unknown --property '" + k +
                         "' (print.key, print.value, print.headers, print.timestamp, "
                         "print.offset, print.partition, key.separator, line.separator, headers.separator, "
                         "headers.key.separator, null.literal)");
    }
}

int run_consumer(const flag_values& args) {
    consume_settings s;
    s.bootstrap = bootstrap_server(args);
    if (args.has("include") || args.has("whitelist"))
        throw flag_error("Option --include is not supported: name one --topic");
    s.topic = args.require("topic");
    if (args.has("enable-systest-events"))
        throw flag_error("Option enable-systest-events is not supported by this script");
    for (auto d : {"key-deserializer", "value-deserializer"}) {
        if (auto v = args.get(d))
            apply_print_property(
                s, std::string(d == std::string_view("key-deserializer") ? "key" : "value") + ".deserializer", *v);
    }
    auto props = client_properties(args, "consumer-property", "consumer.config");
    note_unused(props, {"group.id", "auto.offset.reset", "isolation.level", "bootstrap.servers", "client.id"});
    if (props.contains("group.id")) s.group = props["group.id"];
    if (auto g = args.get("group")) {
        if (s.group && *s.group != *g) throw flag_error("Option --group conflicts with group.id '" + *s.group + "'");
        s.group = *g;
    }
    std::string reset = props.contains("auto.offset.reset") ? props["auto.offset.reset"] : "latest";
    if (args.has("from-beginning")) reset = "earliest";
    if (reset != "earliest" && reset != "latest") throw flag_error("Invalid auto.offset.reset '" + reset + "'");
    if (auto p = args.get("partition")) s.partition = static_cast<int32_t>(int_value(*p, "partition", 0, INT32_MAX));
    if (auto o = args.get("offset")) {
        if (!s.partition) throw flag_error("The partition is required when offset is specified.");
        if (args.has("from-beginning"))
            throw flag_error("Options from-beginning and offset cannot be specified together.");
        if (*o == "earliest")
            s.start = start_at::earliest;
        else if (*o == "latest")
            s.start = start_at::latest;
        else {
            s.start = start_at::offset;
            s.start_offset = int_value(*o, "offset", 0, INT64_MAX);
        }
    } else if (s.group) {
        if (s.partition) throw flag_error("Options group and partition cannot be specified together.");
        s.start = start_at::committed;
        s.group_reset_earliest = reset == "earliest";
    } else {
        s.start = reset == "earliest" ? start_at::earliest : start_at::latest;
    }
    if (s.group && args.has("offset")) throw flag_error("Options group and offset cannot be specified together.");
    if (auto m = args.get("max-messages")) s.max_messages = int_value(*m, "max-messages", 1, INT64_MAX);
    if (auto t = args.get("timeout-ms"))
        s.idle_timeout = std::chrono::milliseconds(int_value(*t, "timeout-ms", 1, INT32_MAX));
    std::string isolation = props.contains("isolation.level") ? props["isolation.level"] : "read_uncommitted";
    if (auto i = args.get("isolation-level")) isolation = *i;
    if (isolation != "read_committed" && isolation != "read_uncommitted")
        throw flag_error("Invalid isolation-level '" + isolation + "'");
    s.read_committed = isolation == "read_committed";
    if (auto f = args.get("formatter"); f && *f != "kafka.tools.DefaultMessageFormatter" &&
                                        *f != "org.apache.kafka.tools.consumer.DefaultMessageFormatter") {
        throw flag_error("Only the default formatter is available, not '" + *f + "'");
    }
    for (const auto& [k, v] : key_values(args.all("property"), "property"))
        apply_print_property(s, k, v);
    if (auto fc = args.get("formatter-config")) {
        for (const auto& [k, v] : read_properties(*fc))
            apply_print_property(s, k, v);
    }
    consume_records(s, std::cout, std::cerr);
    return 0;
}

}  // namespace

tool console_producer_tool() {
    return {
        "kafka-console-producer",
        "This tool helps to read data from standard input and publish it to Kafka.",
        {{"batch-size", value_kind::required, "Number of messages to send in a single batch (default 500)."},
         {"bootstrap-server", value_kind::required, "REQUIRED unless --broker-list: the server to connect to."},
         {"broker-list", value_kind::required, "DEPRECATED, use --bootstrap-server instead."},
         {"compression-codec", value_kind::optional,
          "none, gzip (default when given without a value), snappy, lz4 or zstd."},
         {"help", value_kind::none, "Print usage information."},
         {"line-reader", value_kind::required, "Only the default LineMessageReader is available."},
         {"max-block-ms", value_kind::required, "Java producer tuning; accepted, not used."},
         {"max-memory-bytes", value_kind::required, "Java producer tuning; accepted, not used."},
         {"max-partition-memory-bytes", value_kind::required, "Java producer tuning; accepted, not used."},
         {"message-send-max-retries", value_kind::required, "Java producer tuning; accepted, not used."},
         {"metadata-expiry-ms", value_kind::required, "Java producer tuning; accepted, not used."},
         {"producer-property", value_kind::required, "A producer property key=value (repeatable)."},
         {"producer.config", value_kind::required, "Producer config properties file."},
         {"property", value_kind::required,
          "Line reader properties: parse.key, key.separator, parse.headers, headers.delimiter, headers.separator, "
          "headers.key.separator, null.marker."},
         {"reader-config", value_kind::required, "Config properties file for the line reader."},
         {"request-required-acks", value_kind::required, "The required acks of the producer requests (default -1)."},
         {"request-timeout-ms", value_kind::required, "The ack timeout of the producer requests."},
         {"retry-backoff-ms", value_kind::required, "Java producer tuning; accepted, not used."},
         {"socket-buffer-size", value_kind::required, "Java producer tuning; accepted, not used."},
         {"sync", value_kind::none, "Send each line in its own request."},
         {"timeout", value_kind::required,
          "Java producer linger; accepted, not used (a pipe is sent in batches of --batch-size)."},
         {"topic", value_kind::required, "REQUIRED: The topic id to produce messages to."},
         {"version", value_kind::none, "Display Kafka version."}},
        run_producer};
}

tool console_consumer_tool() {
    return {
        "kafka-console-consumer",
        "This tool helps to read data from Kafka topics and outputs it to standard output.",
        {{"bootstrap-server", value_kind::required, "REQUIRED: The server(s) to connect to."},
         {"consumer-property", value_kind::required, "A consumer property key=value (repeatable)."},
         {"consumer.config", value_kind::required, "Consumer config properties file."},
         {"enable-systest-events", value_kind::none, "Not supported."},
         {"formatter", value_kind::required, "Only the DefaultMessageFormatter is available."},
         {"formatter-config", value_kind::required, "Config properties file to initialize the message formatter."},
         {"from-beginning", value_kind::none, "Start with the earliest message when there is no committed offset."},
         {"group", value_kind::required,
          "The consumer group id (offsets are read and committed; the group is not joined)."},
         {"help", value_kind::none, "Print usage information."},
         {"include", value_kind::required, "Not supported: name one --topic."},
         {"isolation-level", value_kind::required, "read_committed or read_uncommitted (default)."},
         {"key-deserializer", value_kind::required, "String (default) or ByteArray deserializer class."},
         {"max-messages", value_kind::required, "The maximum number of messages to consume before exiting."},
         {"offset", value_kind::required, "earliest, latest (default) or a non-negative offset; needs --partition."},
         {"partition", value_kind::required, "The partition to consume from."},
         {"property", value_kind::required,
          "Formatter properties: print.key, print.value, print.headers, print.timestamp, print.offset, "
          "print.partition, key.separator, line.separator, headers.separator, null.literal."},
         {"skip-message-on-error", value_kind::none,
          "Accepted; with String deserializers no message can fail to deserialize."},
         {"timeout-ms", value_kind::required, "Exit if no message is available for consumption for this long."},
         {"topic", value_kind::required, "The topic to consume on."},
         {"value-deserializer", value_kind::required, "String (default) or ByteArray deserializer class."},
         {"version", value_kind::none, "Display Kafka version."},
         {"whitelist", value_kind::required, "DEPRECATED, not supported: name one --topic."}},
        run_consumer};
}

}  // namespace sluice::tools::kafka_compat
