#pragma once
// One SASL mechanism's server side for one exchange: fed the client's
// tokens in order, it answers a challenge, success (with the final token,
// possibly empty) or failure. Failures carry the message the client may
// see: it never says whether the user or the password was wrong.
#include <string>
#include <string_view>

namespace sluice::broker::sasl {

struct step {
    enum class outcome { challenge, success, failure };
    outcome what = outcome::failure;
    std::string token;     // to send (challenge or final server message)
    std::string message;   // failure: for the client
    std::string username;  // success: who authenticated

    static step fail(std::string message) { return {outcome::failure, {}, std::move(message), {}}; }
};

class mechanism {
public:
    virtual ~mechanism() = default;
    virtual step evaluate(std::string_view client_token) = 0;
};

}  // namespace sluice::broker::sasl
