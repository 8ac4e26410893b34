#pragma once
// The console's static files, compiled into the binary so the broker needs
// no web root and the page works with no internet access: every file of
// broker/http/console/assets/ becomes a byte array in a source generated at
// build time by embed_assets.cmake (broker/CMakeLists.txt runs it whenever
// an asset changes).
#include <string_view>

namespace sluice::broker::http::console {

struct asset {
    std::string_view name;  // file name, e.g. "app.js"
    std::string_view content_type;
    std::string_view data;
};

// nullptr when there is no such file (names never hold '/').
const asset* find_asset(std::string_view name);

}  // namespace sluice::broker::http::console
