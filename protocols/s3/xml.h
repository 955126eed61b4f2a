#pragma once

#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "backend/api/status.h"

namespace tessera::s3 {

inline constexpr char kS3Namespace[] = "http://s3.amazonaws.com/doc/2006-03-01/";

// A document with a root element (namespaced unless `bare`); Serialize() adds the XML
// declaration.
pugi::xml_node NewDocument(pugi::xml_document& doc, const char* root, bool bare = false);
// Appends <name>text</name>.
pugi::xml_node AddText(pugi::xml_node parent, const char* name, std::string_view text);
std::string Serialize(const pugi::xml_document& doc);

// Parses a request body. kMalformedXml when it does not parse or the root differs.
Result<pugi::xml_node> ParseBody(pugi::xml_document& doc, std::string_view body, const char* root);

}  // namespace tessera::s3
