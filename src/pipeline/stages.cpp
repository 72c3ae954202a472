#include "pipeline/stages.h"

namespace ap::pipeline {

std::vector<std::unique_ptr<Stage>> all_stages() {
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(make_masters_stage());
  stages.push_back(make_calibrate_stage());
  stages.push_back(make_metadata_stage());
  stages.push_back(make_sky_stage());
  stages.push_back(make_stars_stage());
  stages.push_back(make_solve_stage());
  stages.push_back(make_quality_stage());
  stages.push_back(make_stack_stage());
  stages.push_back(make_continuum_stage());
  stages.push_back(make_colour_stage());
  return stages;
}

}  // namespace ap::pipeline
