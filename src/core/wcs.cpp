#include "core/wcs.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

// Only these wcslib headers: wcslib.h drags in fitshdr.h, whose int64 clashes
// with tiffio.h (see DEPENDENCIES.md).
#include <wcslib/wcs.h>
#include <wcslib/wcsfix.h>
#include <wcslib/wcshdr.h>

#include "core/error.h"

namespace ap {
namespace {

constexpr std::size_t kCardLength = 80;
constexpr std::size_t kBlock = 4096;  // points per wcslib call; bounds scratch memory

void free_wcsprm(wcsprm* wcs) {
  wcsfree(wcs);
  delete wcs;
}

// wcslib's detailed messages (wcserr_enable) are left off: 7.12 leaks the old
// message whenever a new one replaces it. The status text plus the axis types
// of the offending description say enough.
std::string message(const wcsprm& wcs, int status) {
  std::string text = status > 0 && status <= WCSERR_NON_SEPARABLE
                         ? wcs_errmsg[status]
                         : "wcslib status " + std::to_string(status);
  if (wcs.naxis >= 2 && wcs.ctype != nullptr) {
    text += std::string(" (CTYPE1 '") + wcs.ctype[0] + "', CTYPE2 '" + wcs.ctype[1] + "')";
  }
  return text;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(' ') - first + 1);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "<prefix><n>", e.g. CRPIX1.
bool indexed(std::string_view key, std::string_view prefix) {
  return key.starts_with(prefix) && all_digits(key.substr(prefix.size()));
}

// "<prefix><i>_<j>", e.g. CD1_2, PV2_10, A_3_0.
bool pair_indexed(std::string_view key, std::string_view prefix) {
  if (!key.starts_with(prefix)) return false;
  const std::string_view rest = key.substr(prefix.size());
  const auto sep = rest.find('_');
  return sep != std::string_view::npos && all_digits(rest.substr(0, sep)) &&
         all_digits(rest.substr(sep + 1));
}

// Keywords of the primary WCS, including SIP, TPV (PVi_m) and Paper IV distortions.
bool is_wcs_key(std::string_view key) {
  static constexpr std::string_view kExact[] = {
      "WCSAXES", "WCSNAME", "LONPOLE",  "LATPOLE",  "RADESYS",  "RADECSYS", "EQUINOX",
      "EPOCH",   "A_ORDER", "B_ORDER",  "AP_ORDER", "BP_ORDER", "A_DMAX",   "B_DMAX"};
  static constexpr std::string_view kIndexed[] = {"CTYPE", "CUNIT", "CRVAL", "CRPIX", "CDELT",
                                                  "CROTA", "CPDIS", "CQDIS", "CPERR", "CQERR",
                                                  "DP",    "DQ"};
  static constexpr std::string_view kPairs[] = {"CD", "PC", "PV", "PS", "A_", "B_", "AP_", "BP_"};
  const auto is = [key](std::string_view k) { return key == k; };
  const auto has_index = [key](std::string_view p) { return indexed(key, p); };
  const auto has_pair = [key](std::string_view p) { return pair_indexed(key, p); };
  return std::any_of(std::begin(kExact), std::end(kExact), is) ||
         std::any_of(std::begin(kIndexed), std::end(kIndexed), has_index) ||
         std::any_of(std::begin(kPairs), std::end(kPairs), has_pair);
}

// The header as the 80-character card image wcspih() parses. Cards that
// cannot hold a WCS keyword (commentary, HIERARCH, overlong values) are left out.
std::string card_image(const Header& header) {
  std::string text;
  for (const auto& card : header.cards()) {
    if (card.key.empty() || card.key.size() > 8 || card.key == "HISTORY" ||
        card.key == "COMMENT") {
      continue;
    }
    std::string line = card.key;
    line.resize(8, ' ');
    line += "= " + format_value(card.value);
    if (line.size() > kCardLength) continue;
    line.resize(kCardLength, ' ');
    text += line;
  }
  return text;
}

// Parses one well-formed card as written by wcshdo().
std::optional<Header::Card> parse_card(std::string_view record) {
  if (record.size() < 10 || record.substr(8, 2) != "= ") return std::nullopt;
  Header::Card card{std::string(trim(record.substr(0, 8))), {}, {}};
  std::string_view rest = record.substr(10);
  rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));
  if (rest.starts_with('\'')) {
    std::string text;
    std::size_t i = 1;
    for (; i < rest.size(); ++i) {
      if (rest[i] == '\'') {
        if (i + 1 >= rest.size() || rest[i + 1] != '\'') break;
        ++i;  // '' is an escaped quote
      }
      text += rest[i];
    }
    card.value = std::string(trim(text));
    rest.remove_prefix(std::min(i + 1, rest.size()));
  } else {
    const std::string_view token = trim(rest.substr(0, rest.find('/')));
    if (token == "T" || token == "F") {
      card.value = token == "T";
    } else if (token.find_first_of(".EeDd") != std::string_view::npos) {
      std::string number(token);
      std::replace(number.begin(), number.end(), 'D', 'E');
      card.value = std::strtod(number.c_str(), nullptr);
    } else if (!token.empty()) {
      std::int64_t n = 0;
      std::from_chars(token.data(), token.data() + token.size(), n);
      card.value = n;
    }
  }
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    card.comment = std::string(trim(rest.substr(slash + 1)));
  }
  return card;
}

// Determinant of CDELT * PC in degrees^2 per pixel^2; valid after wcsset(),
// which has turned CD or CROTA into PC and CDELT. (lin.piximg is not always
// allocated: linset() skips it for a unit matrix.)
double linear_determinant(const wcsprm& wcs) {
  const double* pc = wcs.pc;
  return wcs.cdelt[0] * wcs.cdelt[1] * (pc[0] * pc[3] - pc[1] * pc[2]);
}

// wcsset() plus the check it leaves out (it accepts a singular matrix).
void set_up(wcsprm& wcs) {
  if (const int status = wcsset(&wcs); status != 0) {
    throw Error(ExitCode::kBadInput, "invalid WCS: " + message(wcs, status));
  }
  const double det = linear_determinant(wcs);
  if (!std::isfinite(det) || det == 0.0) {
    throw Error(ExitCode::kBadInput, "invalid WCS: singular CD/PC matrix");
  }
}

// Which element of a wcslib coordinate pair holds each of our two values, and
// what to add on the way in (FITS pixels are 1-based, ours 0-based).
struct Layout {
  int first;
  int second;
  double offset;
};

enum class Direction { kPixelToSky, kSkyToPixel };

// Runs wcsp2s/wcss2p over whole arrays in blocks; failed points give NaN.
void transform(wcsprm& wcs, Direction direction, std::span<const double> a,
               std::span<const double> b, std::span<double> out_a, std::span<double> out_b) {
  if (b.size() != a.size() || out_a.size() != a.size() || out_b.size() != a.size()) {
    throw Error(ExitCode::kFailed, "WCS transform: coordinate arrays differ in length");
  }
  const bool forward = direction == Direction::kPixelToSky;
  const Layout pixel{0, 1, 1.0};
  const Layout sky{wcs.lng, wcs.lat, 0.0};
  const Layout& in = forward ? pixel : sky;
  const Layout& out = forward ? sky : pixel;
  const int bad_point = forward ? WCSERR_BAD_PIX : WCSERR_BAD_WORLD;

  const std::size_t capacity = std::min(a.size(), kBlock);
  std::vector<double> input(2 * capacity), img(2 * capacity), output(2 * capacity);
  std::vector<double> phi(capacity), theta(capacity);
  std::vector<int> stat(capacity);
  for (std::size_t start = 0; start < a.size(); start += kBlock) {
    const std::size_t n = std::min(kBlock, a.size() - start);
    for (std::size_t i = 0; i < n; ++i) {
      input[2 * i + in.first] = a[start + i] + in.offset;
      input[2 * i + in.second] = b[start + i] + in.offset;
    }
    const int count = static_cast<int>(n);
    const int status =
        forward ? wcsp2s(&wcs, count, 2, input.data(), img.data(), phi.data(), theta.data(),
                         output.data(), stat.data())
                : wcss2p(&wcs, count, 2, input.data(), phi.data(), theta.data(), img.data(),
                         output.data(), stat.data());
    if (status != 0 && status != bad_point) {
      throw Error(ExitCode::kFailed, "WCS transform failed: " + message(wcs, status));
    }
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i = 0; i < n; ++i) {
      const bool ok = status == 0 || stat[i] == 0;
      out_a[start + i] = ok ? output[2 * i + out.first] - out.offset : kNaN;
      out_b[start + i] = ok ? output[2 * i + out.second] - out.offset : kNaN;
    }
  }
}

}  // namespace

Wcs::Wcs() : wcs_(new wcsprm{}, &free_wcsprm) {
  wcs_->flag = -1;  // tells wcsini/wcssub that nothing is allocated yet
}

Wcs::Wcs(const Wcs& other) : Wcs() {
  if (const int status = wcssub(1, other.wcs_.get(), nullptr, nullptr, wcs_.get()); status != 0) {
    throw Error(ExitCode::kFailed, "cannot copy WCS: " + message(*other.wcs_, status));
  }
  set_up(*wcs_);
}

Wcs& Wcs::operator=(const Wcs& other) {
  if (this != &other) {
    Wcs copy(other);
    std::swap(wcs_, copy.wcs_);
  }
  return *this;
}

Wcs::Wcs(Wcs&&) noexcept = default;
Wcs& Wcs::operator=(Wcs&&) noexcept = default;
Wcs::~Wcs() = default;

std::optional<Wcs> Wcs::from_header(const Header& header) {
  std::string text = card_image(header);
  int rejected = 0;
  int count = 0;
  wcsprm* parsed = nullptr;
  const int status = wcspih(text.data(), static_cast<int>(text.size() / kCardLength),
                            WCSHDR_all, 0, &rejected, &count, &parsed);
  if (status != 0) {
    throw Error(ExitCode::kBadInput, "invalid WCS: header parser failed (wcslib status " +
                                         std::to_string(status) + ")");
  }
  const auto release = [&count](wcsprm* p) { wcsvfree(&count, &p); };
  const std::unique_ptr<wcsprm, decltype(release)> guard(parsed, release);

  // The primary description comes first, then the alternates A..Z.
  for (int k = 0; k < count; ++k) {
    Wcs result;
    int naxes = 1;
    int axes[2] = {WCSSUB_CELESTIAL, 0};
    if (const int sub = wcssub(1, &parsed[k], &naxes, axes, result.wcs_.get()); sub != 0) {
      throw Error(ExitCode::kBadInput, "invalid WCS: " + message(parsed[k], sub));
    }
    if (naxes == 0) continue;  // not celestial
    if (naxes != 2) throw Error(ExitCode::kBadInput, "invalid WCS: unmatched celestial axes");
    int fix_status[NWCSFIX];
    // Bit 1 allows translating non-standard unit strings such as 'DEG'; the
    // individual fixes may fail harmlessly, wcsset() then judges the result.
    wcsfix(1, nullptr, result.wcs_.get(), fix_status);
    set_up(*result.wcs_);
    return result;
  }
  return std::nullopt;
}

Wcs Wcs::tan(const PixelCoord& crpix, const SkyCoord& crval, const std::array<double, 4>& cd) {
  return projected("TAN", crpix, crval, cd);
}

Wcs Wcs::projected(std::string_view code, const PixelCoord& crpix, const SkyCoord& crval,
                   const std::array<double, 4>& cd) {
  const auto unknown = [&] {
    return Error(ExitCode::kUsage, "unknown projection '" + std::string(code) + "' (a FITS code: TAN, SIN, ZEA, STG, ARC, CAR...)");
  };
  if (code.size() != 3 || !std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
    throw unknown();
  Wcs result;
  wcsprm& w = *result.wcs_;
  if (const int status = wcsini(1, 2, &w); status != 0) {
    throw Error(ExitCode::kFailed, "cannot create WCS: " + message(w, status));
  }
  std::snprintf(w.ctype[0], sizeof w.ctype[0], "RA---%.3s", code.data());
  std::snprintf(w.ctype[1], sizeof w.ctype[1], "DEC--%.3s", code.data());
  w.crpix[0] = crpix.x;
  w.crpix[1] = crpix.y;
  w.crval[0] = crval.ra;
  w.crval[1] = crval.dec;
  std::copy(cd.begin(), cd.end(), w.cd);
  w.altlin |= 2;  // the CD matrix is given
  try {
    set_up(w);
  } catch (const Error&) {
    throw unknown();
  }
  return result;
}

SkyCoord Wcs::pixel_to_sky(const PixelCoord& p) const {
  SkyCoord s;
  pixel_to_sky({&p.x, 1}, {&p.y, 1}, {&s.ra, 1}, {&s.dec, 1});
  return s;
}

PixelCoord Wcs::sky_to_pixel(const SkyCoord& s) const {
  PixelCoord p;
  sky_to_pixel({&s.ra, 1}, {&s.dec, 1}, {&p.x, 1}, {&p.y, 1});
  return p;
}

void Wcs::pixel_to_sky(std::span<const double> x, std::span<const double> y,
                       std::span<double> ra, std::span<double> dec) const {
  transform(*wcs_, Direction::kPixelToSky, x, y, ra, dec);
}

void Wcs::sky_to_pixel(std::span<const double> ra, std::span<const double> dec,
                       std::span<double> x, std::span<double> y) const {
  transform(*wcs_, Direction::kSkyToPixel, ra, dec, x, y);
}

double Wcs::pixel_scale_arcsec() const {
  return std::sqrt(std::abs(linear_determinant(*wcs_))) * 3600.0;
}

void Wcs::to_header(Header& header) const {
  int count = 0;
  char* text = nullptr;
  // 17 significant digits so that the cards read back to the same doubles.
  const int status = wcshdo(WCSHDO_safe | WCSHDO_P17, wcs_.get(), &count, &text);
  // wcshdo() allocates with malloc (wcsdealloc() is free()).
  const auto release = [](char* p) { std::free(p); };
  const std::unique_ptr<char, decltype(release)> guard(text, release);
  if (status != 0) {
    throw Error(ExitCode::kFailed, "cannot write WCS: " + message(*wcs_, status));
  }
  erase_from(header);
  const std::string_view cards(text, static_cast<std::size_t>(count) * kCardLength);
  for (std::size_t at = 0; at < cards.size(); at += kCardLength) {
    // Other cards (MJDREF, DATE-OBS, COMMENT...) are not ours to rewrite.
    const auto card = parse_card(cards.substr(at, kCardLength));
    if (card && is_wcs_key(card->key)) header.set(card->key, card->value, card->comment);
  }
}

void Wcs::erase_from(Header& header) {
  std::vector<std::string> keys;
  for (const auto& card : header.cards()) {
    if (is_wcs_key(card.key)) keys.push_back(card.key);
  }
  for (const auto& key : keys) header.erase(key);
}

}  // namespace ap
