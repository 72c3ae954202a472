// Reprojection of images onto a common sky grid (the original left it to
// SWarp): the target grid, the pixel-to-pixel mapping through wcslib (so
// TAN-SIP and every other distortion wcslib knows is honoured), and
// interpolation with a Lanczos, bilinear or nearest kernel folded with the
// oversampling (resample/kernel.h).
//
// Values: surface brightness is interpolated and multiplied by the ratio of
// pixel areas (output pixel in input pixels, from the mapping's Jacobian), so
// a star keeps its total flux, as SWarp's FSCALASTRO; with `exposure` set the
// result is also divided by it (ADU/s). Each output pixel gets a weight: the
// fraction of the kernel that falls on valid input pixels (0 outside the
// input, lower next to masked or NaN pixels); pixels with weight 0 are NaN.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/image.h"
#include "core/wcs.h"
#include "resample/kernel.h"

namespace ap {

// An output grid: a WCS and a size.
struct Grid {
  Wcs wcs;
  std::size_t width = 0, height = 0;
};

// An input's footprint for choosing a grid.
struct Footprint {
  Wcs wcs;
  std::size_t width = 0, height = 0;
};

struct GridOptions {
  std::optional<double> ra, dec;           // centre (default: middle of the footprints)
  std::optional<double> pixel_scale;       // arcsec (default: median input scale)
  std::optional<std::size_t> width, height;  // default: cover the footprints
  bool intersection = false;               // cover only what every input covers
  std::string projection = "TAN";          // FITS code of the grid's projection
  std::size_t max_pixels = 400'000'000;    // refuse larger grids
};

// A north-up grid (TAN unless options.projection says otherwise) covering
// the union (or intersection) of the footprints.
// Throws ap::Error (kBadInput) when they do not overlap, (kUsage) when the
// grid would exceed max_pixels, saying how large and suggesting a scale.
Grid choose_grid(const std::vector<Footprint>& inputs, const GridOptions& options);

// Output pixel -> input pixel (0-based), exact at the nodes of a coarse mesh
// and bilinear in between; the mesh is refined until the interpolation
// error, checked at the centres of the mesh cells, is below 0.01 pixel.
class PixelMap {
 public:
  PixelMap(const Grid& out, const Wcs& in);
  void map(double x, double y, double& ix, double& iy) const;
  // d(input x, y)/d(output x, y) at (x, y) as {xx, xy, yx, yy}; its
  // determinant is the output pixel's area in input pixels.
  std::array<double, 4> jacobian(double x, double y) const;
  std::size_t step() const { return step_; }
  // The input rows [first, end) that output rows [y0, y1] of a width-wide
  // grid read, widened by `margin` and clipped to the input's height.
  std::pair<std::size_t, std::size_t> input_rows(std::size_t y0, std::size_t y1, std::size_t width,
                                                 int margin, std::size_t input_height) const;
  double max_error() const { return max_error_; }

 private:
  std::size_t step_ = 16, nx_ = 0, ny_ = 0;
  std::vector<double> mx_, my_;  // mesh of input coordinates, NaN off the sky
  double max_error_ = 0.0;
};

struct ResampleOptions {
  Kernel kernel = Kernel::kLanczos3;
  int oversampling = 0;  // sub-pixels per axis; 0: enough for the scale ratio
  std::optional<double> exposure;  // divide by it (ADU/s)
};

struct Resampled {
  Image image;   // NaN where the weight is 0
  Image weight;  // 0..1
};

// Rows [first_row, first_row + rows) of an input full_height rows high.
struct InputRows {
  const float* data;
  const std::uint8_t* bad;  // may be null; non-zero: bad pixel
  std::size_t width, first_row, rows, full_height;
};

// The kernel for `map`'s input: options.kernel folded with the oversampling
// (0: enough sub-pixels per axis to cover the output pixel's area in input
// pixels) through the Jacobian at the grid's centre. Over a frame the
// Jacobian changes by a few thousandths (projection, SIP), which moves the
// sub-pixels by less than 0.01 px.
FoldedKernel fold_kernel(const Grid& grid, const PixelMap& map, const ResampleOptions& options);

// Output rows [y0, y1) into `image` and `weight` (y1 - y0 rows, grid width):
// the core of resample(), for callers that stream inputs in row bands; the
// input rows needed are map.input_rows(..., kernel.reach() + 1, ...).
void resample_rows(const InputRows& in, const PixelMap& map, const FoldedKernel& kernel,
                   const ResampleOptions& options, std::size_t y0, std::size_t y1, Image& image,
                   Image& weight);

// `bad` (non-zero: bad pixel) may be null.
Resampled resample(const Image& in, const Wcs& in_wcs, const Mask* bad, const Grid& grid,
                   const ResampleOptions& options);

}  // namespace ap
