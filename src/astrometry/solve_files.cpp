#include "astrometry/solve_files.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/fits.h"
#include "core/wcs.h"

namespace ap::astrometry {

StarList read_star_list(const std::filesystem::path& path, std::optional<double> user_scale) {
  StarList s;
  s.primary = read_hdu_list(path).front().header;
  const Table xy = read_table(path, "AP_XYPOS");
  const auto x = xy.numbers("X"), y = xy.numbers("Y");
  for (std::size_t i = 0; i < x.size(); ++i) s.stars.push_back({x[i], y[i]});
  if (s.stars.empty()) throw Error(ExitCode::kBadInput, fmt::format("{}: the source list is empty", path.string()));
  s.width = s.primary.get("IMG_COLS", 0.0);
  s.height = s.primary.get("IMG_ROWS", 0.0);
  if (!(s.width > 0 && s.height > 0))
    throw Error(ExitCode::kBadInput,
                fmt::format("{}: no IMG_COLS/IMG_ROWS (not an ap stars source list)", path.string()));
  s.hints.ra = s.primary.get_double_any({"APRX_RA", "RA-OBJ"});
  s.hints.dec = s.primary.get_double_any({"APRX_DEC", "DEC-OBJ"});
  if (user_scale) {
    s.hints.scale_arcsec = *user_scale;
  } else if (const auto xps = s.primary.get_double("APRX_XPS"), yps = s.primary.get_double("APRX_YPS");
             xps && yps) {
    s.hints.scale_arcsec = 0.5 * (*xps + *yps);
  }
  return s;
}

void write_solved_image(const std::filesystem::path& image, const std::filesystem::path& out,
                        const Solution& solution, std::string_view history) {
  const Header original = read_hdu_list(image).front().header;
  Header without = original;
  Wcs::erase_from(without);
  std::vector<std::string> remove;  // the old WCS: keys the erase took away
  for (const auto& card : original.cards())
    if (!card.key.empty() && card.key != "HISTORY" && card.key != "COMMENT" && !without.has(card.key))
      remove.push_back(card.key);
  Header cards = solution.cards;
  stamp(cards, "solve", history);
  update_header(image, out, cards, remove);
}

void add_sky_columns(const std::filesystem::path& path, const Solution& solution) {
  const auto wcs = Wcs::from_header(solution.cards);
  const auto hdus = read_hdu_list(path);
  FitsWriter w(path);
  Header primary = hdus.front().header;
  for (const auto& card : solution.cards.cards())
    if (card.key.rfind("AST_", 0) == 0) primary.set(card.key, card.value, card.comment);
  w.add_empty(primary);
  for (std::size_t i = 1; i < hdus.size(); ++i) {
    Header h;
    Table t = read_table(path, hdus[i].extname, &h);
    if (hdus[i].extname == "AP_L1MAG") {
      const auto x = t.numbers("xcenter"), y = t.numbers("ycenter");
      std::vector<double> ra(x.size()), dec(x.size());
      wcs->pixel_to_sky(x, y, ra, dec);
      std::erase_if(t.columns, [](const Column& c) { return c.name == "ra" || c.name == "dec"; });
      t.columns.push_back({"ra", "deg", std::move(ra)});
      t.columns.push_back({"dec", "deg", std::move(dec)});
    }
    w.add_table(t, h, hdus[i].extname);
  }
  w.commit();
}

}  // namespace ap::astrometry
