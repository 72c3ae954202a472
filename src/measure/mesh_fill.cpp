// Mesh repair and smoothing: inverse-distance filling of excluded boxes and
// the median filter of the mesh.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "measure/background_detail.h"

namespace ap::detail {

void fill_excluded(std::span<Mesh* const> meshes, std::size_t neighbours) {
  if (meshes.empty()) return;
  const Mesh& shape = *meshes.front();
  const std::size_t w = shape.width();
  std::vector<std::size_t> good, holes;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    (std::isnan(shape.data()[i]) ? holes : good).push_back(i);
  }
  if (good.empty()) throw Error(ExitCode::kFailed, "background: no box left to interpolate from");
  const auto position = [w](std::size_t cell) {
    return KdTree::Point{static_cast<double>(cell / w), static_cast<double>(cell % w)};
  };
  std::vector<KdTree::Point> points(good.size());
  std::transform(good.begin(), good.end(), points.begin(), position);
  const KdTree tree(std::move(points));
  for (const std::size_t hole : holes) {
    const auto near = tree.nearest(position(hole), neighbours);
    for (Mesh* m : meshes) {
      double sum_w = 0.0, sum_wv = 0.0;
      for (const KdTree::Neighbour& n : near) {
        const double wt = 1.0 / n.distance;
        sum_w += wt;
        sum_wv += wt * m->data()[good[n.index]];
      }
      m->data()[hole] = sum_wv / sum_w;
    }
  }
}

Mesh median_filter(const Mesh& mesh, std::size_t size) {
  if (size <= 1) return mesh;
  const std::size_t half = size / 2, w = mesh.width(), h = mesh.height();
  Mesh out(w, h);
  std::vector<double> window;
  for (std::size_t y = 0; y < h; ++y) {
    for (std::size_t x = 0; x < w; ++x) {
      window.clear();
      for (std::size_t v = (y > half ? y - half : 0); v <= std::min(h - 1, y + half); ++v) {
        for (std::size_t u = (x > half ? x - half : 0); u <= std::min(w - 1, x + half); ++u) {
          if (!std::isnan(mesh(u, v))) window.push_back(mesh(u, v));
        }
      }
      const std::size_t n = window.size(), mid = n / 2;
      if (n == 0) {
        out(x, y) = std::nan("");
        continue;
      }
      std::nth_element(window.begin(), window.begin() + static_cast<std::ptrdiff_t>(mid),
                       window.end());
      double median = window[mid];
      if (n % 2 == 0) median = 0.5 * (median + *std::max_element(window.begin(),
                                                                  window.begin() + mid));
      out(x, y) = median;
    }
  }
  return out;
}

}  // namespace ap::detail
