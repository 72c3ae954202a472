// The nova.astrometry.net backend against a stand-in server on 127.0.0.1
// (tests/peers/nova_server.py): a solved job refitted and checked as the
// local backend does, a failed job, a job that outlives the timeout, a reply
// that is not JSON, HTTP 500, a refused key, an unreachable server, the
// key's sources, and `ap solve --backend nova` writing the same header
// without the key anywhere.
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "astrometry/nova.h"
#include "pipeline/run.h"
#include "sim/simulate.h"
#include "core/error.h"
#include "core/fits.h"
#include "core/wcs.h"
#include "support.h"

namespace ap {
namespace {

namespace fs = std::filesystem;
using namespace astrometry;

constexpr double kWidth = 1000, kHeight = 800;

// The truth: a 1.5"/px frame, 80 catalogue stars in it (and 20 beyond), detected at 0.05 px.
struct Field {
  Wcs truth = Wcs::tan({500.5, 400.5}, {210.0, 54.3}, {-4.1e-4, 1.2e-5, 1.0e-5, 4.1e-4});
  std::vector<Detection> stars;
  std::vector<Reference> refs;
  Field() {
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> u(-0.2, 1.2);
    std::normal_distribution<double> jitter(0.0, 0.05);
    while (refs.size() < 100) {
      const double x = u(rng) * kWidth, y = u(rng) * kHeight;
      const bool inside = x > 0 && y > 0 && x < kWidth - 1 && y < kHeight - 1;
      if (inside == (stars.size() >= 80)) continue;
      const SkyCoord s = truth.pixel_to_sky({x, y});
      refs.push_back({s.ra, s.dec});
      if (inside) stars.push_back({x + 1.0 + jitter(rng), y + 1.0 + jitter(rng)});
    }
  }
};

// Starts the stand-in with the job's files: a WCS 3 px and 0.05 degree off the truth, and the refs.
class NovaServer {
 public:
  NovaServer(const test::TempDir& dir, const Field& f) : dir_(dir) {
    const SkyCoord off = f.truth.pixel_to_sky({502.0, 401.5});
    const double a = 0.05 * std::numbers::pi / 180.0;
    Header h;
    Wcs::tan({500.5, 400.5}, off, {-4.1e-4 * std::cos(a), 4.1e-4 * std::sin(a), 4.1e-4 * std::sin(a), 4.1e-4 * std::cos(a)})
        .to_header(h);
    write_image(dir / "job.wcs", Image(1, 1), h);
    std::vector<double> ra, dec;
    for (const Reference& r : f.refs) ra.push_back(r.ra), dec.push_back(r.dec);
    Table t;
    t.columns = {{"RA", "deg", ra}, {"DEC", "deg", dec}};
    FitsWriter w(dir / "job.rdls");
    w.add_empty({});
    w.add_table(t, {}, "RDLS");
    w.commit();
    const std::string d = dir.path().string();
    const std::string cmd = fmt::format("/usr/bin/python3 '{}' '{}/port' '{}/job.wcs' '{}/job.rdls' '{}/requests.log' > /dev/null 2>&1 &",
                                        test::peer_script("nova_server.py").string(), d, d, d, d);
    EXPECT_EQ(test::run("/bin/sh", fmt::format("-c \"{}\"", cmd)).exit_code, 0);
    for (int i = 0; i < 200 && !fs::exists(dir / "port"); ++i) test::run("/bin/sleep", "0.05");
    url_ = "http://127.0.0.1:" + test::read_text(dir / "port");
  }
  const std::string& url() const { return url_; }
  std::vector<nlohmann::json> requests() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_ / "requests.log");
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }

 private:
  const test::TempDir& dir_;
  std::string url_;
};

NovaOptions quick(const std::string& url, const std::string& key) {
  NovaOptions o;
  o.url = url;
  o.api_key = key;
  o.poll_s = 0.05;
  o.retry_s = 0.05;
  return o;
}

TEST(Nova, SolvedJobIsRefittedAndCheckedLikeTheLocalBackend) {
  test::TempDir dir;
  const Field f;
  const NovaServer server(dir, f);
  SolveHints hints;
  hints.ra = 210.01, hints.dec = 54.29, hints.scale_arcsec = 1.48;
  SolveOptions o;
  o.timeout_s = 20;
  const Solution s = solve_nova(f.stars, kWidth, kHeight, hints, o, quick(server.url(), "key-good"));
  ASSERT_TRUE(s.solved) << s.reason;
  EXPECT_EQ(s.index, "nova job 101");
  EXPECT_GE(s.matches.size(), 75u);
  EXPECT_EQ(s.cards.get("AST_IDX", ""), "nova job 101");
  EXPECT_DOUBLE_EQ(s.cards.get("CRPIX1", 0.0), 500.5);
  // Against the truth across the field: the 3 px / 0.05 degree offset of the job's WCS is gone.
  const Wcs ours = *Wcs::from_header(s.cards);
  double worst = 0.0;
  for (double y = 0; y < kHeight; y += 99.0)
    for (double x = 0; x < kWidth; x += 99.0) {
      const PixelCoord p = f.truth.sky_to_pixel(ours.pixel_to_sky({x, y}));
      worst = std::max(worst, std::hypot(p.x - x, p.y - y));
    }
  EXPECT_LT(worst, 0.05);
  // One upload with the original's settings; the submission followed through an HTTP 500.
  int uploads = 0, status_polls = 0;
  for (const auto& r : server.requests()) {
    if (r["path"] == "/api/url_upload") {
      ++uploads;
      const auto& q = r["request"];
      EXPECT_EQ(q["parity"], 2);
      EXPECT_EQ(q["positional_error"], 10);
      EXPECT_EQ(q["crpix_center"], true);
      EXPECT_EQ(q["publicly_visible"], "n");
      EXPECT_EQ(q["x"].size(), 80u);
      EXPECT_NEAR(q["scale_lower"].get<double>(), 1.48 / 1.3, 1e-9);
      EXPECT_DOUBLE_EQ(q["radius"].get<double>(), 2.0);  // ceil(0.53 deg field x 1.5 x 1.3)
    }
    status_polls += r["path"] == "/api/submissions/1";
  }
  EXPECT_EQ(uploads, 1);
  EXPECT_GE(status_polls, 3);
}

TEST(Nova, FailedSlowBrokenAndRefusedExchanges) {
  test::TempDir dir;
  const Field f;
  const NovaServer server(dir, f);
  SolveOptions o;
  o.timeout_s = 1.5;
  const auto solve = [&](const std::string& key) { return solve_nova(f.stars, kWidth, kHeight, {}, o, quick(server.url(), key)); };
  Solution s = solve("key-failing");
  EXPECT_FALSE(s.solved);
  EXPECT_NE(s.reason.find("job 102 failed"), std::string::npos) << s.reason;
  // A job that outlives the timeout: no solution, and never a second upload.
  const auto t0 = std::chrono::steady_clock::now();
  s = solve("key-slow");
  EXPECT_FALSE(s.solved);
  EXPECT_NE(s.reason.find("within 1.5 s"), std::string::npos) << s.reason;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 3.0);
  int uploads = 0;
  for (const auto& r : server.requests()) uploads += r["path"] == "/api/url_upload" && r["request"]["session"] == "slow";
  EXPECT_EQ(uploads, 1);
  const auto error_of = [&](const std::string& key) {
    try {
      solve(key);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ExitCode::kFailed);
      EXPECT_EQ(std::string(e.what()).find(key), std::string::npos) << "the key leaked: " << e.what();
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("key-garbled").find("malformed reply"), std::string::npos);
  EXPECT_NE(error_of("key-broken").find("HTTP 500 (after 5 attempts)"), std::string::npos);
  EXPECT_NE(error_of("key-wrong").find("bad apikey"), std::string::npos);
  NovaOptions nowhere = quick("http://127.0.0.1:9", "key-good");
  nowhere.retries = 1;
  try {
    solve_nova(f.stars, kWidth, kHeight, {}, o, nowhere);
    ADD_FAILURE() << "an unreachable server solved";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:9"), std::string::npos) << e.what();
  }
}

TEST(Nova, KeyFromOptionEnvironmentOrAstroqueryConfig) {
  test::TempDir dir;
  const std::string home = std::getenv("HOME") ? std::getenv("HOME") : "";
  ::setenv("HOME", dir.path().c_str(), 1);
  ::unsetenv("AP_ASTROMETRY_API_KEY");
  EXPECT_THROW(nova_api_key(""), Error);
  fs::create_directories(dir / ".astropy/config");
  std::ofstream(dir / ".astropy/config/astroquery.cfg") << "[other]\napi_key = no\n[astrometry_net]\n api_key = from-config \n";
  EXPECT_EQ(nova_api_key(""), "from-config");
  ::setenv("AP_ASTROMETRY_API_KEY", "from-env", 1);
  EXPECT_EQ(nova_api_key(""), "from-env");
  EXPECT_EQ(nova_api_key("from-option"), "from-option");
  ::unsetenv("AP_ASTROMETRY_API_KEY");
  ::setenv("HOME", home.c_str(), 1);
}

TEST(NovaCli, SolvesWithoutWritingTheKeyAndNeedsOne) {
  test::TempDir dir;
  const Field f;
  const NovaServer server(dir, f);
  const std::string d = dir.path().string();
  Header ih;
  ih.set("EXPTIME", 60.0);
  write_image(dir / "img.fits", Image(1000, 800, 10.0f), ih);
  Header sh;
  sh.set("IMG_FILE", (dir / "img.fits").string());
  sh.set("IMG_COLS", 1000);
  sh.set("IMG_ROWS", 800);
  sh.set("APRX_RA", 210.01);
  sh.set("APRX_DEC", 54.29);
  std::vector<double> x, y;
  for (const Detection& s : f.stars) x.push_back(s.x), y.push_back(s.y);
  Table xy;
  xy.columns = {{"X", "pix", x}, {"Y", "pix", y}};
  {
    FitsWriter w(dir / "src.fits");
    w.add_empty(sh);
    w.add_table(xy, {}, "AP_XYPOS");
    w.commit();
  }
  const auto r = test::run("/bin/sh", fmt::format("-c \"AP_NOVA_URL={} {} solve '{}/img.fits' '{}/src.fits' '{}/nav.fits' --backend nova --key key-good\"",
                                                  server.url(), AP_BINARY, d, d, d));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("key-good"), std::string::npos) << r.err;
  const Header h = read_hdu_list(dir / "nav.fits").front().header;
  EXPECT_EQ(h.get("AST_IDX", ""), "nova job 101");
  EXPECT_GE(h.get("AST_NMAT", 0), 75);
  EXPECT_EQ(test::read_text(dir / "nav.fits").find("key-good"), std::string::npos);
  EXPECT_EQ(test::read_text(dir / "src.fits").find("key-good"), std::string::npos);
  // No key anywhere: a usage error before anything is sent.
  const auto none = test::run("/bin/sh", fmt::format("-c \"HOME='{}' AP_NOVA_URL={} {} solve '{}/img.fits' '{}/src.fits' '{}/n2.fits' --backend nova\"",
                                                     d, server.url(), AP_BINARY, d, d, d));
  EXPECT_EQ(none.exit_code, 2) << none.err;
  EXPECT_NE(none.err.find("API key"), std::string::npos) << none.err;
  EXPECT_FALSE(fs::exists(dir / "n2.fits"));
}

// ap run with solve.backend nova: the frames go to the service (here its
// jobs fail, so every solve step fails with the job's reason); without a key
// the run is refused before anything runs.
TEST(NovaRun, SolveStepUsesTheServiceAndNeedsAKey) {
  test::TempDir dir;
  const Field f;
  const NovaServer server(dir, f);
  sim::SimulateOptions so;
  so.output_dir = dir / "night";
  so.width = so.height = 128;
  so.filters = {"Red"};
  so.frames = 2;
  so.calibration = false;
  so.max_stars = 200;
  sim::simulate(so);
  std::ofstream(dir / "run.yaml") << "run:\n  stages: [metadata, stars, solve]\nsolve:\n  backend: nova\n  timeout: 20\n";
  pipeline::RunOptions ro;
  ro.config = dir / "run.yaml";
  ro.data_dir = dir / "night/data";
  ro.out_dir = dir / "out";
  const std::string home = std::getenv("HOME") ? std::getenv("HOME") : "";
  ::setenv("HOME", dir.path().c_str(), 1);  // no astroquery.cfg there
  ::unsetenv("AP_ASTROMETRY_API_KEY");
  try {
    pipeline::run_night(ro);
    ADD_FAILURE() << "ran without a key";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::kUsage);
    EXPECT_NE(std::string(e.what()).find("AP_ASTROMETRY_API_KEY"), std::string::npos) << e.what();
  }
  ::setenv("AP_ASTROMETRY_API_KEY", "key-failing", 1);
  ::setenv("AP_NOVA_URL", server.url().c_str(), 1);
  const pipeline::RunSummary s = pipeline::run_night(ro);
  ::unsetenv("AP_ASTROMETRY_API_KEY");
  ::unsetenv("AP_NOVA_URL");
  ::setenv("HOME", home.c_str(), 1);
  int solves = 0;
  for (std::size_t i = 0; i < s.tasks.size(); ++i) {
    if (s.tasks[i].stage != "solve") continue;
    ++solves;
    EXPECT_EQ(s.results[i].outcome, pipeline::Outcome::kFail);
    EXPECT_NE(s.results[i].reason.find("astrometry.net job 102 failed"), std::string::npos) << s.results[i].reason;
  }
  EXPECT_EQ(solves, 2);
}

}  // namespace
}  // namespace ap
