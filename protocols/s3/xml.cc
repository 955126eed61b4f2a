#include "protocols/s3/xml.h"

#include <sstream>

namespace tessera::s3 {

pugi::xml_node NewDocument(pugi::xml_document& doc, const char* root, bool bare) {
  auto node = doc.append_child(root);
  if (!bare) node.append_attribute("xmlns") = kS3Namespace;
  return node;
}

pugi::xml_node AddText(pugi::xml_node parent, const char* name, std::string_view text) {
  auto node = parent.append_child(name);
  node.append_child(pugi::node_pcdata).set_value(std::string(text).c_str());
  return node;
}

std::string Serialize(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw | pugi::format_no_declaration);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + out.str();
}

Result<pugi::xml_node> ParseBody(pugi::xml_document& doc, std::string_view body, const char* root) {
  auto parsed =
      doc.load_buffer(body.data(), body.size(), pugi::parse_default | pugi::parse_ws_pcdata_single,
                      pugi::encoding_utf8);
  if (!parsed) return Status(ErrorCode::kMalformedXml, "The XML you provided was not well-formed");
  pugi::xml_node node = doc.document_element();
  // Compare the local name: clients may or may not use a prefix.
  std::string_view name = node.name();
  if (size_t colon = name.find(':'); colon != std::string_view::npos) {
    name = name.substr(colon + 1);
  }
  if (name != root) {
    return Status(ErrorCode::kMalformedXml, "The XML you provided did not match the schema");
  }
  return node;
}

}  // namespace tessera::s3
