// ap info FILE... [--json] [--header]
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "core/fits.h"
#include "core/summary.h"
#include "core/wcs.h"

namespace ap::cli {
namespace {

struct InfoArgs {
  std::vector<std::string> files;
  bool json = false;
  bool header = false;
};

constexpr const char* kKeyKeywords[] = {"DATE-OBS", "EXPTIME",  "EXPOSURE", "FILTER", "IMAGETYP",
                                        "XBINNING", "CCD-TEMP", "TELESCOP", "OBJECT"};

const char* type_name(HduType t) {
  switch (t) {
    case HduType::kImage: return "IMAGE";
    case HduType::kBinaryTable: return "BINTABLE";
    case HduType::kAsciiTable: return "TABLE";
  }
  return "?";
}

nlohmann::json value_json(const Header::Value& v) {
  return std::visit([](const auto& x) -> nlohmann::json {
    if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::monostate>) {
      return nullptr;
    } else {
      return x;
    }
  }, v);
}

nlohmann::json describe_hdu(const std::string& path, const HduInfo& hdu) {
  nlohmann::json j = {{"index", hdu.index},   {"type", type_name(hdu.type)},
                      {"extname", hdu.extname}, {"shape", hdu.shape},
                      {"bitpix", hdu.bitpix},  {"bzero", hdu.bzero},
                      {"bscale", hdu.bscale},  {"compressed", hdu.compressed}};
  nlohmann::json keys = nlohmann::json::object();
  for (const char* key : kKeyKeywords) {
    if (const Header::Card* card = hdu.header.find(key)) keys[key] = value_json(card->value);
  }
  j["keywords"] = keys;
  j["wcs"] = Wcs::from_header(hdu.header).has_value();
  if (hdu.type == HduType::kImage && !hdu.shape.empty()) {
    const FitsImage image = read_image(path, {std::to_string(hdu.index), true});
    const PixelSummary s = summarize_pixels(image.image);
    j["stats"] = {{"pixels", s.pixels},        {"nan_count", s.nan_count},
                  {"min", s.min},              {"max", s.max},
                  {"median", s.median},        {"clipped_mean", s.clipped_mean},
                  {"clipped_std", s.clipped_std}};
  }
  nlohmann::json cards = nlohmann::json::array();
  for (const Header::Card& c : hdu.header.cards()) {
    cards.push_back({{"key", c.key}, {"value", value_json(c.value)}, {"comment", c.comment}});
  }
  j["cards"] = cards;
  return j;
}

std::string shape_text(const nlohmann::json& shape) {
  std::string s;
  for (const auto& n : shape) s += (s.empty() ? "" : "x") + std::to_string(n.get<long>());
  return s.empty() ? "no data" : s;
}

void print_text(const std::string& path, const nlohmann::json& hdus, bool with_header) {
  fmt::print("{}\n", path);
  for (const auto& h : hdus) {
    fmt::print("  HDU {}{} {} {} BITPIX {} BZERO {} BSCALE {}{}\n", h["index"].get<int>(),
               h["extname"].get<std::string>().empty() ? "" : " " + h["extname"].get<std::string>(),
               h["type"].get<std::string>(), shape_text(h["shape"]), h["bitpix"].get<int>(),
               h["bzero"].get<double>(), h["bscale"].get<double>(),
               h["compressed"].get<bool>() ? " (tile-compressed)" : "");
    std::string keys;
    for (const auto& [k, v] : h["keywords"].items()) keys += fmt::format(" {}={}", k, v.dump());
    if (!keys.empty()) fmt::print("    {}\n", keys.substr(1));
    fmt::print("    WCS: {}\n", h["wcs"].get<bool>() ? "yes" : "no");
    if (h.contains("stats")) {
      const auto& s = h["stats"];
      fmt::print("    pixels: min {:.6g} max {:.6g} median {:.6g} clipped mean {:.6g} std {:.6g} "
                 "NaN {}\n",
                 s["min"].get<double>(), s["max"].get<double>(), s["median"].get<double>(),
                 s["clipped_mean"].get<double>(), s["clipped_std"].get<double>(),
                 s["nan_count"].get<std::size_t>());
    }
    if (with_header) {
      for (const auto& c : h["cards"]) {
        const std::string key = c["key"].get<std::string>();
        const std::string comment = c["comment"].get<std::string>();
        if (key == "HISTORY" || key == "COMMENT") {  // commentary cards: text only
          fmt::print("    {:<8} {}\n", key, comment);
          continue;
        }
        const std::string value = c["value"].is_null() ? "" : c["value"].dump();
        fmt::print("    {:<8} = {}{}\n", key, value, comment.empty() ? "" : " / " + comment);
      }
    }
  }
}

void run_info(const InfoArgs& a) {
  nlohmann::json all = nlohmann::json::array();
  for (const std::string& path : a.files) {
    nlohmann::json hdus = nlohmann::json::array();
    for (const HduInfo& hdu : read_hdu_list(path)) hdus.push_back(describe_hdu(path, hdu));
    if (a.json) {
      if (!a.header) {
        for (auto& h : hdus) h.erase("cards");
      }
      all.push_back({{"file", path}, {"hdus", hdus}});
    } else {
      print_text(path, hdus, a.header);
    }
  }
  if (a.json) fmt::print("{}\n", all.dump(2));
}

}  // namespace

void add_info(CLI::App& app) {
  auto args = std::make_shared<InfoArgs>();
  CLI::App* cmd = app.add_subcommand(
      "info", "Describe FITS files: HDUs, shapes, key keywords, WCS and pixel statistics");
  cmd->add_option("FILE", args->files, "FITS files")->required();
  cmd->add_flag("--json", args->json, "Machine-readable output");
  cmd->add_flag("--header", args->header, "Also print every header card");
  cmd->callback([args] { run_info(*args); });
}

}  // namespace ap::cli
