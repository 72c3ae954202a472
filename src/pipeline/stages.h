// The stages of ap run, one file each (stage_<name>.cpp), in pipeline order
// in all_stages() (stages.cpp).
#pragma once

#include <memory>

#include "pipeline/plan.h"

namespace ap::pipeline {

std::unique_ptr<Stage> make_masters_stage();
std::unique_ptr<Stage> make_calibrate_stage();
std::unique_ptr<Stage> make_metadata_stage();
std::unique_ptr<Stage> make_sky_stage();
std::unique_ptr<Stage> make_stars_stage();
std::unique_ptr<Stage> make_solve_stage();
std::unique_ptr<Stage> make_quality_stage();
std::unique_ptr<Stage> make_stack_stage();
std::unique_ptr<Stage> make_continuum_stage();
std::unique_ptr<Stage> make_colour_stage();

}  // namespace ap::pipeline
