// ap imarith INPUT OPERATION VALUE_OR_IMAGE OUTPUT [--units STR]
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "arith/imarith.h"
#include "cli/cli.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"

namespace ap::cli {
namespace {

struct ImarithArgs {
  std::string input;
  std::string operation;
  std::string operand;
  std::string output;
  std::string units;
};

// The whole string as a number ("3", "-1e3", "nan", "inf"), or nothing.
std::optional<float> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const float value = std::strtof(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE) return std::nullopt;
  return value;
}

void run_imarith(const ImarithArgs& a) {
  auto log = logger("imarith");
  const ArithOp op = parse_arith_op(a.operation);
  const std::optional<float> number = parse_number(a.operand);
  if (!number && !std::filesystem::exists(a.operand)) {
    throw Error(ExitCode::kUsage,
                fmt::format("{}: second operand is neither a number nor an existing file",
                            a.operand));
  }
  std::vector<std::filesystem::path> inputs{a.input};
  if (!number) inputs.emplace_back(a.operand);
  FitsWriter writer(a.output, inputs);

  FitsImage first = read_image(a.input);
  ArithResult result;
  if (number) {
    result = imarith(first.image, op, *number);
  } else {
    const FitsImage second = read_image(a.operand);
    try {
      result = imarith(first.image, op, second.image);
    } catch (const Error& e) {
      throw input_error(a.operand, e.what());
    }
  }
  if (result.divisions_by_zero > 0) {
    log->warn("{} pixels divided by zero were set to NaN", result.divisions_by_zero);
  }
  Header header = first.header();
  if (!a.units.empty()) header.set("BUNIT", a.units, "Pixel value units");
  stamp(header, "imarith", arguments());
  writer.add_image(result.image, header);
  writer.commit();
  log->info("{} {} {} -> {}", a.input, arith_op_name(op), a.operand, a.output);
}

}  // namespace

void add_imarith(CLI::App& app) {
  auto args = std::make_shared<ImarithArgs>();
  CLI::App* cmd = app.add_subcommand(
      "imarith", "Arithmetic (ADD SUB MUL DIV MIN MAX) of an image with a number or an image");
  cmd->add_option("INPUT", args->input, "First operand, a FITS image")->required();
  cmd->add_option("OPERATION", args->operation, "ADD, SUB, MUL, DIV, MIN or MAX (any case)")
      ->required();
  cmd->add_option("VALUE_OR_IMAGE", args->operand,
                  "Second operand: a number (nan and inf allowed) or a FITS image of the same shape")
      ->required();
  cmd->add_option("OUTPUT", args->output, "Output FITS image (float32)")->required();
  cmd->add_option(flag("units"), args->units, "Set BUNIT of the output");
  cmd->callback([args] { run_imarith(*args); });
}

}  // namespace ap::cli
