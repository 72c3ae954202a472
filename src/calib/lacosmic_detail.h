// Image filters behind detect_cosmics(), with astroscrappy's edge rules.
// Exposed for the unit tests; not part of the public API.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/image.h"

namespace ap::lacosmic_detail {

// Separable n-point median (n = 3, 5, 7, 9): the median along each row, then
// the median of those along each column. Pixels within n/2 of any border
// keep their input value. Input and output must not alias.
void sep_median(const Image& in, Image& out, int n);

// Full n x n median (n = 3, 5, 7) with the same border rule.
void box_median(const Image& in, Image& out, int n);

// out = OR of the 3x3 neighbourhood; border pixels keep their input value.
void dilate3(const Mask& in, Mask& out);

// `iterations` dilations by the 5x5 square without its corners (21 pixels),
// zero outside the image.
void dilate5(const Mask& in, Mask& out, int iterations);

// L+ of van Dokkum (2001): the image replicated 2x2, convolved with the
// Laplacian kernel (zero outside), negative values set to 0 and averaged back
// over each 2x2 block. Computed directly at the original resolution.
void laplacian_plus(const Image& in, Image& out);

// Correlation with the separable kernel k (odd length) along both axes, zero
// outside the image.
void correlate_separable(const Image& in, Image& out, std::span<const float> k);

// 1-D Gaussian taps of astroscrappy's gausskernel(fwhm, size), centred on
// the middle tap and normalised to sum 1 (the 2-D kernel is their product).
std::vector<float> gauss_taps(double fwhm, int size);

}  // namespace ap::lacosmic_detail
