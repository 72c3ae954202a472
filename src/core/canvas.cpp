#include "core/canvas.h"

#include "core/error.h"

namespace ap {
namespace {

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

Canvas::Canvas(int width, int height)
    : width_(width),
      height_(height),
      surface_(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height),
               &cairo_surface_destroy),
      cr_(cairo_create(surface_.get()), &cairo_destroy) {
  cairo_set_source_rgb(cr(), 1, 1, 1);
  cairo_paint(cr());
  cairo_surface_flush(surface_.get());
}

void Canvas::put_grey(int x, int y, std::uint8_t g) {
  auto* row = reinterpret_cast<std::uint32_t*>(cairo_image_surface_get_data(surface_.get()) +
                                               y * cairo_image_surface_get_stride(surface_.get()));
  row[x] = (std::uint32_t{g} << 16) | (std::uint32_t{g} << 8) | g;
}

void Canvas::pixels_changed() { cairo_surface_mark_dirty(surface_.get()); }

void Canvas::text(std::string_view s, double x, double y, double size) {
  cairo_select_font_face(cr(), "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr(), size);
  cairo_move_to(cr(), x, y);
  cairo_show_text(cr(), std::string(s).c_str());
}

std::string Canvas::png() const {
  std::string out;
  cairo_surface_flush(surface_.get());
  if (cairo_surface_write_to_png_stream(surface_.get(), append, &out) != CAIRO_STATUS_SUCCESS)
    throw Error(ExitCode::kFailed, "plot: cairo could not encode the PNG");
  return out;
}

}  // namespace ap
