// `sluice completion bash|zsh`: a completion script generated from the
// command table, so every command and option (including ones added later)
// completes without a hand-maintained list. zsh uses the same function
// through bashcompinit.
#include <iostream>
#include <map>
#include <set>

#include "tools/cli/cli_error.h"
#include "tools/cli/command.h"

namespace sluice::tools {

namespace {

std::string words(const std::set<std::string>& items) {
    std::string out;
    for (const auto& i : items)
        out += (out.empty() ? "" : " ") + i;
    return out;
}

std::string bash_function(const std::vector<command>& commands) {
    std::set<std::string> top;
    std::map<std::string, std::set<std::string>> subcommands;
    std::map<std::string, std::set<std::string>> options;  // "groups describe" / "lag" -> options
    for (const auto& c : commands) {
        std::string group(c.group);
        std::string name(c.name);
        top.insert(group.empty() ? name : group);
        std::string key = group.empty() ? name : group + " " + name;
        if (!group.empty()) subcommands[group].insert(name);
        auto& opts = options[key];
        opts.insert("--help");
        for (const auto& o : c.spec.options) {
            opts.insert(std::string(o.long_name));
            if (!o.short_name.empty()) opts.insert(std::string(o.short_name));
        }
    }
    std::string out =
        "_sluice_complete() {\n"
        "    local cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
        "    if [[ $COMP_CWORD -eq 1 ]]; then\n"
        "        COMPREPLY=($(compgen -W \"" +
        words(top) +
        " help\" -- \"$cur\"))\n"
        "        return\n"
        "    fi\n"
        "    local key=\"${COMP_WORDS[1]}\"\n"
        "    case \"$key\" in\n";
    for (const auto& [group, names] : subcommands) {
        out += "        " + group +
               ")\n"
               "            if [[ $COMP_CWORD -eq 2 ]]; then\n"
               "                COMPREPLY=($(compgen -W \"" +
               words(names) +
               "\" -- \"$cur\"))\n"
               "                return\n"
               "            fi\n"
               "            key=\"$key ${COMP_WORDS[2]}\";;\n";
    }
    out +=
        "    esac\n"
        "    local opts=\"\"\n"
        "    case \"$key\" in\n";
    for (const auto& [key, opts] : options) {
        out += "        \"" + key + "\") opts=\"" + words(opts) + "\";;\n";
    }
    out +=
        "    esac\n"
        "    if [[ \"$cur\" == -* ]]; then\n"
        "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
        "    else\n"
        "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
        "    fi\n"
        "}\n"
        "complete -F _sluice_complete sluice\n";
    return out;
}

int run_completion(const parsed_args& args) {
    const std::string& shell = args.positionals().at(0);
    std::string function = bash_function(all_commands());
    if (shell == "bash") {
        std::cout << "# bash completion for sluice: source <(sluice completion bash)\n" << function;
    } else if (shell == "zsh") {
        std::cout << "#compdef sluice\n"
                     "# zsh completion for sluice: source <(sluice completion zsh)\n"
                     "autoload -U +X bashcompinit && bashcompinit\n"
                  << function;
    } else {
        throw usage_error("unknown shell '" + shell + "' (bash or zsh)");
    }
    return exit_ok;
}

}  // namespace

std::vector<command> completion_commands() {
    return {
        {"",
         "completion",
         "print a shell completion script (bash or zsh)",
         {"sluice completion bash|zsh",
          "Prints a completion script for the shell, generated from the commands and\n"
          "options of this binary. Load it with: source <(sluice completion bash)",
          {},
          1,
          1,
          "arguments:\n  SHELL  bash or zsh"},
         run_completion},
    };
}

}  // namespace sluice::tools
