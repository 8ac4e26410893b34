#pragma once
// The two ways a subcommand fails. Both are thrown and caught only in main,
// which turns them into a message on stderr and an exit code; nothing here is
// on a data path, so exceptions keep the command code linear.
#include <stdexcept>
#include <string>

namespace sluice::tools {

inline constexpr int exit_ok = 0;
inline constexpr int exit_error = 1;  // the broker or the file said no, or I/O failed
inline constexpr int exit_usage = 2;  // the command line itself is wrong

// Bad command line: main prints the message and a hint to use --help.
class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Anything else that stops a command: unreachable broker, broker error code,
// undecodable response, unreadable file.
class cli_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace sluice::tools
