// The metadata step of ap run: `ap metadata` on each frame's current image
// (named after its raw file), written as Calibrated/meta-<stem>.fits, a copy
// of the image with the keywords added; later steps read that copy.
#include <memory>
#include <string>

#include "core/fits.h"
#include "itelescope/metadata.h"
#include "pipeline/plan.h"
#include "pipeline/stages.h"

namespace ap::pipeline {
namespace {

class MetadataStage : public Stage {
 public:
  const char* name() const override { return "metadata"; }

  void bind(ConfigSection& s) override {
    s.value("enabled", enabled_, "add site, target, airmass, Moon and Sun keywords");
    s.value("online", o_.online, "resolve targets unknown to OpenNGC with CDS Sesame (network)");
  }

  void plan(Plan& plan, const std::string& parameters) override {
    if (!enabled_) return;
    for (PlannedFrame& frame : plan.frames()) {
      const auto out = plan.output(frame, "Calibrated", "meta-", ".fits");
      plan.add_frame_task(
          frame, name(), parameters, {out},
          [o = o_, out, raw = frame.raw.path.filename().string()](const std::filesystem::path& input) {
            const Header header = read_hdu_list(input).front().header;
            update_header(input, out, itelescope::metadata_keywords(header, raw, o));
          },
          true);
    }
  }

 private:
  bool enabled_ = true;
  itelescope::MetadataOptions o_;
};

}  // namespace

std::unique_ptr<Stage> make_metadata_stage() { return std::make_unique<MetadataStage>(); }

}  // namespace ap::pipeline
