// ap cosmics IN OUT [--crmaskim M] [--crdiffim D] [--gain G] [--readnoise R]
//   [--sigclip 4.5] [--sigfrac 0.3] [--objlim 5] [--niter 4] [--fsmode median|convolve]
//   [--psffwhm 2.5] [--psfsize 7] [--satlevel 65535] [--cleantype meanmask] [--no-sepmed]
// (also ap_fix_cosmic_rays)
//
// Gain: --gain, else the header's EGAIN, else GAIN (the original let EGAIN
// win when both exist). Read noise: --readnoise, else RDNOISE, READNOIS or
// RON (electrons). Neither is ever assumed: a missing value is an error.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "calib/lacosmic.h"
#include "cli/cli.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"

namespace ap::cli {
namespace {

struct CosmicsArgs {
  std::string input;
  std::string output;
  std::string crmaskim;
  std::string crdiffim;
  std::optional<double> gain;
  std::optional<double> readnoise;
  std::string fsmode = "median";
  std::string cleantype = "meanmask";
  bool no_sepmed = false;
  LaCosmicOptions options;
};

double resolve(const std::optional<double>& given, const Header& h,
               std::initializer_list<std::string_view> keys, const std::string& path,
               std::string_view what, std::string_view option) {
  if (given) return *given;
  if (auto v = h.get_double_any(keys)) return *v;
  std::string names;
  for (auto k : keys) names += (names.empty() ? "" : ", ") + std::string(k);
  throw input_error(path, fmt::format("no {} in the header ({}); give {}", what, names, option));
}

void run_cosmics(CosmicsArgs& a) {
  auto log = logger("cosmics");
  LaCosmicOptions& o = a.options;
  o.fsmode = parse_lacosmic_fsmode(a.fsmode);
  o.cleantype = parse_lacosmic_cleantype(a.cleantype);
  o.sepmed = !a.no_sepmed;
  const std::vector<std::filesystem::path> inputs{a.input};
  FitsWriter writer(a.output, inputs);
  std::unique_ptr<FitsWriter> mask_writer, diff_writer;
  if (!a.crmaskim.empty()) mask_writer = std::make_unique<FitsWriter>(a.crmaskim, inputs);
  if (!a.crdiffim.empty()) diff_writer = std::make_unique<FitsWriter>(a.crdiffim, inputs);

  const FitsImage in = read_image(a.input);
  o.gain = resolve(a.gain, in.header(), {"EGAIN", "GAIN"}, a.input, "gain", "--gain");
  o.readnoise = resolve(a.readnoise, in.header(), {"RDNOISE", "READNOIS", "RON"}, a.input,
                        "read noise", "--readnoise");
  LaCosmicResult r;
  try {
    r = detect_cosmics(in.image, o);
  } catch (const Error& e) {
    throw Error(e.code(), fmt::format("{}: {}", a.input, e.what()));
  }
  log->info("{}: {} cosmic-ray pixels in {} iterations (gain {} e-/ADU, read noise {} e-)",
            a.input, r.ncr, r.iterations_run, o.gain, o.readnoise);

  Header header = in.header();
  header.set("CR_CLEAN", true, "Cosmic rays cleaned (L.A.Cosmic)");
  header.set("CR_NPIX", static_cast<std::int64_t>(r.ncr), "Pixels flagged as cosmic rays");
  header.set("CR_GAIN", o.gain, "[e-/adu] gain used for cosmic-ray detection");
  header.set("CR_RDNS", o.readnoise, "[e-] read noise used for cosmic-ray detection");
  header.set("CR_SIGCL", o.sigclip, "L.A.Cosmic sigclip");
  header.set("CR_SIGFR", o.sigfrac, "L.A.Cosmic sigfrac");
  header.set("CR_OBJLM", o.objlim, "L.A.Cosmic objlim");
  header.set("CR_NITER", static_cast<std::int64_t>(r.iterations_run), "L.A.Cosmic iterations run");
  header.set("CR_FSMOD", lacosmic_fsmode_name(o.fsmode), "L.A.Cosmic fine-structure mode");
  stamp(header, "cosmics", arguments());
  writer.add_image(r.cleaned, header);
  writer.commit();

  if (mask_writer) {
    Mask m = r.crmask;
    for (auto& v : m.pixels()) v = v ? kMaskCosmic : 0;
    Header mh;
    mh.set("CR_NPIX", static_cast<std::int64_t>(r.ncr), "Pixels flagged as cosmic rays");
    mh.set("MASKBIT", static_cast<std::int64_t>(kMaskCosmic), "Mask value of a cosmic-ray pixel");
    stamp(mh, "cosmics", arguments());
    mask_writer->add_mask(m, mh, {});
    mask_writer->commit();
  }
  if (diff_writer) {
    Image diff = in.image;
    for (std::size_t i = 0; i < diff.size(); ++i) diff.data()[i] -= r.cleaned.data()[i];
    for (std::size_t i = 0; i < diff.size(); ++i) {
      if (!r.crmask.data()[i]) diff.data()[i] = 0.0f;  // NaN - NaN would stay NaN
    }
    Header dh;
    dh.set("CR_NPIX", static_cast<std::int64_t>(r.ncr), "Pixels flagged as cosmic rays");
    stamp(dh, "cosmics", arguments());
    diff_writer->add_image(diff, dh);
    diff_writer->commit();
  }
}

}  // namespace

void add_cosmics(CLI::App& app) {
  auto args = std::make_shared<CosmicsArgs>();
  LaCosmicOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand(
      "cosmics", "Detect and clean cosmic rays with L.A.Cosmic (as astroscrappy)");
  cmd->add_option("IN", args->input, "Input FITS image (ADU)")->required();
  cmd->add_option("OUT", args->output, "Cleaned output FITS image")->required();
  cmd->add_option(flag("crmaskim"), args->crmaskim,
                  "Also write the cosmic-ray mask (uint8, 16 = cosmic ray)");
  cmd->add_option(flag("crdiffim"), args->crdiffim, "Also write IN minus the cleaned image");
  cmd->add_option(flag("gain"), args->gain,
                  "Gain in e-/ADU (default: header EGAIN, then GAIN)");
  cmd->add_option(flag("readnoise"), args->readnoise,
                  "Read noise in e- (default: header RDNOISE, READNOIS or RON; the original "
                  "used 12)");
  cmd->add_option(flag("sigclip"), o.sigclip, "Laplacian-to-noise detection limit")
      ->capture_default_str();
  cmd->add_option(flag("sigfrac"), o.sigfrac, "Neighbour limit as a fraction of sigclip")
      ->capture_default_str();
  cmd->add_option(flag("objlim"), o.objlim, "Minimum contrast of Laplacian to fine structure")
      ->capture_default_str();
  cmd->add_option(flag("niter"), o.niter, "Maximum iterations (the original used 6)")
      ->capture_default_str();
  cmd->add_option(flag("fsmode"), args->fsmode,
                  "Fine structure: median or convolve (the original used convolve)")
      ->capture_default_str();
  cmd->add_option(flag("psffwhm"), o.psffwhm,
                  "PSF FWHM in pixels for --fsmode convolve (the original used 3.5)")
      ->capture_default_str();
  cmd->add_option(flag("psfsize"), o.psfsize, "PSF kernel size (odd) for --fsmode convolve")
      ->capture_default_str();
  cmd->add_option(flag("satlevel"), o.satlevel,
                  "Saturation level in ADU (<= 0: no saturated-star mask)")
      ->capture_default_str();
  cmd->add_option(flag("cleantype"), args->cleantype,
                  "Replacement: meanmask, medmask, median or idw")
      ->capture_default_str();
  cmd->add_flag(flag("no-sepmed"), args->no_sepmed,
                "Full 2-D medians instead of the separable ones (slower)");
  cmd->callback([args] { run_cosmics(*args); });
}

}  // namespace ap::cli
