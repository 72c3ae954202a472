// ap continuum NARROW BROAD OUT [--scale auto|VALUE] [--method stars|background]
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "arith/continuum.h"
#include "cli/cli.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"
#include "core/wcs.h"
#include "resample/resample.h"

namespace ap::cli {
namespace {

struct ContinuumArgs {
  std::string narrow, broad, out, scale = "auto", method = "stars";
};

void run_continuum(const ContinuumArgs& a) {
  ContinuumOptions o;
  o.method = parse_continuum_method(a.method);
  if (a.scale != "auto") {
    try {
      o.scale = std::stod(a.scale);
    } catch (const std::exception&) {
      throw Error(ExitCode::kUsage, fmt::format("--scale is auto or a number, not '{}'", a.scale));
    }
  }
  const FitsImage n = read_image(a.narrow);
  FitsImage b = read_image(a.broad);
  const auto nw = Wcs::from_header(n.header()), bw = Wcs::from_header(b.header());
  bool same = n.image.same_shape(b.image);
  if (same && nw && bw) {
    Header hn, hb;
    nw->to_header(hn);
    bw->to_header(hb);
    for (const char* key : {"CRVAL1", "CRVAL2", "CRPIX1", "CRPIX2"})
      same &= std::abs(hn.get(key, 0.0) - hb.get(key, 0.0)) < 1e-7;
  }
  if (!same) {
    if (!nw || !bw)
      throw Error(ExitCode::kBadInput, fmt::format("{} and {} are on different grids and {} has no WCS (ap solve)",
                                                   a.narrow, a.broad, nw ? a.broad : a.narrow));
    logger("continuum")->info("{}: resampled onto the grid of {}", a.broad, a.narrow);
    b.image = resample(b.image, *bw, nullptr, {*nw, n.image.width(), n.image.height()}, {}).image;
  }
  ContinuumResult r;
  try {
    r = continuum_subtract(n.image, b.image, o);
  } catch (const Error& e) {
    throw Error(e.code(), fmt::format("{}: {}", a.narrow, e.what()));
  }
  Header h = n.header();
  h.set("CONTSCAL", r.scale, "broad-band scale subtracted");
  h.set("CONTSERR", r.scale_err, "uncertainty of CONTSCAL");
  h.set("CONTMETH", o.scale ? std::string("given") : a.method, "how the scale was found");
  h.set("CONTNSTR", static_cast<std::int64_t>(r.stars), "stars used for the scale");
  h.set("CONTBRD", std::filesystem::path(a.broad).filename().string(), "broad-band image");
  stamp(h, "continuum", arguments());
  write_image(a.out, r.image, h, {a.narrow, a.broad});
  logger("continuum")->info("{} - {:.4f} (+- {:.4f}) x {} -> {}", a.narrow, r.scale, r.scale_err, a.broad, a.out);
}

}  // namespace

void add_continuum(CLI::App& app) {
  auto a = std::make_shared<ContinuumArgs>();
  CLI::App* cmd = app.add_subcommand("continuum", "Subtract the scaled broad-band continuum from a narrow-band image");
  cmd->add_option("NARROW", a->narrow, "Narrow-band image (e.g. Ha)")->required();
  cmd->add_option("BROAD", a->broad, "Broad-band image (e.g. Red)")->required();
  cmd->add_option("OUT", a->out, "Continuum-subtracted output")->required();
  cmd->add_option(flag("scale"), a->scale, "auto or the broad-band scale")->capture_default_str();
  cmd->add_option(flag("method"), a->method, "stars or background")->capture_default_str();
  cmd->callback([a] { run_continuum(*a); });
}

}  // namespace ap::cli
