// ap calibrate RAW MBIAS MDARK OUT [--master_flat F] [--master_badpix M] [--deltapix 2]
//   [--fixcosmic [--gain G] [--readnoise R]] [--dark_still_biased | --dark-bias auto]
//   [--normflat PATH]
// ap calibrate RAW... MBIAS MDARK -o DIR      (cal-<raw stem>.fits for each RAW)
// (also ap_calibrate)
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "calib/calibrate.h"
#include "cli/cli.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"

namespace ap::cli {
namespace {
namespace fs = std::filesystem;

struct CalibrateArgs {
  std::vector<std::string> files;
  std::string out_dir, flat, badpix, normflat;
  std::string dark_bias = "auto";
  bool dark_still_biased = false;
  CalibrateOptions options;
};

void run_calibrate(CalibrateArgs& a) {
  auto log = logger("calibrate");
  if (a.out_dir.empty() ? a.files.size() != 4 : a.files.size() < 3) {
    throw Error(ExitCode::kUsage, a.out_dir.empty()
                                      ? "expected RAW MBIAS MDARK OUT (several RAW need -o DIR)"
                                      : "expected RAW... MBIAS MDARK -o DIR");
  }
  const std::size_t masters_at = a.out_dir.empty() ? 1 : a.files.size() - 2;
  const std::vector<fs::path> raws(a.files.begin(),
                                   a.files.begin() + static_cast<std::ptrdiff_t>(masters_at));
  const fs::path bias = a.files[masters_at], dark = a.files[masters_at + 1];
  const DarkBias dark_bias =
      a.dark_still_biased ? DarkBias::kStillBiased : parse_dark_bias(a.dark_bias);
  const Masters masters = Masters::load(bias, dark, a.flat, a.badpix, dark_bias);
  log->info("masters: bias {}, dark {} ({} s, {}), flat {} (norm {:.4g}), mask {}",
            bias.filename().string(), dark.filename().string(), masters.dark_exposure,
            masters.dark_holds_bias ? "bias still in" : "bias-free",
            a.flat.empty() ? "none" : fs::path(a.flat).filename().string(), masters.flat_norm,
            a.badpix.empty() ? "none" : fs::path(a.badpix).filename().string());
  if (!a.normflat.empty()) {
    if (!masters.flat) throw Error(ExitCode::kUsage, "--normflat needs --master_flat");
    Header h = masters.flat->header();
    h.set("FLATNORM", masters.flat_norm, "Divided by: clipped median of the centre");
    stamp(h, "calibrate", arguments());
    Image normalised = masters.flat->image;
    for (float& v : normalised.pixels()) v = static_cast<float>(v / masters.flat_norm);
    write_image(a.normflat, normalised, h);
  }
  for (const fs::path& raw : raws) {
    const fs::path out =
        a.out_dir.empty() ? fs::path(a.files.back())
                          : fs::path(a.out_dir) / ("cal-" + raw.stem().string() + ".fits");
    std::vector<fs::path> inputs{raw, bias, dark};
    if (!a.flat.empty()) inputs.emplace_back(a.flat);
    if (!a.badpix.empty()) inputs.emplace_back(a.badpix);
    FitsWriter writer(out, inputs);
    CalibrateResult r = calibrate(read_image(raw), raw.string(), masters, a.options);
    for (const std::string& w : r.warnings) log->warn("{}: {}", raw.string(), w);
    stamp(r.header, "calibrate", arguments());
    writer.add_image(r.image, r.header);
    writer.add_mask(r.mask, {}, "MASK");
    writer.commit();
    log->info("{} -> {}: dark x{:.4f}, {} bad pixels repaired, {} cosmic-ray pixels",
              raw.filename().string(), out.string(), r.dark_scale, r.badpix.fixed,
              r.cosmic_pixels);
  }
}

}  // namespace

void add_calibrate(CLI::App& app) {
  auto args = std::make_shared<CalibrateArgs>();
  CalibrateOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand(
      "calibrate", "Bias, dark, flat, bad pixels, cosmic rays of light frames (also ap_calibrate)");
  cmd->add_option("FILES", args->files, "RAW MBIAS MDARK OUT, or RAW... MBIAS MDARK with -o DIR")
      ->required();
  cmd->add_option("-o,--output-dir", args->out_dir, "Write cal-<raw stem>.fits here");
  cmd->add_option(flag("master-flat"), args->flat, "Master flat (same FILTER as the lights)");
  cmd->add_option(flag("master-badpix"), args->badpix, "Bad-pixel mask (non-zero = bad)");
  cmd->add_option(flag("deltapix"), o.badpix.deltapix, "Half-width of the repair box")
      ->capture_default_str();
  cmd->add_flag(flag("fixcosmic"), o.fix_cosmics,
                "Find and clean cosmic rays (gain and read noise from the header)");
  cmd->add_option(flag("gain"), o.cosmics.gain,
                  "Gain for --fixcosmic, e-/ADU (default: EGAIN or GAIN of the light)");
  cmd->add_option(flag("readnoise"), o.cosmics.readnoise,
                  "Read noise for --fixcosmic, e- (default: RDNOISE, READNOIS or RON)");
  cmd->add_flag(flag("dark-still-biased"), args->dark_still_biased,
                "The master dark still holds the bias (same as --dark-bias biased)");
  cmd->add_option(flag("dark-bias"), args->dark_bias,
                  "auto (from CALSTAT: 'M' holds the bias, 'BM' does not), biased, unbiased")
      ->capture_default_str();
  cmd->add_option(flag("normflat"), args->normflat, "Also write the normalised flat here");
  cmd->callback([args] { run_calibrate(*args); });
}

}  // namespace ap::cli
