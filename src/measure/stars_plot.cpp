#include "measure/stars_plot.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <numbers>

#include <fmt/format.h>

#include "core/canvas.h"
#include "core/png.h"

namespace ap {

std::string stars_image_png(const Image& image, const StarsResult& r, std::string_view title,
                            std::size_t max_side) {
  const GreyPreview g = preview_grey(image, max_side);
  constexpr int kBand = 28;  // title band height
  const int w = static_cast<int>(g.width), h = static_cast<int>(g.height);
  Canvas canvas(w, h + kBand);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      canvas.put_grey(x, y + kBand, g.grey[static_cast<std::size_t>(y * w + x)]);
  canvas.pixels_changed();
  cairo_t* cr = canvas.cr();
  const double step = static_cast<double>(g.step);
  cairo_set_source_rgba(cr, 1.0, 0.1, 0.1, 0.8);
  cairo_set_line_width(cr, 1.2);
  const double radius = std::max(2.0, r.aperture_radius / step);
  for (const Star& s : r.stars) {
    const double px = (s.x + 0.5) / step, py = kBand + h - (s.y + 0.5) / step;
    cairo_new_sub_path(cr);
    cairo_arc(cr, px, py, radius, 0.0, 2.0 * std::numbers::pi);
  }
  cairo_stroke(cr);
  cairo_set_source_rgb(cr, 0.0, 0.0, 0.0);
  canvas.text(title, 6.0, 19.0, 14.0);
  return canvas.png();
}

std::string psf_grid_png(const Image& image, const StarsResult& r, std::string_view title) {
  constexpr int kCell = 150, kBand = 30, kCols = 5;
  constexpr std::array<Region, 5> kRows = {Region::kTopLeft, Region::kTopRight, Region::kCentre,
                                           Region::kBottomRight, Region::kBottomLeft};
  Canvas canvas(kCols * kCell, kBand + static_cast<int>(kRows.size()) * kCell);
  cairo_t* cr = canvas.cr();

  double top = 0.0;  // stretch: background .. brightest fitted peak
  for (const PsfStar& p : r.psf) top = std::max(top, p.moffat.ok ? p.moffat.amplitude : 0.0);
  if (!(top > 0)) top = 1.0;
  const double soft = 10.0;
  const long box = r.psf_box;

  for (std::size_t row = 0; row < kRows.size(); ++row) {
    int col = 0;
    for (const PsfStar& p : r.psf) {
      if (p.region != kRows[row] || col >= kCols) continue;
      const int ox = col * kCell, oy = kBand + static_cast<int>(row) * kCell;
      const double scale = (kCell - 24.0) / static_cast<double>(box);
      const long x0 = std::lround(p.x) - box / 2, y0 = std::lround(p.y) - box / 2;
      for (long j = 0; j < box; ++j) {
        for (long i = 0; i < box; ++i) {
          const long ix = x0 + i, iy = y0 + j;
          double v = 0.0;
          if (ix >= 0 && iy >= 0 && ix < static_cast<long>(image.width()) &&
              iy < static_cast<long>(image.height()))
            v = image(static_cast<std::size_t>(ix), static_cast<std::size_t>(iy)) - r.bg_median;
          const double t = std::clamp(v / top, 0.0, 1.0);
          const double grey = std::asinh(soft * t) / std::asinh(soft);
          cairo_set_source_rgb(cr, grey, grey, grey);
          cairo_rectangle(cr, ox + 4 + static_cast<double>(i) * scale,
                          oy + 20 + static_cast<double>(box - 1 - j) * scale, scale + 0.5,
                          scale + 0.5);
          cairo_fill(cr);
        }
      }
      const PsfFit& f = p.moffat;
      if (f.ok) {
        cairo_save(cr);
        cairo_translate(cr, ox + 4 + (f.x - static_cast<double>(x0) + 0.5) * scale,
                        oy + 20 + (static_cast<double>(box) - (f.y - static_cast<double>(y0) + 0.5)) * scale);
        cairo_rotate(cr, -f.theta_deg * std::numbers::pi / 180.0);  // y points down here
        cairo_scale(cr, 0.5 * f.fwhm_major * scale, 0.5 * f.fwhm_minor * scale);
        cairo_arc(cr, 0, 0, 1, 0, 2 * std::numbers::pi);
        cairo_restore(cr);
        cairo_set_source_rgb(cr, 1, 0.15, 0.15);
        cairo_set_line_width(cr, 1.2);
        cairo_stroke(cr);
      }
      cairo_set_source_rgb(cr, 0, 0, 0);
      const std::string label =
          f.ok ? fmt::format("{} #{} FWHM {:.2f} e {:.2f}", region_name(p.region), p.id, f.fwhm(),
                             f.ellipticity())
               : fmt::format("{} #{} fit failed", region_name(p.region), p.id);
      canvas.text(label, ox + 4.0, oy + 14.0, 10.0);
      ++col;
    }
  }
  cairo_set_source_rgb(cr, 0, 0, 0);
  canvas.text(title, 6.0, 20.0, 14.0);
  return canvas.png();
}

}  // namespace ap
