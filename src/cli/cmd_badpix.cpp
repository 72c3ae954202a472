// ap badpix MASTER_DARK OUT_MASK [--sigma 4] [--user_badpix YAML] [--ds9 REG]
// (also ap_find_badpix)
#include <fmt/format.h>

#include <cstdint>
#include <memory>
#include <string>

#include "calib/badpix.h"
#include "cli/cli.h"
#include "core/atomic_file.h"
#include "core/fits.h"
#include "core/log.h"

namespace ap::cli {
namespace {

struct BadpixArgs {
  std::string dark, out, user, ds9;
  BadpixOptions options;
};

// Every flagged pixel as a ds9 point (image coordinates, 1-based), coloured by kind.
std::string ds9_region(const Mask& mask) {
  std::string out = "# Region file format: DS9 version 4.1\nimage\n";
  for (std::size_t y = 0; y < mask.height(); ++y) {
    for (std::size_t x = 0; x < mask.width(); ++x) {
      const std::uint8_t m = mask(x, y);
      if (m == 0) continue;
      const char* colour = (m & kMaskUser) ? "cyan" : (m & kMaskHot) ? "red" : "blue";
      out += fmt::format("point({},{}) # point=x color={}\n", x + 1, y + 1, colour);
    }
  }
  return out;
}

void run_badpix(const BadpixArgs& a) {
  FitsWriter writer(a.out, {a.dark});
  const FitsImage dark = read_image(a.dark);
  UserBadpix user;
  if (!a.user.empty()) user = read_user_badpix(a.user);
  const BadpixResult r = find_bad_pixels(dark.image, a.options, a.user.empty() ? nullptr : &user);
  auto log = logger("badpix");
  for (const std::string& w : r.warnings) log->warn("{}", w);
  Header h;
  for (const char* key : {"TELESCOP", "INSTRUME", "SET-TEMP", "CCD-TEMP", "XPIXSZ", "YPIXSZ",
                          "XBINNING", "YBINNING", "XORGSUBF", "YORGSUBF", "SITELAT", "SITELONG"}) {
    if (const Header::Card* c = dark.header().find(key)) h.set(c->key, c->value, c->comment);
  }
  h.set("IMAGETYP", std::string("BADPIX"), "Bad-pixel mask");
  h.set("DATAFILE", std::filesystem::path(a.dark).filename().string(),
        "Master the mask comes from");
  if (!a.user.empty()) h.set("USERFILE", user.file, "User bad-pixel YAML");
  h.set("NBADAUTO", static_cast<std::int64_t>(r.hot + r.cold), "Automatic bad pixels");
  h.set("NBADHOT", static_cast<std::int64_t>(r.hot), "Hot pixels (bit 1)");
  h.set("NBADCOLD", static_cast<std::int64_t>(r.cold), "Cold pixels (bit 2)");
  h.set("NBADUSER", static_cast<std::int64_t>(r.user), "User bad pixels (bit 4)");
  h.set("BPSIGMA", a.options.sigma, "Threshold in clipped std");
  h.add_comment("Mask bits (OR'ed): 1 hot, 2 cold, 4 user; later stages: 8 saturated, 16 cosmic "
                "ray, 32 no data, 64 rejected, 128 interpolated");
  stamp(h, "badpix", arguments());
  writer.add_mask(r.mask, h);
  if (!a.ds9.empty()) write_file_atomically(a.ds9, ds9_region(r.mask));
  writer.commit();
  log->info("{}: median {:.3f}, clipped std {:.3f}: {} hot, {} cold, {} user pixels", a.dark,
            r.median, r.std, r.hot, r.cold, r.user);
}

}  // namespace

void add_badpix(CLI::App& app) {
  auto args = std::make_shared<BadpixArgs>();
  CLI::App* cmd = app.add_subcommand(
      "badpix", "Hot, cold and user bad pixels of a master dark as a mask (also ap_find_badpix)");
  cmd->add_option("MASTER_DARK", args->dark, "Master dark (or bias)")->required();
  cmd->add_option("OUT_MASK", args->out, "Output mask (uint8 bit flags)")->required();
  cmd->add_option(flag("sigma"), args->options.sigma, "Threshold and clipping, in clipped std")
      ->capture_default_str();
  cmd->add_option(flag("user-badpix"), args->user,
                  "YAML of bad_columns, bad_rows, bad_rectangles (1-based, inclusive)");
  cmd->add_option(flag("ds9"), args->ds9, "Also write the bad pixels as a ds9 region file");
  cmd->callback([args] { run_badpix(*args); });
}

}  // namespace ap::cli
