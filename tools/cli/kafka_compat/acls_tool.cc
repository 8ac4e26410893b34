// kafka-acls.sh: --add / --remove / --list over CreateAcls, DeleteAcls and
// DescribeAcls, printing Kafka's ResourcePattern / AccessControlEntry text.
#include <algorithm>
#include <cctype>
#include <iostream>

#include "protocol/generated/create_acls.h"
#include "protocol/generated/delete_acls.h"
#include "protocol/generated/describe_acls.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/kafka_compat/tool.h"

namespace sluice::tools::kafka_compat {

namespace {

// Kafka's enum numbers (ResourceType, PatternType, AclOperation, AclPermissionType).
constexpr int8_t type_any = 1, type_topic = 2, type_group = 3, type_cluster = 4, type_transactional_id = 5,
                 type_delegation_token = 6, type_user = 7;
constexpr int8_t pattern_any = 1, pattern_match = 2, pattern_literal = 3, pattern_prefixed = 4;
constexpr int8_t op_any = 1, op_all = 2, op_read = 3, op_write = 4, op_create = 5, op_describe = 8,
                 op_idempotent_write = 12;
constexpr int8_t perm_any = 1, perm_deny = 2, perm_allow = 3;

constexpr std::string_view operation_names[] = {"UNKNOWN",
                                                "ANY",
                                                "ALL",
                                                "READ",
                                                "WRITE",
                                                "CREATE",
                                                "DELETE",
                                                "ALTER",
                                                "DESCRIBE",
                                                "CLUSTER_ACTION",
                                                "DESCRIBE_CONFIGS",
                                                "ALTER_CONFIGS",
                                                "IDEMPOTENT_WRITE",
                                                "CREATE_TOKENS",
                                                "DESCRIBE_TOKENS",
                                                "TWO_PHASE_COMMIT"};
constexpr std::string_view type_names[] = {"UNKNOWN",          "ANY", "TOPIC", "GROUP", "CLUSTER", "TRANSACTIONAL_ID",
                                           "DELEGATION_TOKEN", "USER"};
constexpr std::string_view pattern_names[] = {"UNKNOWN", "ANY", "MATCH", "LITERAL", "PREFIXED"};
constexpr std::string_view permission_names[] = {"UNKNOWN", "ANY", "DENY", "ALLOW"};

template <size_t N>
std::string_view name_of(const std::string_view (&names)[N], int8_t v) {
    return v >= 0 && static_cast<size_t>(v) < N ? names[v] : "UNKNOWN";
}

// "DescribeConfigs", "describe_configs", "DESCRIBE-CONFIGS" all name one value.
std::string normalized(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c != '_' && c != '-') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

template <size_t N>
int8_t value_of(const std::string_view (&names)[N], std::string_view text, std::string_view option, int8_t lowest) {
    for (size_t i = static_cast<size_t>(lowest); i < N; ++i) {
        if (normalized(names[i]) == normalized(text)) return static_cast<int8_t>(i);
    }
    throw flag_error("Invalid value '" + std::string(text) + "' for option " + std::string(option));
}

struct resource {
    int8_t type;
    std::string name;
    int8_t pattern;
};

struct entry {
    std::string principal;
    std::string host;
    int8_t operation;
    int8_t permission;
};

std::string pattern_text(const resource& r) {
    return "ResourcePattern(resourceType=" + std::string(name_of(type_names, r.type)) + ", name=" + r.name +
           ", patternType=" + std::string(name_of(pattern_names, r.pattern)) + ")";
}

std::string entry_text(const entry& e) {
    return "(principal=" + e.principal + ", host=" + e.host +
           ", operation=" + std::string(name_of(operation_names, e.operation)) +
           ", permissionType=" + std::string(name_of(permission_names, e.permission)) + ")";
}

std::vector<resource> resources_of(const flag_values& args, int8_t pattern, bool for_list) {
    std::vector<resource> out;
    for (const auto& t : args.all("topic"))
        out.push_back({type_topic, t, pattern});
    for (const auto& g : args.all("group"))
        out.push_back({type_group, g, pattern});
    for (const auto& t : args.all("transactional-id"))
        out.push_back({type_transactional_id, t, pattern});
    for (const auto& d : args.all("delegation-token"))
        out.push_back({type_delegation_token, d, pattern});
    for (const auto& u : args.all("user-principal"))
        out.push_back({type_user, u, pattern});
    if (args.has("cluster")) out.push_back({type_cluster, "kafka-cluster", pattern});
    if (out.empty() && !for_list) {
        throw flag_error(
            "You must provide at least one resource: --topic <topic> or --cluster or --group <group> or "
            "--transactional-id <id> or --delegation-token <token> or --user-principal <principal>");
    }
    return out;
}

// The (resource, entry) pairs an --add or --remove names. With --producer /
// --consumer the operations are Kafka's bundles for those roles.
std::vector<std::pair<resource, entry>> requested_acls(const flag_values& args, int8_t pattern, bool for_remove) {
    std::vector<int8_t> ops;
    for (const auto& o : args.all("operation"))
        ops.push_back(value_of(operation_names, o, "operation", op_all));
    bool producer = args.has("producer"), consumer = args.has("consumer");
    if ((producer || consumer) && !ops.empty())
        throw flag_error("Option operation cannot be used with producer or consumer");
    if (ops.empty() && !producer && !consumer) ops.push_back(op_all);
    auto with_hosts = [&](std::string_view principals_opt, std::string_view hosts_opt, int8_t permission) {
        std::vector<entry> out;
        auto principals = args.all(principals_opt);
        auto hosts = args.all(hosts_opt);
        if (!principals.empty() && hosts.empty()) hosts.push_back("*");
        if (principals.empty() && !hosts.empty())
            throw flag_error("Option " + std::string(hosts_opt) + " needs --" + std::string(principals_opt));
        for (const auto& p : principals) {
            if (p.find(':') == std::string::npos)
                throw flag_error("Invalid principal '" + p + "': expected Type:name, e.g. User:alice");
            for (const auto& h : hosts)
                out.push_back({p, h, 0, permission});
        }
        return out;
    };
    auto entries = with_hosts("allow-principal", "allow-host", perm_allow);
    auto denies = with_hosts("deny-principal", "deny-host", perm_deny);
    entries.insert(entries.end(), denies.begin(), denies.end());
    std::vector<std::pair<resource, entry>> out;
    if (entries.empty()) {
        if (!for_remove)
            throw flag_error("You must specify one of: --allow-principal, --deny-principal when trying to add ACLs.");
        entries.push_back({"", "", 0, perm_any});  // remove: every principal and host
    }
    auto add = [&](const resource& r, int8_t op) {
        for (auto e : entries) {
            e.operation = e.permission == perm_any ? op_any : op;  // remove with no principal: everything
            out.push_back({r, e});
        }
    };
    if (producer || consumer) {
        for (const auto& r : resources_of(args, pattern, false)) {
            if (r.type == type_topic) {
                if (producer)
                    for (int8_t op : {op_write, op_describe, op_create})
                        add(r, op);
                if (consumer)
                    for (int8_t op : {op_read, op_describe})
                        add(r, op);
            } else if (r.type == type_group && consumer) {
                add(r, op_read);
            } else if (r.type == type_transactional_id && producer) {
                for (int8_t op : {op_write, op_describe})
                    add(r, op);
            }
        }
        if (producer && args.has("idempotent"))
            add({type_cluster, "kafka-cluster", pattern_literal}, op_idempotent_write);
        return out;
    }
    for (const auto& r : resources_of(args, pattern, false)) {
        for (int8_t op : ops)
            add(r, op);
    }
    return out;
}

std::vector<std::pair<resource, std::vector<entry>>> describe(kafka_client& client, int8_t type,
                                                              std::optional<std::string> name, int8_t pattern,
                                                              std::optional<std::string> principal) {
    protocol::describe_acls_request request;
    request.resource_type_filter = type;
    request.resource_name_filter = std::move(name);
    request.pattern_type_filter = pattern;
    request.principal_filter = std::move(principal);
    request.operation = op_any;
    request.permission_type = perm_any;
    int16_t version = client.version_for<protocol::describe_acls_request>(1);
    auto response = client.call<protocol::describe_acls_response>(request, version);
    check_error(response.error_code, response.error_message, "cannot list ACLs");
    std::vector<std::pair<resource, std::vector<entry>>> out;
    for (const auto& r : response.resources) {
        std::vector<entry> entries;
        for (const auto& a : r.acls)
            entries.push_back({a.principal, a.host, a.operation, a.permission_type});
        out.push_back({{r.resource_type, r.resource_name, r.pattern_type}, std::move(entries)});
    }
    return out;
}

void print_current(kafka_client& client, const resource& r) {
    for (const auto& [res, entries] : describe(client, r.type, r.name, r.pattern, std::nullopt)) {
        std::cout << "Current ACLs for resource `" << pattern_text(res) << "`: \n";
        for (const auto& e : entries)
            std::cout << " \t" << entry_text(e) << " \n";
        std::cout << "\n";
    }
}

int8_t pattern_of(const flag_values& args, std::string_view action) {
    auto text = args.get("resource-pattern-type");
    int8_t p = text ? value_of(pattern_names, *text, "resource-pattern-type", pattern_any) : pattern_literal;
    if (action == "add" && p != pattern_literal && p != pattern_prefixed) {
        throw flag_error("A '--resource-pattern-type' value of '" + std::string(name_of(pattern_names, p)) +
                         "' is not valid when adding acls.");
    }
    return p;
}

std::vector<resource> distinct_resources(const std::vector<std::pair<resource, entry>>& acls) {
    std::vector<resource> out;
    for (const auto& [r, e] : acls) {
        bool seen = std::any_of(out.begin(), out.end(), [&](const resource& x) {
            return x.type == r.type && x.name == r.name && x.pattern == r.pattern;
        });
        if (!seen) out.push_back(r);
    }
    return out;
}

int run_add(kafka_client& client, const flag_values& args) {
    auto acls = requested_acls(args, pattern_of(args, "add"), false);
    protocol::create_acls_request request;
    for (const auto& r : distinct_resources(acls)) {
        std::cout << "Adding ACLs for resource `" << pattern_text(r) << "`: \n";
        for (const auto& [res, e] : acls) {
            if (res.type == r.type && res.name == r.name && res.pattern == r.pattern)
                std::cout << " \t" << entry_text(e) << " \n";
        }
        std::cout << "\n";
    }
    for (const auto& [r, e] : acls) {
        protocol::create_acls_request::acl_creation c;
        c.resource_type = r.type;
        c.resource_name = r.name;
        c.resource_pattern_type = r.pattern;
        c.principal = e.principal;
        c.host = e.host;
        c.operation = e.operation;
        c.permission_type = e.permission;
        request.creations.push_back(std::move(c));
    }
    int16_t version = client.version_for<protocol::create_acls_request>(1);
    auto response = client.call<protocol::create_acls_response>(request, version);
    for (const auto& r : response.results)
        check_error(r.error_code, r.error_message, "cannot add ACLs");
    for (const auto& r : distinct_resources(acls))
        print_current(client, r);
    return 0;
}

int run_remove(kafka_client& client, const flag_values& args) {
    auto acls = requested_acls(args, pattern_of(args, "remove"), true);
    if (!args.has("force")) {
        std::cout << "Are you sure you want to remove ACLs: \n";
        for (const auto& [r, e] : acls)
            std::cout << " \t" << entry_text(e) << " \n from resource filter `" << pattern_text(r) << "`? (y/n)\n";
        std::string answer;
        if (!std::getline(std::cin, answer) || (answer != "y" && answer != "Y")) return 0;
    }
    protocol::delete_acls_request request;
    for (const auto& [r, e] : acls) {
        protocol::delete_acls_request::delete_acls_filter f;
        f.resource_type_filter = r.type;
        f.resource_name_filter = r.name;
        f.pattern_type_filter = r.pattern;
        if (!e.principal.empty()) f.principal_filter = e.principal;
        if (!e.host.empty()) f.host_filter = e.host;
        f.operation = e.operation;
        f.permission_type = e.permission;
        request.filters.push_back(std::move(f));
    }
    int16_t version = client.version_for<protocol::delete_acls_request>(1);
    auto response = client.call<protocol::delete_acls_response>(request, version);
    for (const auto& r : response.filter_results) {
        check_error(r.error_code, r.error_message, "cannot remove ACLs");
        for (const auto& m : r.matching_acls)
            check_error(m.error_code, m.error_message, "cannot remove ACLs");
    }
    for (const auto& r : distinct_resources(acls))
        print_current(client, r);
    return 0;
}

int run_list(kafka_client& client, const flag_values& args) {
    int8_t pattern = args.get("resource-pattern-type") ? pattern_of(args, "list") : pattern_any;
    auto principal = args.get("principal");
    auto wanted = resources_of(args, pattern, true);
    std::vector<std::pair<resource, std::vector<entry>>> found;
    if (wanted.empty()) {
        found = describe(client, type_any, std::nullopt, pattern, principal);
    } else {
        for (const auto& r : wanted) {
            auto part = describe(client, r.type, r.name, pattern, principal);
            found.insert(found.end(), part.begin(), part.end());
        }
    }
    for (const auto& [r, entries] : found) {
        std::cout << "Current ACLs for resource `" << pattern_text(r) << "`: \n";
        for (const auto& e : entries)
            std::cout << " \t" << entry_text(e) << " \n";
        std::cout << "\n";
    }
    return 0;
}

int run_acls(const flag_values& args) {
    auto action = one_action(args, {"add", "remove", "list"});
    std::string server = bootstrap_server(args);
    command_config(args);
    if (action != "list" && args.has("principal")) throw flag_error("Option principal is only valid with --list");
    kafka_client client(server, std::chrono::milliseconds(30000));
    if (action == "add") return run_add(client, args);
    if (action == "remove") return run_remove(client, args);
    return run_list(client, args);
}

}  // namespace

tool acls_tool() {
    return {
        "kafka-acls",
        "This tool helps to manage acls on kafka.",
        {{"add", value_kind::none, "Indicates you are trying to add ACLs."},
         {"allow-host", value_kind::required,
          "Host from which principals listed in --allow-principal will have access (default *)."},
         {"allow-principal", value_kind::required,
          "principal in PrincipalType:name format, e.g. User:alice (repeatable)."},
         {"bootstrap-server", value_kind::required,
          "A list of host/port pairs to use for establishing the connection to the Kafka cluster."},
         {"cluster", value_kind::none, "Add/Remove cluster ACLs."},
         {"command-config", value_kind::required,
          "A property file containing configs to be passed to Admin Client (PLAINTEXT only)."},
         {"consumer", value_kind::none,
          "Convenience option to add/remove ACLs for consumer role (needs --topic and --group)."},
         {"delegation-token", value_kind::required, "Delegation token to which ACLs should be added or removed."},
         {"deny-host", value_kind::required,
          "Host from which principals listed in --deny-principal will be denied access (default *)."},
         {"deny-principal", value_kind::required, "principal in PrincipalType:name format to deny (repeatable)."},
         {"force", value_kind::none, "Assume Yes to all queries and do not prompt."},
         {"group", value_kind::required, "Consumer group to which the ACLs should be added or removed."},
         {"help", value_kind::none, "Print usage information."},
         {"idempotent", value_kind::none, "Enable idempotence for the producer (with --producer)."},
         {"list", value_kind::none, "List ACLs for the specified resource, or all resources."},
         {"operation", value_kind::required, "Operation that is being allowed or denied (default All; repeatable)."},
         {"principal", value_kind::required, "With --list, only ACLs of this principal."},
         {"producer", value_kind::none, "Convenience option to add/remove ACLs for producer role."},
         {"remove", value_kind::none, "Indicates you are trying to remove ACLs."},
         {"resource-pattern-type", value_kind::required,
          "LITERAL (default), PREFIXED, ANY or MATCH (the last two for --list/--remove)."},
         {"topic", value_kind::required, "topic to which ACLs should be added or removed."},
         {"transactional-id", value_kind::required, "The transactionalId to which ACLs should be added or removed."},
         {"user-principal", value_kind::required, "A user resource to which ACLs should be added or removed."},
         {"version", value_kind::none, "Display Kafka version."}},
        run_acls};
}

}  // namespace sluice::tools::kafka_compat
