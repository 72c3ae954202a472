// Interpolation kernels, and the kernel of one input folded with the
// oversampling.
//
// Oversampling spreads n x n points over each output pixel and averages the
// interpolated values. As the mapping is affine to far better than 0.01 px
// over one output pixel, that average is itself one kernel applied once: the
// sum of the n x n kernels shifted by the sub-pixel offsets (through the
// mapping's Jacobian). FoldedKernel tabulates it at 1/64 pixel of the input
// position, normalised to a sum of 1, so oversampling 4 costs 8 x 8 taps per
// output pixel instead of 16 x 6 x 6.
#pragma once

#include <array>
#include <cstddef>
#include <vector>

#include <string_view>

namespace ap {

enum class Kernel { kLanczos3, kLanczos2, kBilinear, kNearest };
// "lanczos3", "lanczos2", "bilinear", "nearest"; throws ap::Error (kUsage) otherwise.
Kernel parse_kernel(std::string_view name);

class FoldedKernel {
 public:
  // jacobian: d(input x, input y)/d(output x, output y) as {xx, xy, yx, yy}.
  FoldedKernel(Kernel kernel, int oversampling, const std::array<double, 4>& jacobian);

  static constexpr int kSteps = 64;  // table nodes per input pixel

  int taps() const { return taps_; }  // per axis
  // The first tap is `reach() - 1` pixels before the node's pixel.
  int reach() const { return reach_; }
  // taps x taps weights, row by row, for node (bx, by) in [0, kSteps): the
  // input position cell + b / kSteps on each axis.
  const float* weights(std::size_t bx, std::size_t by) const {
    return table_.data() + (by * kSteps + bx) * static_cast<std::size_t>(taps_ * taps_);
  }

 private:
  int taps_ = 0, reach_ = 0;
  std::vector<float> table_;
};

}  // namespace ap
