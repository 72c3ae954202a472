// Solving through the nova.astrometry.net web service, as the original did,
// as a client of its JSON API: log in, upload the star list once with the
// original's settings and hints, follow that one submission until its job
// ends (never resubmitting it, unlike the original on a timeout), and fetch
// the job's WCS and the catalogue stars of its field. The WCS is then
// refitted and checked exactly as the local backend's (refine_solution), so
// both give the same header and checks.
#pragma once

#include <string>
#include <vector>

#include "astrometry/solve.h"

namespace ap::astrometry {

struct NovaOptions {
  std::string url;       // default: AP_NOVA_URL, else https://nova.astrometry.net
  std::string api_key;   // never logged nor written to a file
  double poll_s = 1.0;   // between status requests
  double retry_s = 1.0;  // first wait after a network error or HTTP 5xx, doubled each time
  int retries = 4;

  static NovaOptions defaults();
};

// The API key: `option` when not empty, else AP_ASTROMETRY_API_KEY, else
// api_key in the [astrometry_net] section of ~/.astropy/config/astroquery.cfg
// (where the original read it). Throws ap::Error (kUsage) when there is none.
std::string nova_api_key(const std::string& option);

// options.timeout_s bounds the whole exchange. A failed job or a timeout is
// a Solution with its reason; throws ap::Error (kFailed) when the service
// cannot be reached, refuses the key or answers nonsense.
Solution solve_nova(const std::vector<Detection>& stars, double width, double height, const SolveHints& hints,
                    const SolveOptions& options, const NovaOptions& nova);

}  // namespace ap::astrometry
