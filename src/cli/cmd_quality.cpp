// ap quality QUALDIR OUT.csv [--prefix qual] [--suffix .yaml] [--walk_tree] [--json OUT]
//   [--plot PNG] [--fwhm-sigma 3] [--ellipticity-sigma 3] [--stars-sigma 3]
//   [--background-sigma 3]
// (also ap_quality_summary)
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/cli.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/log.h"
#include "measure/quality.h"

namespace ap::cli {
namespace {

struct QualityArgs {
  std::string dir, csv, json, plot;
  QualityOptions options;
};

void run_quality(const QualityArgs& a) {
  auto log = logger("quality");
  const auto reports = find_quality_reports(a.dir, a.options);
  if (reports.empty())
    throw Error(ExitCode::kBadInput, fmt::format("{}: no {}*{} reports", a.dir, a.options.prefix,
                                                 a.options.suffix));
  const QualitySummary s = grade_quality(reports, a.options);
  std::size_t poor = 0;
  for (const QualityFrame& f : s.frames) {
    if (!f.poor) continue;
    ++poor;
    std::string flags;
    for (const std::string& g : f.flags) flags += (flags.empty() ? "" : ", ") + g;
    log->warn("{}: poor ({})", f.report.string(), flags);
  }
  log->info("{} reports, {} poor", s.frames.size(), poor);
  write_file_atomically(a.csv, quality_csv(s));
  if (!a.json.empty()) write_file_atomically(a.json, quality_json(s));
  if (!a.plot.empty()) write_file_atomically(a.plot, quality_plot_png(s));
}

}  // namespace

void add_quality(CLI::App& app) {
  auto args = std::make_shared<QualityArgs>();
  QualityOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand(
      "quality", "Collate quality reports, flag poor frames per target:telescope:filter, weights");
  cmd->add_option("QUALDIR", args->dir, "Directory of quality reports")->required();
  cmd->add_option("OUT_CSV", args->csv, "Output CSV")->required();
  cmd->add_option(flag("prefix"), o.prefix, "Report file name prefix")->capture_default_str();
  cmd->add_option(flag("suffix"), o.suffix, "Report file name suffix")->capture_default_str();
  cmd->add_flag(flag("walk_tree"), o.walk_tree, "Search QUALDIR recursively");
  cmd->add_option(flag("json"), args->json, "Also write the summary as JSON");
  cmd->add_option(flag("plot"), args->plot, "PNG of FWHM, background, stars and airmass vs time");
  cmd->add_option(flag("fwhm_sigma"), o.fwhm_sigma, "Flag FWHM above median + k spread")
      ->capture_default_str();
  cmd->add_option(flag("ellipticity_sigma"), o.ellipticity_sigma,
                  "Flag ellipticity above median + k spread")
      ->capture_default_str();
  cmd->add_option(flag("stars_sigma"), o.stars_sigma, "Flag star counts below median - k spread")
      ->capture_default_str();
  cmd->add_option(flag("background_sigma"), o.background_sigma,
                  "Flag backgrounds above median + k spread")
      ->capture_default_str();
  cmd->callback([args] { run_quality(*args); });
}

}  // namespace ap::cli
