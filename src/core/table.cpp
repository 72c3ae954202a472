#include "core/table.h"

#include <algorithm>
#include <cctype>
#include <type_traits>

#include "core/error.h"

namespace ap {

std::size_t Column::size() const {
  return std::visit([](const auto& v) { return v.size(); }, data);
}

const Column* Table::find(std::string_view name) const {
  const auto same = [&](const Column& c) {
    return std::equal(
        c.name.begin(), c.name.end(), name.begin(), name.end(),
        [](unsigned char a, unsigned char b) { return std::toupper(a) == std::toupper(b); });
  };
  const auto it = std::find_if(columns.begin(), columns.end(), same);
  return it == columns.end() ? nullptr : &*it;
}

std::vector<double> Table::numbers(std::string_view name) const {
  const Column* column = find(name);
  if (column == nullptr) {
    throw Error(ExitCode::kBadInput, "table has no column '" + std::string(name) + "'");
  }
  return std::visit(
      [&](const auto& v) -> std::vector<double> {
        using T = typename std::decay_t<decltype(v)>::value_type;
        if constexpr (std::is_arithmetic_v<T>) {
          return {v.begin(), v.end()};
        } else {
          throw Error(ExitCode::kBadInput, "table column '" + column->name + "' is not numeric");
        }
      },
      column->data);
}

}  // namespace ap
