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
    // Columns separated by two spaces; the last column is not padded.
    void print(std::ostream& out) const;

private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace sluice::tools
