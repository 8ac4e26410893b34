#pragma once
// Plain aligned text tables for command output: no colors, no borders, so
// the output stays easy to read and to cut/awk.
#include <ostream>
#include <string>
#include <vector>

namespace sluice::tools {

class table {
public:
    explicit table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
    void add_row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    bool empty() const { return rows_.empty(); }
    const std::vector<std::string>& headers() const { return headers_; }
    const std::vector<std::vector<std::string>>& rows() const { return rows_; }
    // How --json renders a column (json_output.h). By default a cell that is
    // an integer becomes a number and "-" null; `text` keeps every cell a
    // string (config values), `list` splits "0,1,2" into an array, `flag`
    // makes "true"/"false" booleans.
    enum class json_kind { automatic, text, list, flag };
    void set_json_kind(const std::string& header, json_kind kind) { json_kinds_.emplace_back(header, kind); }
    json_kind json_kind_of(const std::string& header) const {
        for (const auto& [h, k] : json_kinds_) {
            if (h == header) return k;
        }
        return json_kind::automatic;
    }
    // Columns separated by two spaces; the last column is not padded.
    void print(std::ostream& out) const;

private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
    std::vector<std::pair<std::string, json_kind>> json_kinds_;
};

}  // namespace sluice::tools
