#include "common/log.h"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <string>

#include "common/time.h"

namespace tessera {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
constexpr const char* kNames[] = {"debug", "info", "warn", "error"};

}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load()); }

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  for (int i = 0; i < 4; ++i) {
    if (name == kNames[i]) return static_cast<LogLevel>(i);
  }
  return std::nullopt;
}

const char* LogLevelName(LogLevel level) { return kNames[static_cast<int>(level)]; }

void Log(LogLevel level, const char* format, ...) {
  if (!LogEnabled(level)) return;
  char message[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(message, sizeof(message), format, args);
  va_end(args);
  std::string_view text(message);
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::string line = FormatIso8601Millis(NowMicros());
  line += ' ';
  line += kNames[static_cast<int>(level)];
  line.append(6 - std::string_view(kNames[static_cast<int>(level)]).size(), ' ');
  line += text;
  line += '\n';
  // One write per line, so lines of concurrent threads do not interleave.
  (void)!::write(STDERR_FILENO, line.data(), line.size());
}

void NameThread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace tessera
