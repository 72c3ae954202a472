#include "core/angles.h"

#include <charconv>
#include <cmath>
#include <string>

namespace ap {
namespace {

std::optional<double> number(std::string_view t) {
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  double v = 0.0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size() || t.empty() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

bool is_sexagesimal(std::string_view t) {
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  return t.find_first_of(": ") != std::string_view::npos;
}

// Header value as text (numbers are formatted back).
std::optional<std::string> text_of(const Header& h, std::string_view key) {
  if (auto s = h.get_string(key)) return s;
  if (auto d = h.get_double(key)) return std::to_string(*d);
  return std::nullopt;
}

}  // namespace

std::optional<double> parse_sexagesimal(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  const bool negative = !text.empty() && text.front() == '-';
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  double total = 0.0, scale = 1.0;
  int fields = 0;
  while (!text.empty()) {
    const std::size_t end = text.find_first_of(": ");
    const std::string_view field = text.substr(0, end);
    if (!field.empty()) {
      const auto v = number(field);
      if (!v || *v < 0 || fields == 3 || (fields > 0 && *v >= 60.0)) return std::nullopt;
      total += *v * scale;
      scale /= 60.0;
      ++fields;
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  if (fields == 0) return std::nullopt;
  return negative ? -total : total;
}

std::optional<double> parse_ra_deg(std::string_view text) {
  auto v = is_sexagesimal(text) ? parse_sexagesimal(text) : number(text);
  if (v && is_sexagesimal(text)) *v *= 15.0;  // hours
  if (!v || *v < 0.0 || *v >= 360.0) return std::nullopt;
  return v;
}

std::optional<double> parse_dec_deg(std::string_view text) {
  const auto v = is_sexagesimal(text) ? parse_sexagesimal(text) : number(text);
  if (!v || *v < -90.0 || *v > 90.0) return std::nullopt;
  return v;
}

std::optional<Pointing> header_pointing(const Header& header) {
  for (const auto& [rk, dk] : {std::pair{"RA-OBJ", "DEC-OBJ"}, std::pair{"OBJCTRA", "OBJCTDEC"},
                               std::pair{"RA", "DEC"}}) {
    const auto rt = text_of(header, rk), dt = text_of(header, dk);
    if (!rt || !dt) continue;
    const auto ra = parse_ra_deg(*rt), dec = parse_dec_deg(*dt);
    if (ra && dec) return Pointing{*ra, *dec};
  }
  return std::nullopt;
}

}  // namespace ap
