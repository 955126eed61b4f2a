#include <gtest/gtest.h>

#include "tests/store/store_fixture.h"

namespace tessera::store::testing {
namespace {

using ServiceSettingsTest = StoreTest;

TEST_F(ServiceSettingsTest, DefaultsUntilSetThenPersist) {
  auto initial = store_->GetServiceSettings("acct");
  ASSERT_TRUE(initial.ok());
  EXPECT_TRUE(initial->cors.empty());
  ServiceSettings settings;
  settings.default_service_version = "2021-08-06";
  CorsRule rule;
  rule.allowed_origins = {"https://example.com"};
  rule.allowed_methods = {"GET", "PUT"};
  rule.allowed_headers = {"x-ms-meta-*"};
  rule.exposed_headers = {"x-ms-request-id"};
  rule.max_age_seconds = 600;
  settings.cors = {rule};
  ASSERT_TRUE(store_->SetServiceSettings("acct", settings).ok());
  Reopen();
  auto back = store_->GetServiceSettings("acct");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->default_service_version, "2021-08-06");
  ASSERT_EQ(back->cors.size(), 1u);
  EXPECT_EQ(back->cors[0].allowed_methods, rule.allowed_methods);
  EXPECT_EQ(back->cors[0].allowed_headers, rule.allowed_headers);
  EXPECT_EQ(back->cors[0].max_age_seconds, 600u);
  EXPECT_TRUE(store_->GetServiceSettings("other")->cors.empty());
}

TEST_F(ServiceSettingsTest, AtMostFiveCorsRules) {
  ServiceSettings settings;
  settings.cors.resize(6);
  EXPECT_EQ(store_->SetServiceSettings("acct", settings).code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::store::testing
