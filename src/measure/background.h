// Sky background: a source mask from a thresholded segmentation, and the 2-D
// background and background-RMS maps of photutils Background2D with the
// settings of the original ap_measure_background (shared reference,
// processing stages section 5), computed without Python.
//
// measure_background() runs, in order:
//   1. source mask (optional): pixels above clipped mean + nsigma * clipped
//      std (SigmaClip sigma 3, 10 iterations) that belong to 8-connected
//      groups of at least `npixels`, dilated by a dilate x dilate square;
//   2. a mesh of box_width x box_height boxes from the bottom-left corner; the
//      top/right boxes are padded and padded pixels count as masked (the
//      photutils 'pad' edge method);
//   3. per box, with masked, NaN and inf pixels left out: boxes with more than
//      badbox_pctile % masked pixels are excluded; the rest are sigma clipped
//      (astropy SigmaClip: median centre, std spread, `clip_iters` passes, the
//      survivors being every value inside the final bounds), excluded again if
//      the clipped pixels push them over the limit, and give the background
//      (median, or SExtractor's 2.5 median - 1.5 mean unless
//      |mean - median| / std >= 0.3) and the RMS (std of the survivors);
//   4. excluded boxes filled by Shepard inverse-distance weighting (power 1)
//      from the 10 nearest good boxes, in box units, chosen among boxes at
//      equal distance as scipy's cKDTree chooses;
//   5. a filter_width x filter_width median filter of each mesh (NaN-padded
//      at the edges, so edge boxes take the median of the neighbours they
//      have);
//   6. up-sampling of each mesh by cubic-spline interpolation (scipy
//      ndimage.zoom, order 3, 'reflect' boundaries, grid mode) to the padded
//      size, cropped to the image and clipped to the range of the mesh.
//
// Differences from the original, on purpose: both minimum box sizes are
// honoured (the original used the minimum height for both), a box larger
// than the image is shrunk to the image (photutils refused it), an image
// without sources gives an empty source mask (the original crashed), and
// an image with no finite pixel is a clear error.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/header.h"
#include "core/image.h"

namespace ap {

enum class BackgroundEstimator { kMedian, kSExtractor };

// "median" or "sextractor" (any case); throws ap::Error (kUsage) otherwise.
BackgroundEstimator parse_background_estimator(std::string_view name);
const char* background_estimator_name(BackgroundEstimator e);

struct SourceMaskOptions {
  double nsigma = 2.0;      // threshold = clipped mean + nsigma * clipped std
  double clip_sigma = 3.0;  // clipping of the whole image for those statistics
  int clip_iters = 10;
  std::size_t npixels = 5;  // minimum 8-connected pixels above the threshold
  std::size_t dilate = 13;  // square dilation (odd; 1 = none): 13 as ap_measure_background,
                            // 11 as ap_find_stars
};

struct SourceMaskResult {
  Mask mask;                 // 1 on sources (dilated), 0 elsewhere
  double threshold = 0.0;    // NaN when the image has no usable pixel
  std::size_t segments = 0;  // groups kept
  std::size_t masked = 0;    // pixels set in `mask`
};

// Pixels strictly above `threshold` in 8-connected groups of at least
// `npixels`, dilated by a dilate_size x dilate_size square (odd). `segments`
// counts the groups kept. Pixels flagged in `bad` are never part of a group.
SourceMaskResult segment_above(const Image& image, double threshold, std::size_t npixels,
                               std::size_t dilate_size, const Mask* bad = nullptr);

// Pixels flagged in `bad` (any non-zero byte), NaN and inf are never sources
// and are left out of the statistics. `bad` may be null.
SourceMaskResult make_source_mask(const Image& image, const SourceMaskOptions& options,
                                  const Mask* bad = nullptr);

struct BackgroundOptions {
  std::size_t nbg_cols = 16;      // boxes across the image (before the minimum sizes)
  std::size_t nbg_rows = 16;      // boxes down the image
  std::size_t min_bgwidth = 48;   // minimum box width in pixels
  std::size_t min_bgheight = 48;  // minimum box height in pixels
  std::size_t filter_width = 3;   // median filter of the mesh, in boxes (odd)
  double badbox_pctile = 25.0;    // photutils exclude_percentile
  double clip_sigma = 3.0;        // per-box sigma clipping
  int clip_iters = 5;             // astropy SigmaClip default, as the original
  BackgroundEstimator estimator = BackgroundEstimator::kMedian;
  bool mask_sources = true;
  SourceMaskOptions sources;
};

struct BoxSize {
  std::size_t width = 0;
  std::size_t height = 0;
};

// The original's box size: 2 * (1 + floor(n / (2 * nbg))) along each axis,
// at least the minimum for that axis, at most the image size.
BoxSize background_box_size(std::size_t width, std::size_t height, const BackgroundOptions& o);

struct BackgroundResult {
  Image background;       // full resolution
  Image rms;              // full resolution
  Image mesh_background;  // filtered mesh, one value per box (nboxes_x x nboxes_y)
  Image mesh_rms;
  BoxSize box;
  std::size_t nboxes_x = 0;
  std::size_t nboxes_y = 0;
  std::size_t excluded_boxes = 0;  // filled by interpolation
  double median = 0.0;             // median of mesh_background (SExtractor's "Background")
  double rms_median = 0.0;         // median of mesh_rms
  SourceMaskResult sources;        // empty mask when mask_sources is off
};

// Throws ap::Error (kBadInput) for an empty image or one with no finite
// pixel, (kUsage) for invalid options, and (kFailed) when every box is
// excluded.
BackgroundResult measure_background(const Image& image, const BackgroundOptions& options,
                                    const Mask* bad = nullptr);

// The keywords the stage owns: BG_MED, BG_RMS (medians of the meshes),
// BG_EST, BG_BOXW, BG_BOXH, BG_NBX, BG_NBY, BG_NEXCL, BG_FILT, BG_SRCMK,
// BG_NSRC, BG_MSKPC.
void add_background_keywords(Header& header, const BackgroundResult& result,
                             const BackgroundOptions& options);

}  // namespace ap
