// Errors: one exception type carrying the process exit code.
//
// Every error message is one line that names the file (when there is one) and
// the problem, e.g. "raw-001.fit: truncated data (expected 8 MB, found 2 MB)".
// The CLI prints what() and exits with code().
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace ap {

// Documented exit codes (README "Exit codes"). Stages may add their own above 4.
enum class ExitCode : int {
  kOk = 0,
  kFailed = 1,       // processing failed
  kUsage = 2,        // bad command line
  kBadInput = 3,     // input unreadable or invalid
  kOutputError = 4,  // output not writable
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

// "<path>: <problem>" with the input exit code.
Error input_error(std::string_view path, std::string_view problem);
// "<path>: <problem>" with the output exit code.
Error output_error(std::string_view path, std::string_view problem);

}  // namespace ap
