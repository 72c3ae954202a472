// ap: entry point. Global options, subcommand registration, program-name
// dispatch for the original script names, and exceptions -> exit codes.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "core/parallel.h"
#include "core/version.h"

namespace ap::cli {
namespace {

std::string g_arguments;

// Names of the original scripts (installed as symlinks to ap).
const std::map<std::string, std::string> kCompatNames = {
    {"ap_imarith", "imarith"},          {"ap_combine_darks", "combine"},
    {"ap_calc_read_noise", "read-noise"}, {"ap_find_badpix", "badpix"},
    {"ap_auto_badcol", "badcols"},      {"ap_calibrate", "calibrate"},
    {"ap_add_metadata", "metadata"},    {"ap_fix_badpix", "fix-badpix"},
    {"ap_fix_cosmic_rays", "cosmics"},  {"ap_find_stars", "stars"},
    {"ap_astrometry", "solve"},         {"ap_quality_summary", "quality"},
    {"ap_measure_background", "background"},
};

bool has_subcommand(const CLI::App& app, const std::string& name) {
  return !app.get_subcommands([&](const CLI::App* sub) { return sub->check_name(name); }).empty();
}

// argv with the subcommand inserted when ap was started under an original script name.
std::vector<std::string> effective_args(int argc, char** argv, const CLI::App& app) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const std::string program = std::filesystem::path(argv[0]).filename().string();
  if (auto it = kCompatNames.find(program); it != kCompatNames.end()) {
    if (!has_subcommand(app, it->second)) {
      throw Error(ExitCode::kUsage, fmt::format("{} is not implemented yet", program));
    }
    args.insert(args.begin(), it->second);
  }
  return args;
}

int run(int argc, char** argv) {
  CLI::App app("AstroPhotography: calibrate, measure, solve, stack and colour CCD frames", "ap");
  app.set_version_flag("--version", std::string("ap ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough();
  std::string level = "INFO";
  bool verbose = false;
  bool quiet = false;
  int nthreads = 0;
  app.add_option(flag("loglevel", "l"), level, "Log level: DEBUG, INFO, WARNING, ERROR, CRITICAL")
      ->capture_default_str();
  app.add_flag("-v,--verbose", verbose, "Same as --loglevel DEBUG");
  app.add_flag("-q,--quiet", quiet, "Same as --loglevel WARNING");
  app.add_option("--threads", nthreads, "Worker threads (default: AP_THREADS or all cores)");
  // Runs before the subcommand's callback.
  app.parse_complete_callback([&] {
    set_log_level(verbose ? spdlog::level::debug
                          : quiet ? spdlog::level::warn : parse_log_level(level));
    if (nthreads > 0) set_threads(nthreads);
  });

  add_imarith(app);
  add_info(app);
  add_simulate(app);
  add_combine(app);
  add_read_noise(app);
  add_gain(app);
  add_background(app);
  add_ingest(app);
  add_calibrate(app);
  add_caldb(app);
  add_demo(app);
  add_badpix(app);
  add_badcols(app);
  add_fix_badpix(app);
  add_run(app);
  add_cosmics(app);
  add_stars(app);
  add_quality(app);
  add_metadata(app);
  add_solve(app);
  add_resample(app);
  add_rgb(app);
  add_continuum(app);

  std::vector<std::string> args = effective_args(argc, argv, app);
  // HISTORY records what follows the subcommand's name, not the global options.
  const auto name = std::find_if(args.begin(), args.end(),
                                 [&](const std::string& a) { return has_subcommand(app, a); });
  for (auto it = name == args.end() ? name : name + 1; it != args.end(); ++it) {
    g_arguments += (g_arguments.empty() ? "" : " ") + *it;
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments in reverse order
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(ExitCode::kUsage);
  }
  return 0;
}

}  // namespace

const std::string& arguments() { return g_arguments; }

std::string flag(std::string_view name, std::string_view short_name) {
  std::string names = short_name.empty() ? "" : fmt::format("-{},", short_name);
  names += fmt::format("--{}", name);
  std::string underscored(name);
  std::replace(underscored.begin(), underscored.end(), '-', '_');
  if (underscored != name) names += fmt::format(",--{}", underscored);
  return names;
}

}  // namespace ap::cli

int main(int argc, char** argv) {
  try {
    return ap::cli::run(argc, argv);
  } catch (const ap::Error& e) {
    std::fprintf(stderr, "ap: error: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ap: error: %s\n", e.what());
    return static_cast<int>(ap::ExitCode::kFailed);
  }
}
