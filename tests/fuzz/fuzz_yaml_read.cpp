// libFuzzer target for the YAML files users write: the `ap run`
// configuration (pipeline/config) and the bad-pixel list of `ap badpix
// --user_badpix` (calib/badpix). Both must answer anything with an ap::Error,
// never a crash or another exception. Seeds: make_corpus.sh.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "calib/badpix.h"
#include "core/error.h"
#include "pipeline/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Both loaders read files, as users give them; the file goes at exit.
  static const struct Scratch {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("ap-fuzz-" + std::to_string(::getpid()) + ".yaml");
    ~Scratch() {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  } scratch;
  const std::filesystem::path& file = scratch.path;
  std::ofstream(file, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                static_cast<std::streamsize>(size));
  try {
    const ap::pipeline::Config config(file, {"run", "stars"});
    for (const char* name : {"run", "stars"}) {
      ap::pipeline::ConfigSection s = config.section(name);
      double d = 1.5;
      int i = 2;
      std::size_t n = 3;
      bool b = false;
      std::string text = "x";
      std::vector<std::string> list;
      s.value("jobs", i, "");
      s.value("sigma", d, "");
      s.value("count", n, "");
      s.value("enabled", b, "");
      s.value("data", text, "");
      s.value("stages", list, "");
      s.reject_unknown();
      (void)s.dump();
    }
  } catch (const ap::Error&) {
  }
  try {
    (void)ap::read_user_badpix(file);
  } catch (const ap::Error&) {
  }
  return 0;
}
