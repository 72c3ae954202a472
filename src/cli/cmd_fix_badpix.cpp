// ap fix-badpix IN MASK OUT [--deltapix 2]   (also ap_fix_badpix)
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <string>

#include "calib/fix_badpix.h"
#include "cli/cli.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"

namespace ap::cli {
namespace {

struct FixBadpixArgs {
  std::string input, mask, output;
  FixBadpixOptions options;
};

void run_fix_badpix(const FixBadpixArgs& a) {
  FitsWriter writer(a.output, {a.input, a.mask});
  FitsImage in = read_image(a.input);
  const Mask mask = read_mask(a.mask, "");
  if (!in.image.same_shape(mask)) {
    throw input_error(a.mask, fmt::format("mask {}x{} does not fit {} ({}x{})", mask.width(),
                                          mask.height(), a.input, in.image.width(),
                                          in.image.height()));
  }
  const FixBadpixResult r = fix_bad_pixels(in.image, mask, a.options);
  Header h = in.header();
  h.set("BPIXFILE", std::filesystem::path(a.mask).filename().string(), "Bad-pixel mask");
  add_badpix_keywords(h, r, a.options);
  stamp(h, "fix-badpix", arguments());
  writer.add_image(in.image, h);
  writer.commit();
  logger("fix-badpix")->info("{}: {} bad pixels, {} repaired ({} with a wider box), {} left",
                             a.input, r.bad, r.fixed, r.widened, r.unfixed);
}

}  // namespace

void add_fix_badpix(CLI::App& app) {
  auto args = std::make_shared<FixBadpixArgs>();
  CLI::App* cmd = app.add_subcommand(
      "fix-badpix", "Replace masked pixels by the median of good neighbours (also ap_fix_badpix)");
  cmd->add_option("IN", args->input, "Image to repair")->required();
  cmd->add_option("MASK", args->mask, "Mask (non-zero = bad), e.g. from ap badpix")->required();
  cmd->add_option("OUT", args->output, "Repaired image (float32)")->required();
  cmd->add_option(flag("deltapix"), args->options.deltapix, "Half-width of the repair box")
      ->capture_default_str();
  cmd->callback([args] { run_fix_badpix(*args); });
}

}  // namespace ap::cli
