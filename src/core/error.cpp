#include "core/error.h"

#include <fmt/format.h>

namespace ap {

Error input_error(std::string_view path, std::string_view problem) {
  return Error(ExitCode::kBadInput, fmt::format("{}: {}", path, problem));
}

Error output_error(std::string_view path, std::string_view problem) {
  return Error(ExitCode::kOutputError, fmt::format("{}: {}", path, problem));
}

}  // namespace ap
