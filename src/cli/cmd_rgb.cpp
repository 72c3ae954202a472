// ap rgb R G B OUT.png|OUT.tiff|OUT.fits [--preset rgb|sho|hoo|hgb|lrgb] [--lum L] [--stretch asinh|power]
//   [--Q 8] [--minimum M | R,G,B] [--asinh-stretch S] [--gamma 2.2] [--gamma-fac 1.0]
//   [--colour-sat 1.0] [--min-quantile 0.6] [--max-quantile 0.999] [--bits 8|16]
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/cli.h"
#include "colour/rgb.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"
#include "core/wcs.h"
#include "resample/resample.h"

namespace ap::cli {
namespace {

struct RgbArgs {
  std::vector<std::string> files;
  std::string preset, stretch = "asinh", minimum, lum;
  std::optional<double> asinh_stretch;
  RgbOptions o;
};

struct Channel {
  std::string file;
  FitsImage fits;
};

// The images in channel order: by FILTER for a preset, else as given.
std::vector<Channel> channels(const RgbArgs& a, const std::vector<std::string>& inputs) {
  std::vector<Channel> images;
  for (const std::string& f : inputs) images.push_back({f, read_image(f)});
  if (a.preset.empty()) return images;
  const auto wanted = preset_filters(a.preset);
  std::vector<Channel> ordered;
  for (const std::string& filter : wanted) {
    const auto it = std::find_if(images.begin(), images.end(), [&](const Channel& c) {
      return c.fits.header().get("FILTER", "") == filter;
    });
    if (it == images.end())
      throw Error(ExitCode::kBadInput, fmt::format("preset {} needs a {} image: none of the inputs has FILTER = '{}'",
                                                   a.preset, filter, filter));
    ordered.push_back(*it);
  }
  return ordered;
}

void run_rgb(RgbArgs& a) {
  if (a.files.size() != 4) throw Error(ExitCode::kUsage, "usage: ap rgb R G B OUT");
  const std::string out = a.files.back();
  if (a.lum.empty() && a.preset == "lrgb") throw Error(ExitCode::kUsage, "preset lrgb needs the luminance image: --lum L");
  std::vector<Channel> ch = channels(a, {a.files.begin(), a.files.end() - 1});
  if (!a.lum.empty()) ch.push_back({a.lum, read_image(a.lum)});
  a.o.stretch = parse_stretch(a.stretch);
  a.o.asinh_stretch = a.asinh_stretch;
  if (!a.minimum.empty()) {
    std::vector<double> m;
    std::stringstream ss(a.minimum);
    for (std::string part; std::getline(ss, part, ',');) m.push_back(std::stod(part));
    if (m.size() == 1) m = {m[0], m[0], m[0]};
    if (m.size() != 3) throw Error(ExitCode::kUsage, "--minimum takes 1 or 3 values");
    a.o.minimum = std::array<double, 3>{m[0], m[1], m[2]};
  }
  // Channels on another grid than the first are resampled onto it.
  const auto first = Wcs::from_header(ch[0].fits.header());
  const Image& base = ch[0].fits.image;
  for (std::size_t c = 1; c < ch.size(); ++c) {
    Image& img = ch[c].fits.image;
    if (img.same_shape(base)) continue;
    const auto wcs = Wcs::from_header(ch[c].fits.header());
    if (!first || !wcs)
      throw Error(ExitCode::kBadInput, fmt::format("{}: another size than {} and no WCS to resample it with",
                                                   ch[c].file, ch[0].file));
    logger("rgb")->info("{}: resampled onto the grid of {}", ch[c].file, ch[0].file);
    img = resample(img, *wcs, nullptr, {*first, base.width(), base.height()}, {}).image;
  }
  write_rgb(out, compose_rgb(base, ch[1].fits.image, ch[2].fits.image, a.o, ch.size() > 3 ? &ch[3].fits.image : nullptr));
  logger("rgb")->info("-> {}", out);
}

}  // namespace

void add_rgb(CLI::App& app) {
  auto a = std::make_shared<RgbArgs>();
  CLI::App* cmd = app.add_subcommand("rgb", "Colour composite (Lupton asinh or STIFF-like power stretch)");
  cmd->add_option("FILES", a->files, "R G B OUT (.png, .tif/.tiff or .fits)")->required()->expected(4);
  cmd->add_option(flag("preset"), a->preset, "rgb, sho, hoo, hgb or lrgb: channels from the inputs' FILTER");
  cmd->add_option(flag("lum"), a->lum, "luminance image (LRGB): brightness from it, colour from R G B");
  cmd->add_option(flag("stretch"), a->stretch, "asinh (Lupton) or power (STIFF-like)")->capture_default_str();
  cmd->add_option("--Q", a->o.q, "asinh softening")->capture_default_str();
  cmd->add_option(flag("minimum"), a->minimum, "asinh black level, one or R,G,B (default: each sky)");
  cmd->add_option(flag("asinh-stretch"), a->asinh_stretch, "asinh linear range (default: 99.5th percentile)");
  cmd->add_option(flag("gamma"), a->o.gamma, "power: display gamma")->capture_default_str();
  cmd->add_option(flag("gamma-fac"), a->o.gamma_fac, "power: gamma factor")->capture_default_str();
  cmd->add_option(flag("colour-sat"), a->o.colour_sat, "power: colour saturation")->capture_default_str();
  cmd->add_option(flag("min-quantile"), a->o.min_quantile, "power: black level quantile")->capture_default_str();
  cmd->add_option(flag("max-quantile"), a->o.max_quantile, "power: white level quantile")->capture_default_str();
  cmd->add_option(flag("bits"), a->o.bits, "8 or 16 bits per channel")->capture_default_str();
  cmd->callback([a] { run_rgb(*a); });
}

}  // namespace ap::cli
