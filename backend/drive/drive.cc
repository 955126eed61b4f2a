#include "backend/drive/drive.h"

#include <cstdio>

namespace tessera::drive {

std::string SegmentFileName(uint64_t segment) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016llx.seg", static_cast<unsigned long long>(segment));
  return buf;
}

bool ParseSegmentFileName(const std::string& name, uint64_t* segment) {
  if (name.size() != 20 || name.compare(16, 4, ".seg") != 0) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < 16; ++i) {
    const char c = name[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *segment = v;
  return true;
}

}  // namespace tessera::drive
