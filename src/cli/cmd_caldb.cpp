// ap caldb scan [CAL_DIR]
// ap caldb match RAW... [--cal CAL_DIR] [--temptol 1] [--json]
// CAL_DIR defaults to $AP_CAL_DIR.
#include <fmt/format.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "calib/caldb.h"
#include "cli/cli.h"
#include "core/error.h"
#include "core/fits.h"

namespace ap::cli {
namespace {

struct CaldbArgs {
  std::string dir;
  std::vector<std::string> raws;
  double temptol = 1.0;
  bool json = false;
};

CalLibrary library(const std::string& dir) {
  if (!dir.empty()) return CalLibrary::scan(dir);
  const char* env = std::getenv("AP_CAL_DIR");
  if (env == nullptr || *env == '\0') {
    throw Error(ExitCode::kUsage, "no calibration library: give CAL_DIR or set AP_CAL_DIR");
  }
  return CalLibrary::scan(env);
}

void run_scan(const CaldbArgs& a) {
  const CalLibrary lib = library(a.dir);
  for (const CalEntry& e : lib.entries) {
    fmt::print("{} {:<6} {:<7} {:<10} bin {} {}x{} {:>4} C {:>7} s  {}\n", e.telescope,
               itelescope::calibration_type_name(e.name.type), e.name.filter, e.date,
               e.name.binning, e.name.width, e.name.height, e.name.temperature_c,
               e.name.exposure_s, e.path.string());
  }
}

nlohmann::json to_json(const CalChoice& c) {
  return {{"file", c.entry ? c.entry->path.string() : ""}, {"why", c.why}, {"refused", c.refused}};
}

void run_match(const CaldbArgs& a) {
  const CalLibrary lib = library(a.dir);
  nlohmann::json all = nlohmann::json::array();
  for (const std::string& raw : a.raws) {
    const auto hdus = read_hdu_list(raw);
    const HduInfo& h = hdus.front();
    const int w = h.shape.size() >= 2 ? static_cast<int>(h.shape[0]) : 0;
    const int ht = h.shape.size() >= 2 ? static_cast<int>(h.shape[1]) : 0;
    const LightInfo light = LightInfo::from(raw, h.header, w, ht);
    const CalMatch m = match_calibration(lib, light, a.temptol);
    const std::pair<const char*, const CalChoice*> choices[] = {
        {"bias", &m.bias}, {"dark", &m.dark}, {"flat", &m.flat}, {"badpix", &m.badpix}};
    if (a.json) {
      nlohmann::json j = {{"light", raw}};
      for (const auto& [kind, c] : choices) j[kind] = to_json(*c);
      all.push_back(j);
      continue;
    }
    fmt::print("{}\n", raw);
    for (const auto& [kind, c] : choices) {
      if (c->entry) {
        fmt::print("  {:<6} {} ({})\n", kind, c->entry->path.string(), c->why);
      } else {
        fmt::print("  {:<6} none\n", kind);
        for (const std::string& r : c->refused) fmt::print("         refused {}\n", r);
      }
    }
  }
  if (a.json) fmt::print("{}\n", all.dump(1));
}

}  // namespace

void add_caldb(CLI::App& app) {
  auto args = std::make_shared<CaldbArgs>();
  CLI::App* cmd =
      app.add_subcommand("caldb", "The calibration library: list masters, match lights");
  cmd->require_subcommand(1);
  CLI::App* scan = cmd->add_subcommand("scan", "List the masters of CAL_DIR (default $AP_CAL_DIR)");
  scan->add_option("CAL_DIR", args->dir, "Calibration library root");
  scan->callback([args] { run_scan(*args); });
  CLI::App* match = cmd->add_subcommand(
      "match", "For each light: the bias, dark, flat and mask it gets, and why");
  match->add_option("RAW", args->raws, "Raw light frames")->required();
  match->add_option(flag("cal"), args->dir, "Calibration library root (default $AP_CAL_DIR)");
  match->add_option(flag("temptol"), args->temptol, "Temperature tolerance, deg C")
      ->capture_default_str();
  match->add_flag(flag("json"), args->json, "JSON output");
  match->callback([args] { run_match(*args); });
}

}  // namespace ap::cli
