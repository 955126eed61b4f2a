#include "common/time.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace tessera {
namespace {

constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::tm ToTm(int64_t micros) {
  std::time_t secs = static_cast<std::time_t>(micros / 1000000);
  if (micros < 0 && micros % 1000000 != 0) --secs;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

// Days from civil date (Howard Hinnant's algorithm): no dependence on the local zone.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<int64_t> MakeMicros(int year, int month, int day, int hour, int min, int sec,
                                  int64_t frac_micros) {
  // Years past four digits are no date a client means, and would overflow the microseconds.
  if (year < 0 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 ||
      hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60) {
    return std::nullopt;
  }
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return ((days * 24 + hour) * 60 + min) * 60 * 1000000LL + sec * 1000000LL + frac_micros;
}

int MonthIndex(const char* name) {
  for (int i = 0; i < 12; ++i) {
    if (strncmp(name, kMonths[i], 3) == 0) return i + 1;
  }
  return 0;
}

}  // namespace

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatHttpDate(int64_t micros) {
  std::tm tm = ToTm(micros);
  char buf[64];
  snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
           kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<int64_t> ParseHttpDate(std::string_view s) {
  std::string str(s);
  char wday[16] = {};
  char mon[4] = {};
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  int consumed = 0;
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  if (sscanf(str.c_str(), "%3s, %d %3s %d %d:%d:%d GMT%n", wday, &day, mon, &year, &hh, &mm, &ss,
             &consumed) == 7 &&
      consumed == static_cast<int>(str.size())) {
    return MakeMicros(year, MonthIndex(mon), day, hh, mm, ss, 0);
  }
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
  if (sscanf(str.c_str(), "%15[A-Za-z], %d-%3s-%d %d:%d:%d GMT%n", wday, &day, mon, &year, &hh, &mm,
             &ss, &consumed) == 7 &&
      consumed == static_cast<int>(str.size())) {
    year += year < 70 ? 2000 : (year < 100 ? 1900 : 0);
    return MakeMicros(year, MonthIndex(mon), day, hh, mm, ss, 0);
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  if (sscanf(str.c_str(), "%3s %3s %d %d:%d:%d %d%n", wday, mon, &day, &hh, &mm, &ss, &year,
             &consumed) == 7 &&
      consumed == static_cast<int>(str.size())) {
    return MakeMicros(year, MonthIndex(mon), day, hh, mm, ss, 0);
  }
  return std::nullopt;
}

std::string FormatIso8601Millis(int64_t micros) {
  std::tm tm = ToTm(micros);
  int64_t millis = (micros % 1000000 + 1000000) % 1000000 / 1000;
  char buf[64];
  snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  return buf;
}

std::string FormatAmzDate(int64_t micros) {
  std::tm tm = ToTm(micros);
  char buf[64];
  snprintf(buf, sizeof(buf), "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<int64_t> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = 0; i < len; ++i) v = v * 10 + (s[pos + i] - '0');
    return v;
  };
  return MakeMicros(num(0, 4), num(4, 2), num(6, 2), num(9, 2), num(11, 2), num(13, 2), 0);
}

std::optional<int64_t> ParseIso8601(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction]Z, or YYYY-MM-DD (midnight), or without seconds.
  std::string str(s);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, consumed = 0;
  if (sscanf(str.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3) return std::nullopt;
  if (consumed == static_cast<int>(str.size())) return MakeMicros(y, mo, d, 0, 0, 0, 0);
  const char* p = str.c_str() + consumed;
  int more = 0;
  if (sscanf(p, "T%2d:%2d%n", &h, &mi, &more) != 2) return std::nullopt;
  p += more;
  if (*p == ':') {
    if (sscanf(p, ":%2d%n", &sec, &more) != 1) return std::nullopt;
    p += more;
  }
  int64_t frac = 0;
  if (*p == '.') {
    ++p;
    int64_t scale = 100000;
    while (*p >= '0' && *p <= '9') {
      frac += (*p - '0') * scale;
      scale /= 10;
      ++p;
    }
  }
  if (std::string_view(p) != "Z") return std::nullopt;
  return MakeMicros(y, mo, d, h, mi, sec, frac);
}

}  // namespace tessera
