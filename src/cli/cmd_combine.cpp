// ap combine RAW_CAL_DIR|FILES... MASTER_OUT [--type] [--method] [--sigma] [--exclude]
//            [--telescop] [--temptol] [--bias] [--dark] [--nlow] [--nhigh] [--memory]
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "calib/combine.h"
#include "cli/cli.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"

namespace ap::cli {
namespace {

namespace fs = std::filesystem;

struct CombineArgs {
  std::vector<std::string> paths;  // inputs, then the output
  std::string type = "auto";
  std::string method = "sigclip";
  double sigma = 5.0;
  std::string exclude = "master*";
  std::string telescop = "UNKNOWN";
  double temptol = 0.5;
  std::string bias, dark;
  std::size_t nlow = 1, nhigh = 1;
  std::size_t memory_mb = 4;
};

void run_combine(const CombineArgs& a) {
  auto log = logger("combine");
  if (a.paths.size() < 2) {
    throw Error(ExitCode::kUsage,
                "combine needs the raw frames (a directory or files) and MASTER_OUT");
  }
  const fs::path output = a.paths.back();
  const std::vector<fs::path> inputs(a.paths.begin(), a.paths.end() - 1);
  MasterOptions o;
  o.type = parse_frame_type(a.type);
  o.combine.method = parse_combine_method(a.method);
  o.combine.sigma = a.sigma;
  o.combine.min_reject = a.nlow;
  o.combine.max_reject = a.nhigh;
  o.combine.memory_mb = a.memory_mb;
  o.telescop = a.telescop;
  o.temp_tolerance = a.temptol;
  o.bias = a.bias;
  o.dark = a.dark;

  const std::vector<fs::path> files = collect_frames(inputs, a.exclude);
  if (files.empty()) {
    throw input_error(
        inputs.front().string(),
        fmt::format("no FITS frames (.fit, .fits, .fts) that do not match '{}'", a.exclude));
  }
  FitsWriter writer(output, files);
  MasterResult m = make_master(files, o);
  stamp(m.header, "combine", arguments());
  write_master(writer, m);
  log->info("{} frames -> {}{}", m.used.size(), output.string(),
            m.dropped.empty() ? "" : fmt::format(" ({} dropped by temperature)", m.dropped.size()));
}

}  // namespace

void add_combine(CLI::App& app) {
  auto args = std::make_shared<CombineArgs>();
  CLI::App* cmd = app.add_subcommand(
      "combine", "Combine raw bias, dark or flat frames into a master (also ap_combine_darks)");
  cmd->add_option("PATHS", args->paths,
                  "RAW_CAL_DIR or raw files, then MASTER_OUT (float32 image + MASK + UNCERT)")
      ->required()
      ->expected(2, -1);
  cmd->add_option(flag("type"), args->type, "bias, dark, flat or auto (from IMAGETYP)")
      ->capture_default_str();
  cmd->add_option(flag("method"), args->method,
                  "sigclip (median/MAD std, mean of the rest), median, mean, minmax, winsorized")
      ->capture_default_str();
  cmd->add_option(flag("sigma"), args->sigma, "Rejection bound in MAD std (sigclip, winsorized)")
      ->capture_default_str();
  cmd->add_option(flag("exclude"), args->exclude,
                  "Skip files of a directory whose name matches this glob (any case)")
      ->capture_default_str();
  cmd->add_option(flag("telescop"), args->telescop, "TELESCOP when the frames' is blank")
      ->capture_default_str();
  cmd->add_option(flag("temptol"), args->temptol,
                  "Drop frames whose CCD-TEMP is further than this from SET-TEMP (C)")
      ->capture_default_str();
  cmd->add_option(flag("bias"), args->bias, "Master bias subtracted from darks and flats");
  cmd->add_option(flag("dark"), args->dark,
                  "Master dark subtracted from flats, scaled by exposure");
  cmd->add_option(flag("nlow"), args->nlow, "minmax: lowest values dropped")->capture_default_str();
  cmd->add_option(flag("nhigh"), args->nhigh, "minmax: highest values dropped")
      ->capture_default_str();
  cmd->add_option(flag("memory"), args->memory_mb, "Memory for the row blocks, MB")
      ->capture_default_str();
  cmd->callback([args] { run_combine(*args); });
}

}  // namespace ap::cli
