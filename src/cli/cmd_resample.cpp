// ap resample IN... -o DIR [--center RA,DEC|auto] [--pixel-scale ARCSEC|auto] [--size W,H|auto]
//   [--projection TAN] [--template FITS] [--intersection] [--kernel lanczos3|lanczos2|bilinear|nearest]
//   [--oversampling N] [--fscale exposure|none]
// ap coadd IN... OUT [--combine median|mean|wmean|sigclip|sum] [--sigma 3] [--weights QUALITY|ivar]
//   [--reject-poor] [--fscale exposure|none]
// ap stack IN... OUT [grid options of resample] [coadd options]
#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/cli.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"
#include "measure/quality.h"
#include "resample/coadd.h"
#include "resample/resample.h"

namespace ap::cli {
namespace {

namespace fs = std::filesystem;

struct GridArgs {
  std::string center = "auto", scale = "auto", size = "auto", templ, projection = "TAN";
  bool intersection = false;
};

struct ResampleArgs {
  std::vector<std::string> inputs;
  std::string out, kernel = "lanczos3", fscale = "none", combine = "median", weights;
  int oversampling = 0;
  double sigma = 3.0;
  bool reject_poor = false;
  GridArgs grid;
};

std::vector<double> numbers(const std::string& text, std::size_t n, const char* what) {
  std::vector<double> v;
  std::stringstream ss(text);
  for (std::string part; std::getline(ss, part, ',');) {
    try {
      v.push_back(std::stod(part));
    } catch (const std::exception&) {
      throw Error(ExitCode::kUsage, fmt::format("{}: '{}' is not a number", what, part));
    }
  }
  if (v.size() != n) throw Error(ExitCode::kUsage, fmt::format("{} needs {} comma-separated numbers", what, n));
  return v;
}

Grid grid_for(const std::vector<StackInput>& inputs, const GridArgs& g) {
  if (!g.templ.empty()) {
    const HduInfo info = read_hdu_list(g.templ).front();
    auto wcs = Wcs::from_header(info.header);
    if (!wcs || info.shape.size() < 2)
      throw Error(ExitCode::kBadInput, fmt::format("{}: a template needs an image and a WCS", g.templ));
    return {std::move(*wcs), static_cast<std::size_t>(info.shape[0]), static_cast<std::size_t>(info.shape[1])};
  }
  GridOptions o;
  o.intersection = g.intersection;
  o.projection = g.projection;
  if (g.center != "auto") {
    const auto c = numbers(g.center, 2, "--center");
    o.ra = c[0], o.dec = c[1];
  }
  if (g.scale != "auto") o.pixel_scale = numbers(g.scale, 1, "--pixel-scale")[0];
  if (g.size != "auto") {
    const auto s = numbers(g.size, 2, "--size");
    o.width = static_cast<std::size_t>(s[0]), o.height = static_cast<std::size_t>(s[1]);
  }
  return choose_grid(footprints(inputs), o);
}

std::vector<StackInput> stack_inputs(const ResampleArgs& a) {
  std::vector<StackInput> in;
  for (const std::string& f : a.inputs) in.push_back({f, 1.0});
  if (a.weights.empty() || a.weights == "ivar") return in;
  const auto grades = read_frame_grades(a.weights);
  for (StackInput& s : in) {
    const auto it = grades.find(frame_key(s.image));
    if (it == grades.end()) {
      logger("coadd")->warn("{}: not in {}, weight 1", s.image.string(), a.weights);
      continue;
    }
    s.weight = a.reject_poor && it->second.poor ? 0.0 : std::max(it->second.weight, a.reject_poor ? 0.0 : 1e-3);
  }
  return in;
}

CoaddOptions coadd_options(const ResampleArgs& a) {
  CoaddOptions o;
  o.combine = parse_combine(a.combine);
  o.sigma = a.sigma;
  o.fscale_exposure = a.fscale == "exposure";
  if (a.fscale != "exposure" && a.fscale != "none") throw Error(ExitCode::kUsage, "--fscale is exposure or none");
  o.inverse_variance = a.weights == "ivar";
  o.resample.kernel = parse_kernel(a.kernel);
  o.resample.oversampling = a.oversampling;
  return o;
}

void run_resample(const ResampleArgs& a) {
  if (!fs::is_directory(a.out)) throw Error(ExitCode::kUsage, fmt::format("{}: -o needs an existing directory", a.out));
  std::vector<StackInput> inputs;
  for (const std::string& f : a.inputs) inputs.push_back({f, 1.0});
  const Grid grid = grid_for(inputs, a.grid);
  const CoaddOptions o = coadd_options(a);
  auto log = logger("resample");
  log->info("grid {} x {} at {:.3f}\"/px", grid.width, grid.height, grid.wcs.pixel_scale_arcsec());
  for (const StackInput& in : inputs) {
    const FitsImage img = read_image(in.image);
    const auto wcs = Wcs::from_header(img.header());
    if (!wcs) throw Error(ExitCode::kBadInput, fmt::format("{}: no WCS (solve it first with ap solve)", in.image.string()));
    ResampleOptions ro = o.resample;
    if (o.fscale_exposure) ro.exposure = img.header().get_double_any({"EXPOSURE", "EXPTIME"});
    const auto hdus = read_hdu_list(in.image);
    const bool has_mask = std::any_of(hdus.begin(), hdus.end(), [](const HduInfo& h) { return h.extname == "MASK"; });
    const std::optional<Mask> bad = has_mask ? std::optional<Mask>(read_mask(in.image, "MASK")) : std::nullopt;
    const Resampled r = resample(img.image, *wcs, bad ? &*bad : nullptr, grid, ro);
    Header h = img.header();
    Wcs::erase_from(h);
    grid.wcs.to_header(h);
    if (ro.exposure) h.set("BUNIT", "adu/s", "divided by the exposure");
    stamp(h, "resample", arguments());
    const fs::path out = fs::path(a.out) / ("res_" + in.image.stem().string() + ".fits");
    FitsWriter w(out, {in.image});
    w.add_image(r.image, h);
    w.add_image(r.weight, {}, "WEIGHT");
    w.commit();
    log->info("{} -> {}", in.image.string(), out.string());
  }
}

void add_grid_options(CLI::App* cmd, ResampleArgs& a) {
  cmd->add_option(flag("center"), a.grid.center, "Grid centre RA,DEC in degrees, or auto")->capture_default_str();
  cmd->add_option(flag("pixel-scale"), a.grid.scale, "Grid pixel scale in arcsec, or auto (median input)")
      ->capture_default_str();
  cmd->add_option(flag("size"), a.grid.size, "Grid W,H in pixels, or auto (cover the inputs)")->capture_default_str();
  cmd->add_option(flag("projection"), a.grid.projection, "Grid projection (FITS code: TAN, SIN, ZEA, STG, ARC, CAR...)")
      ->capture_default_str();
  cmd->add_option(flag("template"), a.grid.templ, "Take the grid (WCS and size) from this FITS image");
  cmd->add_flag(flag("intersection"), a.grid.intersection, "Cover only what every input covers");
  cmd->add_option(flag("kernel"), a.kernel, "lanczos3, lanczos2, bilinear or nearest")->capture_default_str();
  cmd->add_option(flag("oversampling"), a.oversampling, "Sub-pixels per axis (0: from the scale ratio)")
      ->capture_default_str();
  cmd->add_option(flag("fscale"), a.fscale, "exposure: divide by EXPOSURE (ADU/s), or none")->capture_default_str();
}

void add_combine_options(CLI::App* cmd, ResampleArgs& a) {
  cmd->add_option(flag("combine"), a.combine, "median, mean, wmean, sigclip or sum")->capture_default_str();
  cmd->add_option(flag("sigma"), a.sigma, "Clipping for sigclip")->capture_default_str();
  cmd->add_option(flag("weights"), a.weights, "Frame weights from ap quality (.csv or .json), or ivar (inverse sky variance)");
  cmd->add_flag(flag("reject-poor"), a.reject_poor, "Leave out frames ap quality flagged as poor");
}

}  // namespace

void add_resample(CLI::App& app) {
  auto a = std::make_shared<ResampleArgs>();
  CLI::App* cmd = app.add_subcommand("resample", "Reproject images onto one sky grid (Lanczos, wcslib, SIP)");
  cmd->add_option("IN", a->inputs, "Input images with a WCS")->required();
  cmd->add_option("-o,--output-dir", a->out, "Output directory (res_<name>.fits with a WEIGHT HDU)")->required();
  add_grid_options(cmd, *a);
  cmd->callback([a] { run_resample(*a); });

  auto c = std::make_shared<ResampleArgs>();
  CLI::App* coadd = app.add_subcommand("coadd", "Combine images already on one grid (from ap resample)");
  coadd->add_option("FILES", c->inputs, "IN... OUT: images on one grid, then the output FITS")
      ->required()->expected(2, -1);
  add_combine_options(coadd, *c);
  coadd->add_option(flag("fscale"), c->fscale, "exposure: divide by EXPOSURE (ADU/s), or none")->capture_default_str();
  coadd->callback([c] {
    c->out = c->inputs.back();
    c->inputs.pop_back();
    const auto inputs = stack_inputs(*c);
    write_coadded(c->out, coadd_files(inputs, coadd_options(*c)), inputs, "coadd", arguments());
  });

  auto s = std::make_shared<ResampleArgs>();
  CLI::App* stack = app.add_subcommand("stack", "Resample and combine in one pass, no intermediate files");
  stack->add_option("FILES", s->inputs, "IN... OUT: images with a WCS, then the output FITS")
      ->required()->expected(2, -1);
  add_grid_options(stack, *s);
  add_combine_options(stack, *s);
  stack->callback([s] {
    s->out = s->inputs.back();
    s->inputs.pop_back();
    const auto inputs = stack_inputs(*s);
    const Grid grid = grid_for(inputs, s->grid);
    write_coadded(s->out, stack_files(inputs, grid, coadd_options(*s)), inputs, "stack", arguments());
  });
}

}  // namespace ap::cli
