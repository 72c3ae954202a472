// The steps behind measure_background() (private to src/measure; the unit
// tests use them directly). Meshes hold one double per box, row-major, with
// NaN for an excluded box.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/image.h"
#include "measure/background.h"

namespace ap::detail {

using Mesh = Plane<double>;

struct BoxClip {
  double sigma = 3.0;
  int iters = 5;  // <= 0: until nothing changes
  BackgroundEstimator estimator = BackgroundEstimator::kMedian;
  std::size_t box_pixels = 0;  // nominal box size, padding included
  double max_masked = 0.0;     // more masked (or clipped) pixels exclude the box
};

struct BoxStats {
  double background = 0.0;
  double rms = 0.0;
  bool excluded = true;
};

// Working memory reused from box to box.
struct BoxScratch {
  std::vector<float> values;
  std::vector<std::uint32_t> keys;
};

// Statistics of the finite pixels of a box whose `excluded` byte is 0 (no
// mask when excluded.data is null). The values are sorted and sigma clipped
// as astropy's SigmaClip does along an axis: every pass takes the median and
// population std of the current set and keeps centre +- sigma * std
// (inclusive); the survivors are all values inside the last bounds. The box
// is excluded when its masked pixels, then its masked and clipped pixels,
// outnumber clip.max_masked (photutils Background2D).
BoxStats box_stats(PlaneView<const float> box, PlaneView<const std::uint8_t> excluded,
                   BoxScratch& scratch, const BoxClip& clip);

// k nearest neighbours in the plane as scipy.spatial.cKDTree (scipy 1.10,
// balanced, compact nodes) returns them: nearest first, and among points at
// equal distance the ones cKDTree keeps. Relies on the standard library's
// nth_element and partition behaving as the libstdc++ scipy was built with.
class KdTree {
 public:
  using Point = std::array<double, 2>;
  struct Neighbour {
    std::size_t index;  // into the points given to the constructor
    double distance;
  };

  explicit KdTree(std::vector<Point> points, std::size_t leafsize = 10);
  std::vector<Neighbour> nearest(const Point& x, std::size_t k) const;

 private:
  struct Node {
    std::size_t start, end;  // range of indices_
    int dim;                 // -1 for a leaf
    double split;
    std::size_t less, greater;
  };
  std::size_t build(std::size_t start, std::size_t end);

  std::vector<Point> points_;
  std::size_t leafsize_;
  std::vector<std::size_t> indices_;
  std::vector<Node> nodes_;
  Point mins_{}, maxes_{};
};

// Fills the NaN cells of each mesh (all with the same NaN cells) as
// photutils' ShepardIDWInterpolator does: inverse-distance weights (power 1)
// over the `neighbours` nearest finite cells in (row, column) box units,
// chosen by KdTree. At least one cell must be finite.
void fill_excluded(std::span<Mesh* const> meshes, std::size_t neighbours = 10);

// size x size median filter; cells outside the mesh are left out of the
// window (scipy generic_filter with nanmedian and a NaN border).
Mesh median_filter(const Mesh& mesh, std::size_t size);

// scipy.ndimage.zoom(mesh, (zoom_y, zoom_x), order=3, mode='reflect',
// grid_mode=True) cropped to the size of `out`, then clipped to the range of the
// mesh (photutils BkgZoomInterpolator); a flat mesh gives a constant image.
// `out` has the size of the image and is overwritten.
void spline_zoom(const Mesh& mesh, std::size_t zoom_x, std::size_t zoom_y, Image& out);

}  // namespace ap::detail
