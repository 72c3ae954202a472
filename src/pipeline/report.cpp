#include "pipeline/report.h"

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/version.h"

namespace ap::pipeline {
namespace {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string base64(std::string_view bytes) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t v = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      v = v << 8 | (k < n ? static_cast<unsigned char>(bytes[i + k]) : 0U);
    }
    for (std::size_t k = 0; k < 4; ++k) {
      out += k <= n ? kDigits[(v >> (18 - 6 * k)) & 0x3FU] : '=';
    }
  }
  return out;
}

std::string img(const std::string& png, const std::string& alt, const char* css_class) {
  if (png.empty()) return "<span class=muted>none</span>";
  return fmt::format(R"(<img class={} alt="{}" src="data:image/png;base64,{}">)", css_class,
                     escape(alt), base64(png));
}

std::string figures(const std::vector<ReportImage>& images) {
  std::string out;
  for (const ReportImage& i : images) {
    out += fmt::format("<figure>{}<figcaption>{}</figcaption></figure>\n",
                       img(i.png, i.caption, "plot"), escape(i.caption));
  }
  return out;
}

std::string pairs(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string out;
  for (const auto& [key, value] : items) {
    out += fmt::format("<div><b>{}</b> {}</div>", escape(key), escape(value));
  }
  return out;
}

constexpr const char* kStyle = R"(
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 4px 6px;
  vertical-align: top; text-align: left; }
.thumb { width: 128px; } .plot { max-width: 480px; } figure { display: inline-block; }
.FAIL, .BLOCKED { background: #fdd; } .flag { color: #b00; } .muted { color: #888; }
pre { background: #f4f4f4; padding: 1em; overflow-x: auto; }
)";

}  // namespace

std::string render_report(const NightReport& r) {
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>{0}</title>"
      "<style>{1}</style></head><body>\n<h1>{0}</h1>\n<p class=muted>ap {2}</p>\n",
      escape(r.title), kStyle, kVersion);
  for (const ReportGroup& g : r.groups) {
    html += fmt::format("<h2>{}</h2>\n<table><tr><th>frame</th><th>status</th>"
                        "<th>calibration</th><th>quality</th><th>flags</th><th>image</th></tr>\n",
                        escape(g.key));
    for (const ReportFrame& f : g.frames) {
      std::string flags;
      for (const std::string& flag : f.flags) flags += fmt::format("<div>{}</div>", escape(flag));
      html += fmt::format(
          "<tr class={1}><td>{0}</td><td>{1}</td><td>{2}</td><td>{3}</td>"
          "<td class=flag>{4}</td><td>{5}</td></tr>\n",
          escape(f.name), escape(f.status), pairs(f.calibration), pairs(f.metrics), flags,
          img(f.thumbnail_png, f.name, "thumb"));
    }
    html += "</table>\n" + figures(g.plots);
  }
  if (!r.products.empty()) html += "<h2>Products</h2>\n" + figures(r.products);
  html += "<h2>Time per stage</h2>\n<table>";
  for (const auto& [stage, seconds] : r.stage_seconds) {
    html += fmt::format("<tr><td>{}</td><td>{:.1f} s</td></tr>", escape(stage), seconds);
  }
  html += fmt::format("</table>\n<h2>Run summary</h2>\n<pre>{}</pre>\n</body></html>\n",
                      escape(r.summary));
  return html;
}

void write_report(const std::filesystem::path& dir, const NightReport& report) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw output_error(dir.string(), "cannot create the report directory: " + ec.message());
  write_file_atomically(dir / "index.html", render_report(report));
}

}  // namespace ap::pipeline
