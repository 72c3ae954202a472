// ap solve IMAGE SRCLIST OUT_IMAGE [--use-sip] [--sip-order 2] [--user_scale ARCSEC]
//   [--scale_err_ratio 1.3] [--radius DEG] [--index-dir DIR]... [--backend local|nova] [--key KEY]
//   [--timeout 180]
// ap solve --batch SRCLIST... -o DIR
// (also ap astrometry, ap_astrometry). No solution: exit code 2, no output image.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "astrometry/nova.h"
#include "astrometry/solve_files.h"
#include "cli/cli.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/log.h"

namespace ap::cli {
namespace {

namespace fs = std::filesystem;
using namespace ap::astrometry;

struct SolveArgs {
  std::vector<std::string> positional;
  std::vector<std::string> index_dirs;
  std::string out_dir, backend = "local", key;
  bool batch = false;
  std::optional<double> user_scale;
  SolveOptions options;
};

using Solver = std::function<Solution(const StarList&)>;

// Returns false when there is no solution (logged with its reason).
bool solve_one(const fs::path& image, const fs::path& srclist, const fs::path& out, const SolveArgs& a,
               const Solver& solver) {
  auto log = logger("solve");
  const StarList list = read_star_list(srclist, a.user_scale);
  if (const auto made_from = list.primary.get_string("IMG_FILE");
      made_from && fs::path(*made_from).filename() != image.filename())
    throw Error(ExitCode::kBadInput, fmt::format("{}: made from {}, not {}", srclist.string(), *made_from,
                                                 image.string()));
  if (!fs::exists(image)) throw Error(ExitCode::kBadInput, fmt::format("{}: no such image", image.string()));
  const Solution s = solver(list);
  if (!s.solved) {
    log->error("{}: {}", image.string(), s.reason);
    return false;
  }
  write_solved_image(image, out, s,
                     fmt::format("{} index={} sip={}", srclist.filename().string(), s.index,
                                 a.options.use_sip ? a.options.sip_order : 0));
  add_sky_columns(srclist, s);
  log->info("{}: solved with {} in {:.2f} s: {} stars matched, RMS {:.3f}\" ({:.3f} px), {:.4f}\"/px{} -> {}",
            image.string(), s.index, s.seconds, s.matches.size(), s.rms_arcsec, s.rms_px,
            s.pixel_scale_arcsec, s.flipped ? ", mirrored" : "", out.string());
  return true;
}

// The backend: libastrometry with the indexes loaded once, or nova.astrometry.net.
Solver make_solver(const SolveArgs& a) {
  if (a.backend == "local") {
    const IndexSet& indexes = IndexSet::shared(std::vector<fs::path>(a.index_dirs.begin(), a.index_dirs.end()));
    return [&a, &indexes](const StarList& l) {
      return solve_field(l.stars, l.width, l.height, l.hints, a.options, indexes);
    };
  }
  if (a.backend != "nova") throw Error(ExitCode::kUsage, fmt::format("--backend {}: local or nova", a.backend));
  NovaOptions nova = NovaOptions::defaults();
  nova.api_key = nova_api_key(a.key);
  return [&a, nova](const StarList& l) {
    return solve_nova(l.stars, l.width, l.height, l.hints, a.options, nova);
  };
}

void run_solve(const SolveArgs& a) {
  bool all = true;
  if (a.batch) {
    if (a.out_dir.empty() || !fs::is_directory(a.out_dir))
      throw Error(ExitCode::kUsage, "--batch needs -o DIR, an existing directory");
    const Solver solver = make_solver(a);
    for (const std::string& srclist : a.positional) {
      const auto image = read_hdu_list(srclist).front().header.get_string("IMG_FILE");
      if (!image) throw Error(ExitCode::kBadInput, fmt::format("{}: no IMG_FILE", srclist));
      all &= solve_one(*image, srclist, fs::path(a.out_dir) / ("nav_" + fs::path(*image).stem().string() + ".fits"),
                       a, solver);
    }
  } else {
    if (a.positional.size() != 3) throw Error(ExitCode::kUsage, "usage: ap solve IMAGE SRCLIST OUT_IMAGE");
    all = solve_one(a.positional[0], a.positional[1], a.positional[2], a, make_solver(a));
  }
  if (!all) throw Error(ExitCode::kUsage, "no solution");  // exit code 2, the original's NO_SOLUTION
}

}  // namespace

void add_solve(CLI::App& app) {
  auto args = std::make_shared<SolveArgs>();
  SolveOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand("solve", "Plate-solve with astrometry.net's solver in process; verified WCS");
  cmd->alias("astrometry");
  cmd->add_option("FILES", args->positional, "IMAGE SRCLIST OUT_IMAGE, or source lists with --batch")->required();
  cmd->add_flag("--batch", args->batch, "Solve every source list given (images from IMG_FILE) into -o DIR");
  cmd->add_option("-o,--output-dir", args->out_dir, "Output directory for --batch (nav_<image>.fits)");
  cmd->add_flag(flag("use-sip"), o.use_sip, "Fit TAN-SIP distortion");
  cmd->add_option(flag("sip-order"), o.sip_order, "SIP polynomial order")->capture_default_str();
  cmd->add_option(flag("user_scale"), args->user_scale, "Pixel scale hint, arcsec/pixel");
  cmd->add_option(flag("scale_err_ratio"), o.scale_err_ratio, "Scale searched within hint */ this")
      ->capture_default_str();
  cmd->add_option(flag("radius"), o.radius_deg, "Search radius around the hinted centre, degrees (0: auto)");
  cmd->add_option(flag("index-dir"), args->index_dirs, "Directory of index files (repeatable)");
  cmd->add_option(flag("backend"), args->backend, "local (libastrometry in process) or nova (nova.astrometry.net)")
      ->capture_default_str();
  cmd->add_option(flag("key"), args->key, "astrometry.net API key for --backend nova (never logged)");
  cmd->add_option(flag("timeout"), o.timeout_s, "Give up after this many seconds per frame")
      ->capture_default_str();
  cmd->callback([args] { run_solve(*args); });
}

}  // namespace ap::cli
