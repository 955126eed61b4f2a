#pragma once

#include <optional>
#include <string_view>

namespace tessera {

// The server's own log (not the access log): one line per event on standard error,
// "2026-12-07T15:48:50.123Z warn  message". Events below the level are dropped. The level
// may change at any time (SIGHUP re-reads it); thread-safe.
enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
bool LogEnabled(LogLevel level);
// "debug", "info", "warn", "error".
std::optional<LogLevel> ParseLogLevel(std::string_view name);
const char* LogLevelName(LogLevel level);
void Log(LogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));
// Names the calling thread as `top -H` and `ps -L` show it (at most 15 characters).
void NameThread(const char* name);

}  // namespace tessera
