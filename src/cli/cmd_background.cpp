// ap background IN OUT_BG [--nbg_cols 16] [--nbg_rows 16] [--min_bgwidth 48]
//   [--min_bgheight 48] [--bg_filter_width 3] [--bg_badbox_pctile 25] [--bg_sigmaclip 3]
//   [--estimator median|sextractor] [--no_source_mask] [--subtracted OUT] [--rms OUT]
// (also ap_measure_background)
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "arith/imarith.h"
#include "cli/cli.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"
#include "measure/background.h"

namespace ap::cli {
namespace {

struct BackgroundArgs {
  std::string input;
  std::string output;
  std::string subtracted;
  std::string rms;
  std::string estimator = "median";
  bool no_source_mask = false;
  BackgroundOptions options;
};

void write(FitsWriter& writer, const Image& image, Header header, std::string_view imagetyp) {
  if (!imagetyp.empty()) header.set("IMAGETYP", std::string(imagetyp), "Type of image");
  stamp(header, "background", arguments());
  writer.add_image(image, header);
  writer.commit();
}

void run_background(BackgroundArgs& a) {
  auto log = logger("background");
  a.options.estimator = parse_background_estimator(a.estimator);
  a.options.mask_sources = !a.no_source_mask;
  const std::vector<std::filesystem::path> inputs{a.input};
  FitsWriter bg_writer(a.output, inputs);
  std::unique_ptr<FitsWriter> sub_writer, rms_writer;
  if (!a.subtracted.empty()) sub_writer = std::make_unique<FitsWriter>(a.subtracted, inputs);
  if (!a.rms.empty()) rms_writer = std::make_unique<FitsWriter>(a.rms, inputs);

  const FitsImage in = read_image(a.input);
  BackgroundResult r;
  try {
    r = measure_background(in.image, a.options);
  } catch (const Error& e) {
    throw Error(e.code(), fmt::format("{}: {}", a.input, e.what()));
  }
  log->info("{}: {}x{} boxes of {}x{} px, {} excluded; {:.2f} % of pixels masked as sources",
            a.input, r.nboxes_x, r.nboxes_y, r.box.width, r.box.height, r.excluded_boxes,
            100.0 * static_cast<double>(r.sources.masked) / static_cast<double>(in.image.size()));
  log->info("background median {:.3f}, RMS median {:.3f}", r.median, r.rms_median);

  Header header = in.header();
  add_background_keywords(header, r, a.options);
  write(bg_writer, r.background, header, "Background Sky");
  if (rms_writer) write(*rms_writer, r.rms, header, "Background RMS");
  if (sub_writer) {
    write(*sub_writer, imarith(in.image, ArithOp::kSub, r.background).image, header, {});
  }
}

}  // namespace

void add_background(CLI::App& app) {
  auto args = std::make_shared<BackgroundArgs>();
  BackgroundOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand(
      "background", "2-D sky background and RMS maps (photutils Background2D with a source mask)");
  cmd->add_option("IN", args->input, "Input FITS image")->required();
  cmd->add_option("OUT_BG", args->output, "Output background FITS image (float32)")->required();
  cmd->add_option(flag("nbg-cols"), o.nbg_cols, "Number of boxes across the image")
      ->capture_default_str();
  cmd->add_option(flag("nbg-rows"), o.nbg_rows, "Number of boxes down the image")
      ->capture_default_str();
  cmd->add_option(flag("min-bgwidth"), o.min_bgwidth, "Minimum box width in pixels")
      ->capture_default_str();
  cmd->add_option(flag("min-bgheight"), o.min_bgheight, "Minimum box height in pixels")
      ->capture_default_str();
  cmd->add_option(flag("bg-filter-width"), o.filter_width,
                  "Median filter of the mesh, in boxes (odd)")
      ->capture_default_str();
  cmd->add_option(flag("bg-badbox-pctile"), o.badbox_pctile,
                  "Boxes with more than this percentage of masked pixels are interpolated")
      ->capture_default_str();
  cmd->add_option(flag("bg-sigmaclip"), o.clip_sigma, "Sigma of the clipping inside each box")
      ->capture_default_str();
  cmd->add_option(flag("estimator"), args->estimator, "Box statistic: median or sextractor")
      ->capture_default_str();
  cmd->add_flag(flag("no-source-mask"), args->no_source_mask,
                "Do not mask sources before the box statistics");
  cmd->add_option(flag("subtracted"), args->subtracted, "Also write IN minus the background");
  cmd->add_option(flag("rms"), args->rms, "Also write the background RMS map");
  cmd->callback([args] { run_background(*args); });
}

}  // namespace ap::cli
