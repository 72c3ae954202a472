// Table: columns of equal length, stored in FITS binary-table HDUs
// (source lists, catalogues). Column names follow FITS TTYPE rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ap {

struct Column {
  using Data = std::variant<std::vector<double>, std::vector<float>, std::vector<std::int32_t>,
                            std::vector<std::int64_t>, std::vector<std::uint8_t>,
                            std::vector<std::string>>;
  std::string name;
  std::string unit;  // TUNITn; empty for none
  Data data;

  std::size_t size() const;
};

struct Table {
  std::vector<Column> columns;

  std::size_t rows() const { return columns.empty() ? 0 : columns.front().size(); }
  const Column* find(std::string_view name) const;  // case-insensitive
  // Numeric column as doubles; throws ap::Error if missing or textual.
  std::vector<double> numbers(std::string_view name) const;
};

}  // namespace ap
