// ap read-noise BIAS1 BIAS2 [--gain VALUE|KEYWORD] [--noclip] [--histplot PNG]
// ap gain FLAT1 FLAT2 BIAS1 BIAS2 [--region 0.5] [--sigma 5]
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "calib/read_noise.h"
#include "cli/cli.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"

namespace ap::cli {
namespace {

struct ReadNoiseArgs {
  std::string bias1, bias2, histplot;
  std::string gain = "EGAIN";
  bool noclip = false;
};

struct GainArgs {
  std::string flat1, flat2, bias1, bias2;
  double region = 0.5;
  double sigma = 5.0;
};

// Reads the frames; all must have the size of the first.
std::vector<FitsImage> read_same_size(const std::vector<std::string>& paths) {
  std::vector<FitsImage> frames;
  for (const std::string& path : paths) {
    frames.push_back(read_image(path));
    const Image& first = frames.front().image;
    const Image& last = frames.back().image;
    if (!last.same_shape(first)) {
      throw input_error(
          path, fmt::format("size {}x{} differs from {}x{} of {}", last.width(), last.height(),
                            first.width(), first.height(), paths.front()));
    }
  }
  return frames;
}

void run_read_noise(const ReadNoiseArgs& a) {
  auto log = logger("read-noise");
  const auto frames = read_same_size({a.bias1, a.bias2});
  const double gain =
      resolve_gain(a.gain, frames[0].header(), a.bias1, frames[1].header(), a.bias2);
  ReadNoiseOptions o;
  o.clip = !a.noclip;
  o.histogram = !a.histplot.empty();
  const ReadNoiseResult r = read_noise(frames[0].image, frames[1].image, gain, o);
  log->info(
      "std(B1 - B2) = {:.4f} ADU (mean {:.4f}) over {} of {} pixels ({:.3f}% masked), "
      "gain {} e-/ADU",
      r.diff_std_adu, r.diff_mean_adu, r.good, r.total,
      100.0 * double(r.total - r.good) / double(r.total), r.gain);
  if (o.histogram) {
    write_file_atomically(a.histplot, read_noise_histogram_png(r));
    log->info("histogram -> {}", a.histplot);
  }
  fmt::print("Read noise: {:.2f} e-/pixel\n", r.read_noise_e);
}

void run_gain(const GainArgs& a) {
  auto log = logger("gain");
  const auto frames = read_same_size({a.flat1, a.flat2, a.bias1, a.bias2});
  GainOptions o;
  o.region = a.region;
  o.sigma = a.sigma;
  const GainResult r =
      photon_transfer_gain(frames[0].image, frames[1].image, frames[2].image, frames[3].image, o);
  log->info(
      "signal {:.2f} ADU, var(F1 - F2) {:.3f} ADU^2, var(B1 - B2) {:.3f} ADU^2, "
      "{} pixels",
      r.signal_adu, r.flat_diff_var, r.bias_diff_var, r.pixels);
  fmt::print("Gain: {:.3f} e-/ADU\nRead noise: {:.2f} e-/pixel\n", r.gain, r.read_noise_e);
}

}  // namespace

void add_read_noise(CLI::App& app) {
  auto args = std::make_shared<ReadNoiseArgs>();
  CLI::App* cmd =
      app.add_subcommand("read-noise", "Read noise from two bias frames (also ap_calc_read_noise)");
  cmd->add_option("BIAS1", args->bias1, "First raw bias frame")->required();
  cmd->add_option("BIAS2", args->bias2, "Second raw bias frame")->required();
  cmd->add_option(flag("gain"), args->gain,
                  "Gain in e-/ADU: a number, or a keyword both headers hold")
      ->capture_default_str();
  cmd->add_flag(flag("noclip"), args->noclip, "Use every pixel (no 3-sigma outlier mask)");
  cmd->add_option(flag("histplot"), args->histplot, "Write a PNG histogram of B1 - B2 (linear and log)");
  cmd->callback([args] { run_read_noise(*args); });
}

void add_gain(CLI::App& app) {
  auto args = std::make_shared<GainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "gain", "Gain and read noise by photon transfer from two flats and two biases");
  cmd->add_option("FLAT1", args->flat1, "First flat")->required();
  cmd->add_option("FLAT2", args->flat2, "Second flat, same level")->required();
  cmd->add_option("BIAS1", args->bias1, "First bias")->required();
  cmd->add_option("BIAS2", args->bias2, "Second bias")->required();
  cmd->add_option(flag("region"), args->region, "Central box, fraction of each axis")
      ->capture_default_str();
  cmd->add_option(flag("sigma"), args->sigma, "Clipping of the statistics, in std")
      ->capture_default_str();
  cmd->callback([args] { run_gain(*args); });
}

}  // namespace ap::cli
