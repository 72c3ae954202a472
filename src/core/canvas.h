// A cairo drawing surface for plots and annotated previews: RGB, white, with
// the few helpers every plot needs; draw with cairo calls on cr().
#pragma once

#include <cairo/cairo.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ap {

class Canvas {
 public:
  Canvas(int width, int height);  // filled white

  cairo_t* cr() const { return cr_.get(); }
  int width() const { return width_; }
  int height() const { return height_; }

  // Sets one pixel to grey level g directly in the surface memory (for images).
  void put_grey(int x, int y, std::uint8_t g);
  // Call after put_grey() and before drawing with cairo again.
  void pixels_changed();

  // Text with its baseline starting at (x, y).
  void text(std::string_view s, double x, double y, double size);

  // The PNG file's bytes. Throws ap::Error (kFailed) when cairo fails.
  std::string png() const;

 private:
  int width_, height_;
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface_;
  std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr_;
};

}  // namespace ap
