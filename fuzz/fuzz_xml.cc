// XML request bodies: Blob block lists, container ACLs and service properties (CORS), and
// the S3 documents read through ParseBody (DeleteObjects, CompleteMultipartUpload,
// CreateBucketConfiguration, tagging).

#include <cstddef>
#include <cstdint>
#include <pugixml.hpp>
#include <string_view>

#include "protocols/blob/render.h"
#include "protocols/s3/xml.h"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)blob::ParseBlockList(body);
  (void)blob::ParseContainerAcl(body);
  (void)blob::ParseServiceProperties(body, ServiceSettings{});
  for (const char* root :
       {"Delete", "CompleteMultipartUpload", "CreateBucketConfiguration", "Tagging"}) {
    pugi::xml_document doc;
    auto node = s3::ParseBody(doc, body, root);
    if (!node.ok()) continue;
    for (pugi::xml_node child : node->children()) (void)child.child_value();
  }
  return 0;
}
