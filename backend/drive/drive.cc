#include "backend/drive/drive.h"

#include <cstdio>

namespace tessera::drive {

std::string FragmentId::Name() const {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%016llx.%u", static_cast<unsigned long long>(extent_id), index);
  return buf;
}

}  // namespace tessera::drive
