// k nearest neighbours in the plane, found the way scipy's cKDTree (1.10,
// balanced tree, compact nodes) finds them: the same tree (median splits by
// std::nth_element and std::partition on the same point order), the same
// traversal and the same bounded heaps. On a mesh of boxes many points lie
// at equal distance, and which of them cKDTree keeps decides the value
// photutils gives an excluded box; this reproduces that choice.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "measure/background_detail.h"

namespace ap::detail {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// cKDTree's binary heap (smallest priority on top), with its exact sift
// order, which decides among equal priorities.
template <class T>
class Heap {
 public:
  struct Item {
    double priority;
    T contents;
  };
  std::size_t size() const { return items_.size(); }
  const Item& top() const { return items_.front(); }
  void push(Item item) {
    items_.push_back(item);
    for (std::size_t i = items_.size() - 1; i > 0; i = (i - 1) / 2) {
      if (!(items_[i].priority < items_[(i - 1) / 2].priority)) break;
      std::swap(items_[i], items_[(i - 1) / 2]);
    }
  }
  Item pop() {
    const Item first = items_.front();
    items_.front() = items_.back();
    items_.pop_back();
    const std::size_t n = items_.size();
    std::size_t i = 0;
    for (;;) {
      const std::size_t j = 2 * i + 1, k = 2 * i + 2;
      const bool down = (j < n && items_[i].priority > items_[j].priority) ||
                        (k < n && items_[i].priority > items_[k].priority);
      if (!down) break;
      const std::size_t l = (k < n && items_[j].priority > items_[k].priority) ? k : j;
      std::swap(items_[l], items_[i]);
      i = l;
    }
    return first;
  }

 private:
  std::vector<Item> items_;
};

// Distance from x to the interval [lo, hi] along one axis.
double side_distance(double x, double lo, double hi) {
  if (x - hi > 0.0) return x - hi;
  return lo - x > 0.0 ? lo - x : 0.0;
}

}  // namespace

KdTree::KdTree(std::vector<Point> points, std::size_t leafsize)
    : points_(std::move(points)), leafsize_(leafsize), indices_(points_.size()) {
  std::iota(indices_.begin(), indices_.end(), 0);
  for (std::size_t d = 0; d < 2; ++d) {
    const auto axis_less = [d](const Point& a, const Point& b) { return a[d] < b[d]; };
    const auto [lo, hi] = std::minmax_element(points_.begin(), points_.end(), axis_less);
    mins_[d] = points_.empty() ? 0.0 : (*lo)[d];
    maxes_[d] = points_.empty() ? 0.0 : (*hi)[d];
  }
  if (!points_.empty()) build(0, points_.size());
}

std::size_t KdTree::build(std::size_t start, std::size_t end) {
  const std::size_t id = nodes_.size();
  nodes_.push_back({start, end, -1, 0.0, 0, 0});
  if (end - start <= leafsize_) return id;
  // Compact nodes: the bounds of the points themselves.
  Point lo = points_[indices_[start]], hi = lo;
  for (std::size_t j = start + 1; j < end; ++j) {
    for (std::size_t d = 0; d < 2; ++d) {
      lo[d] = std::min(lo[d], points_[indices_[j]][d]);
      hi[d] = std::max(hi[d], points_[indices_[j]][d]);
    }
  }
  int dim = 0;
  double size = 0.0;
  for (int d = 0; d < 2; ++d) {
    if (hi[d] - lo[d] > size) {
      dim = d;
      size = hi[d] - lo[d];
    }
  }
  if (size == 0.0) return id;  // identical points
  const auto coord = [&](std::size_t i) { return points_[i][dim]; };
  const auto less = [&](std::size_t a, std::size_t b) { return coord(a) < coord(b); };
  std::size_t* first = indices_.data();
  const auto partition_at = [&](std::size_t from, std::size_t to, double pivot) {
    const auto below = [&](std::size_t i) { return !(coord(i) >= pivot); };
    return static_cast<std::size_t>(std::partition(first + from, first + to, below) - first);
  };
  // Balanced tree: split at the median.
  const std::size_t mid = start + (end - start) / 2;
  std::nth_element(first + start, first + mid, first + end, less);
  double split = coord(indices_[mid]);
  std::size_t p = partition_at(start, mid, split);
  if (p == start) {  // nothing below the median value: slide the split up
    split = std::nextafter(coord(*std::min_element(first + start, first + end, less)), kInf);
    p = partition_at(start, end, split);
  }
  const std::size_t below = build(start, p);
  const std::size_t above = build(p, end);
  nodes_[id].dim = dim;
  nodes_[id].split = split;
  nodes_[id].less = below;
  nodes_[id].greater = above;
  return id;
}

std::vector<KdTree::Neighbour> KdTree::nearest(const Point& x, std::size_t k) const {
  if (nodes_.empty() || k == 0) return {};
  // Cells to visit: node, squared distance per axis, and their sum.
  struct Cell {
    std::size_t node;
    double side[2];
    double min_distance;
  };
  std::vector<Cell> cells;
  Cell root{0, {0.0, 0.0}, 0.0};
  for (std::size_t d = 0; d < 2; ++d) {
    const double s = side_distance(x[d], mins_[d], maxes_[d]);
    root.min_distance += s * s;
    root.side[d] = s * s;
  }
  cells.push_back(root);
  std::size_t current = 0;
  Heap<std::size_t> queue;      // cells by distance
  Heap<std::size_t> neighbours;  // points by minus squared distance: the furthest on top
  double bound = kInf;
  for (;;) {
    const Node& node = nodes_[cells[current].node];
    if (node.dim < 0) {
      for (std::size_t i = node.start; i < node.end; ++i) {
        const Point& q = points_[indices_[i]];
        const double d = (q[0] - x[0]) * (q[0] - x[0]) + (q[1] - x[1]) * (q[1] - x[1]);
        if (d < bound) {
          if (neighbours.size() == k) neighbours.pop();
          neighbours.push({-d, indices_[i]});
          if (neighbours.size() == k) bound = -neighbours.top().priority;
        }
      }
      if (queue.size() == 0) break;
      current = queue.pop().contents;
      continue;
    }
    if (cells[current].min_distance > bound) break;
    // The near child continues in this cell; the far one is queued.
    Cell far = cells[current];
    const bool left = x[node.dim] < node.split;
    cells[current].node = left ? node.less : node.greater;
    far.node = left ? node.greater : node.less;
    const double s = left ? node.split - x[node.dim] : x[node.dim] - node.split;
    far.min_distance += s * s - far.side[node.dim];
    far.side[node.dim] = s * s;
    std::size_t near_id = current, far_id = cells.size();
    cells.push_back(far);
    if (cells[near_id].min_distance > cells[far_id].min_distance) std::swap(near_id, far_id);
    current = near_id;
    if (cells[far_id].min_distance <= bound) queue.push({cells[far_id].min_distance, far_id});
  }
  std::vector<Neighbour> out(neighbours.size());
  for (std::size_t i = out.size(); i-- > 0;) {
    const auto item = neighbours.pop();
    out[i] = {item.contents, std::sqrt(-item.priority)};
  }
  return out;
}

}  // namespace ap::detail
