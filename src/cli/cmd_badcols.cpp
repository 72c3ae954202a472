// ap badcols IMAGE [--sigma 5] [--window 11] [--bands 4] [--yaml OUT]
// (also ap_auto_badcol)
#include <fmt/format.h>

#include <memory>
#include <string>

#include "calib/badcols.h"
#include "cli/cli.h"
#include "core/atomic_file.h"
#include "core/fits.h"
#include "core/log.h"

namespace ap::cli {
namespace {

struct BadcolsArgs {
  std::string image, yaml;
  BadcolsOptions options;
};

void run_badcols(const BadcolsArgs& a) {
  const FitsImage in = read_image(a.image);
  const BadcolsResult r = find_bad_columns(in.image, a.options);
  const std::string text = badcols_yaml(
      r, fmt::format("Auto bad columns from {}, sigma={}, window_len={}, bands={}", a.image,
                     a.options.sigma, a.options.window, a.options.bands));
  if (a.yaml.empty()) {
    fmt::print("{}", text);
  } else {
    write_file_atomically(a.yaml, text);
  }
  logger("badcols")->info("{}: {} bad columns, {} bad rows", a.image, r.columns.size(),
                          r.rows.size());
}

}  // namespace

void add_badcols(CLI::App& app) {
  auto args = std::make_shared<BadcolsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "badcols", "Deviant columns and rows as YAML for ap badpix (also ap_auto_badcol)");
  cmd->add_option("IMAGE", args->image, "Image (a raw or calibrated light, or a master)")
      ->required();
  cmd->add_option(flag("sigma"), args->options.sigma, "Threshold in clipped std")
      ->capture_default_str();
  cmd->add_option(flag("window"), args->options.window, "Sliding window length (odd)")
      ->capture_default_str();
  cmd->add_option(flag("bands"), args->options.bands,
                  "Also test this many bands of rows/columns (1: whole profiles only)")
      ->capture_default_str();
  cmd->add_option(flag("yaml"), args->yaml, "Write the YAML here instead of stdout");
  cmd->callback([args] { run_badcols(*args); });
}

}  // namespace ap::cli
