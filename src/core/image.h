// Image and Mask: 2-D pixel planes, row-major, width (FITS NAXIS1, x) by
// height (FITS NAXIS2, y). Indices are 0-based; pixel (x, y) lives at
// data()[y * width + x]. FITS/ds9 pixel (X, Y) is (x + 1, y + 1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/plane_allocator.h"

namespace ap {

// Non-owning rectangular window into a plane; rows are `stride` elements apart.
template <typename T>
struct PlaneView {
  T* data = nullptr;
  std::size_t width = 0;
  std::size_t height = 0;
  std::size_t stride = 0;

  std::span<T> row(std::size_t y) const { return {data + y * stride, width}; }
  T& operator()(std::size_t x, std::size_t y) const { return data[y * stride + x]; }
};

// Owning, contiguous plane of pixels.
template <typename T>
class Plane {
 public:
  using value_type = T;

  Plane() = default;
  Plane(std::size_t width, std::size_t height, T fill = T{})
      : width_(width), height_(height), pixels_(width * height, fill) {}

  std::size_t width() const { return width_; }
  std::size_t height() const { return height_; }
  std::size_t size() const { return pixels_.size(); }
  bool empty() const { return pixels_.empty(); }
  bool same_shape(std::size_t w, std::size_t h) const { return w == width_ && h == height_; }
  template <typename U>
  bool same_shape(const Plane<U>& o) const { return same_shape(o.width(), o.height()); }

  T* data() { return pixels_.data(); }
  const T* data() const { return pixels_.data(); }
  std::span<T> pixels() { return pixels_; }
  std::span<const T> pixels() const { return pixels_; }
  std::span<T> row(std::size_t y) { return {pixels_.data() + y * width_, width_}; }
  std::span<const T> row(std::size_t y) const { return {pixels_.data() + y * width_, width_}; }

  T& operator()(std::size_t x, std::size_t y) { return pixels_[y * width_ + x]; }
  const T& operator()(std::size_t x, std::size_t y) const { return pixels_[y * width_ + x]; }

  // Window of w×h pixels starting at (x0, y0); the caller keeps it in bounds.
  PlaneView<T> view(std::size_t x0, std::size_t y0, std::size_t w, std::size_t h) {
    return {data() + y0 * width_ + x0, w, h, width_};
  }
  PlaneView<const T> view(std::size_t x0, std::size_t y0, std::size_t w, std::size_t h) const {
    return {data() + y0 * width_ + x0, w, h, width_};
  }
  PlaneView<T> view() { return view(0, 0, width_, height_); }
  PlaneView<const T> view() const { return view(0, 0, width_, height_); }

 private:
  std::size_t width_ = 0;
  std::size_t height_ = 0;
  std::vector<T, detail::PlaneAllocator<T>> pixels_;
};

using Image = Plane<float>;
using Mask = Plane<std::uint8_t>;

// Mask bit flags, shared by every stage and combined with OR. A pixel is good
// when its mask byte is 0. Writers record this table in the MASK HDU header.
enum MaskBit : std::uint8_t {
  kMaskHot = 1 << 0,           // automatic: hot pixel in the master dark
  kMaskCold = 1 << 1,          // automatic: cold/dead pixel
  kMaskUser = 1 << 2,          // user bad-pixel YAML (columns, rows, boxes)
  kMaskSaturated = 1 << 3,     // at or above the saturation level
  kMaskCosmic = 1 << 4,        // cosmic ray
  kMaskNoData = 1 << 5,        // NaN/inf input, or outside the detector/grid
  kMaskRejected = 1 << 6,      // rejected while combining frames
  kMaskInterpolated = 1 << 7,  // value replaced by interpolation
};

}  // namespace ap
