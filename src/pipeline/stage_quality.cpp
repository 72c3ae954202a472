// The quality step of ap run: `ap quality` over the reports of each group's
// frames, writing MetaData/quality_<group>.csv, .json and .png. The stacking
// step reads the weights and poor-frame flags from the JSON.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "measure/quality.h"
#include "pipeline/plan.h"
#include "pipeline/stages.h"

namespace ap::pipeline {
namespace {

class QualityStage : public Stage {
 public:
  const char* name() const override { return "quality"; }

  void bind(ConfigSection& s) override {
    s.value("fwhm_sigma", o_.fwhm_sigma, "flag FWHM above the group median + k spread");
    s.value("ellipticity_sigma", o_.ellipticity_sigma, "flag ellipticity above median + k spread");
    s.value("stars_sigma", o_.stars_sigma, "flag star counts below median - k spread");
    s.value("background_sigma", o_.background_sigma, "flag backgrounds above median + k spread");
    s.value("min_spread", o_.min_spread, "spread floor, as a fraction of the median");
  }

  void plan(Plan& plan, const std::string& parameters) override {
    std::map<std::string, std::vector<Product>> reports;
    for (const PlannedFrame& f : plan.frames()) {
      const auto it = f.products.find("quality");
      if (it != f.products.end()) reports[f.group].push_back(it->second);
    }
    for (const auto& [group, inputs] : reports) {
      const std::string stem = "quality_" + Plan::group_file_name(group);
      const auto dir = plan.out_dir() / "MetaData";
      const auto csv = dir / (stem + ".csv"), json = dir / (stem + ".json"), png = dir / (stem + ".png");
      const std::size_t task = plan.add_group_task(
          name(), group, parameters, inputs, {csv, json, png},
          [o = o_, csv, json, png](const std::vector<std::filesystem::path>& present) {
            const QualitySummary s = grade_quality(present, o);
            write_file_atomically(json, quality_json(s));
            write_file_atomically(png, quality_plot_png(s));
            write_file_atomically(csv, quality_csv(s));
          });
      plan.group_products()[group]["quality_json"] = {json, task};
      plan.group_products()[group]["quality_png"] = {png, task};
    }
  }

 private:
  QualityOptions o_;
};

}  // namespace

std::unique_ptr<Stage> make_quality_stage() { return std::make_unique<QualityStage>(); }

}  // namespace ap::pipeline
