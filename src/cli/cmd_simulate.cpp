// ap simulate OUTDIR [--telescope T20] [--target NAME | --ra DEG --dec DEG] ...
#include <fmt/format.h>

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <tuple>
#include <vector>

#include "cli/cli.h"
#include "core/error.h"
#include "itelescope/telescopes.h"
#include "sim/simulate.h"

namespace ap::cli {
namespace {

struct SimulateArgs {
  sim::SimulateOptions options;
  std::string output;
  std::string size;
  std::string mosaic = "1x1";
  std::vector<std::string> without;
  std::optional<double> ra, dec;
  bool no_calibration = false;
};

// "2048x1024" -> (2048, 1024); "full" -> the whole sensor.
std::pair<int, int> parse_size(const std::string& text, const std::string& telescope,
                               const char* option) {
  if (text == "full") {
    const auto& t = itelescope::find_telescope(telescope);
    return {t.sensor_width, t.sensor_height};
  }
  static const std::regex kSize(R"((\d{1,6})[xX](\d{1,6}))");
  std::smatch m;
  if (!std::regex_match(text, m, kSize)) {
    throw Error(ExitCode::kUsage, fmt::format("{} '{}' is not WIDTHxHEIGHT", option, text));
  }
  return {std::stoi(m[1].str()), std::stoi(m[2].str())};
}

void run_simulate(SimulateArgs& a) {
  sim::SimulateOptions& o = a.options;
  o.output_dir = a.output;
  o.ra_deg = a.ra;
  o.dec_deg = a.dec;
  o.calibration = !a.no_calibration;
  if (!a.size.empty()) std::tie(o.width, o.height) = parse_size(a.size, o.telescope, "--size");
  std::tie(o.mosaic_x, o.mosaic_y) = parse_size(a.mosaic, o.telescope, "--mosaic");
  for (const std::string& name : a.without) o.physics.disable(name);
  const sim::SimulateResult r = sim::simulate(o);
  fmt::print(
      "{} light frames, {} raw calibration frames, {} masters, {} stars in the field "
      "({} from Tycho-2)\ntruth: {}\n",
      r.light_frames, r.calibration_frames, r.masters, r.field_stars, r.catalogue_stars,
      r.truth_file.string());
}

}  // namespace

void add_simulate(CLI::App& app) {
  auto args = std::make_shared<SimulateArgs>();
  sim::SimulateOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "Simulate an iTelescope night on the real sky, with calibration library and truth");
  cmd->add_option("OUTDIR", args->output,
                  "Output directory (created; must be empty without --force)")
      ->required();
  cmd->add_option(flag("telescope"), o.telescope,
                  "iTelescope telescope: T05, T09, T16, T20, T31, T32")
      ->capture_default_str();
  cmd->add_option(flag("target"), o.target,
                  "Target name, resolved with OpenNGC unless --ra/--dec are given")
      ->capture_default_str();
  cmd->add_option(flag("ra"), args->ra, "Target right ascension, degrees");
  cmd->add_option(flag("dec"), args->dec, "Target declination, degrees");
  cmd->add_option(flag("filters"), o.filters, "Comma-separated filters")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option(flag("frames"), o.frames, "Light frames per filter (and mosaic panel)")
      ->capture_default_str();
  cmd->add_option(flag("exposure"), o.exposure_s, "Light (and dark) exposure, seconds")
      ->capture_default_str();
  cmd->add_option(flag("binning"), o.binning, "Binning factor 1-4")->capture_default_str();
  cmd->add_option(flag("size"), args->size,
                  "Unbinned sub-frame WIDTHxHEIGHT or 'full' (default: up to 2048x2048)");
  cmd->add_option(flag("night"), o.night, "Local date of the evening, YYYYMMDD")
      ->capture_default_str();
  cmd->add_option(flag("observer"), o.observer, "Observer name in the file names")
      ->capture_default_str();
  cmd->add_option(flag("seed"), o.seed, "Random seed")->capture_default_str();
  cmd->add_flag(flag("force"), o.force, "Write into a non-empty output directory");
  cmd->add_flag(flag("zip"), o.zip,
                "Deliver the light frames as iTelescope does: one zip each, spaces in names");
  cmd->add_option(flag("mosaic"), args->mosaic, "Mosaic panels COLUMNSxROWS (target_x<i>_y<j>)")
      ->capture_default_str();
  cmd->add_flag(flag("no-calibration"), args->no_calibration,
                "Do not write the calibration library");
  cmd->add_option(flag("bias-frames"), o.bias_frames, "Raw bias frames per master")
      ->capture_default_str();
  cmd->add_option(flag("dark-frames"), o.dark_frames, "Raw dark frames per master")
      ->capture_default_str();
  cmd->add_option(flag("flat-frames"), o.flat_frames, "Raw flat frames per filter and master")
      ->capture_default_str();
  cmd->add_option(flag("master-dates"), o.master_dates, "Calibration dates with masters")
      ->capture_default_str();
  cmd->add_option(flag("dither"), o.dither_px, "Maximum dither offset, pixels")
      ->capture_default_str();
  cmd->add_option(flag("distortion"), o.distortion_px,
                  "SIP distortion at the frame corners, pixels (0: pure TAN)")
      ->capture_default_str();
  cmd->add_option(flag("poor-frames"), o.poor_frames,
                  "Deliberately poor frames: doubled seeing, trailing, thick cloud")
      ->capture_default_str();
  cmd->add_option(flag("fwhm"), o.fwhm_arcsec, "Typical FWHM, arcsec (default: the telescope's)");
  cmd->add_option(flag("max-stars"), o.max_stars, "Most stars in the field")->capture_default_str();
  cmd->add_option(flag("catalogue-dir"), o.catalogue_dir,
                  "Directory of the astrometry.net Tycho-2 index files")
      ->capture_default_str();
  cmd->add_option(flag("without"), args->without,
                  "Comma-separated components to leave out: noise, stars, nebula, sky, "
                  "cosmic_rays, flat, defects, dark_current, bleeding, dithers, poor_frames, ...")
      ->delimiter(',');
  cmd->callback([args] { run_simulate(*args); });
}

}  // namespace ap::cli
