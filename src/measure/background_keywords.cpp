// The FITS keywords of the background stage (BG_*), shared by ap background
// and the sky step of ap run.
#include <cstdint>

#include "core/header.h"
#include "measure/background.h"

namespace ap {

void add_background_keywords(Header& h, const BackgroundResult& r, const BackgroundOptions& o) {
  h.set("BG_MED", r.median, "[adu] median of the background mesh");
  h.set("BG_RMS", r.rms_median, "[adu] median of the background RMS mesh");
  h.set("BG_EST", background_estimator_name(o.estimator), "Background box estimator");
  h.set("BG_BOXW", static_cast<std::int64_t>(r.box.width), "[pix] background box width");
  h.set("BG_BOXH", static_cast<std::int64_t>(r.box.height), "[pix] background box height");
  h.set("BG_NBX", static_cast<std::int64_t>(r.nboxes_x), "Background boxes along x");
  h.set("BG_NBY", static_cast<std::int64_t>(r.nboxes_y), "Background boxes along y");
  h.set("BG_NEXCL", static_cast<std::int64_t>(r.excluded_boxes),
        "Boxes excluded and interpolated");
  h.set("BG_FILT", static_cast<std::int64_t>(o.filter_width), "[boxes] mesh median filter size");
  h.set("BG_SRCMK", o.mask_sources, "Sources masked before the box statistics");
  h.set("BG_NSRC", static_cast<std::int64_t>(r.sources.segments), "Segments in the source mask");
  h.set("BG_MSKPC",
        100.0 * static_cast<double>(r.sources.masked) / static_cast<double>(r.background.size()),
        "[%] pixels in the source mask");
}

}  // namespace ap
