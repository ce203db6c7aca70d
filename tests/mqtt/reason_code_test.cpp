#include "mqtt/reason_code.h"

#include <gtest/gtest.h>

namespace trustmq::mqtt {
namespace {

TEST(ReasonCodeTest, Names) {
  EXPECT_EQ(reason_code_name(ReasonCode::kSuccess), "Success");
  EXPECT_EQ(reason_code_name(ReasonCode::kMalformedPacket), "Malformed Packet");
  EXPECT_EQ(reason_code_name(ReasonCode::kProtocolError), "Protocol Error");
  EXPECT_EQ(reason_code_name(ReasonCode::kPacketTooLarge), "Packet too large");
  EXPECT_EQ(reason_code_name(ReasonCode::kWildcardSubscriptionsNotSupported),
            "Wildcard Subscriptions not supported");
  EXPECT_EQ(reason_code_name(static_cast<ReasonCode>(0x03)), "Unknown reason code");
}

TEST(ReasonCodeTest, EveryDefinedCodeHasItsOwnName) {
  const std::uint8_t defined[] = {0x00, 0x01, 0x02, 0x04, 0x10, 0x11, 0x18, 0x19, 0x80, 0x81, 0x82,
                                  0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8D,
                                  0x8E, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
                                  0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
  std::vector<std::string_view> names;
  for (std::uint8_t code : defined) {
    const std::string_view name = reason_code_name(static_cast<ReasonCode>(code));
    EXPECT_NE(name, "Unknown reason code") << static_cast<int>(code);
    for (std::string_view other : names) EXPECT_NE(name, other);
    names.push_back(name);
  }
}

TEST(ReasonCodeTest, ConnackReturnCodes311) {
  EXPECT_EQ(to_connack_return_code_311(ReasonCode::kSuccess), ConnackReturnCode311::kAccepted);
  EXPECT_EQ(to_connack_return_code_311(ReasonCode::kUnsupportedProtocolVersion),
            ConnackReturnCode311::kUnacceptableProtocolVersion);
  EXPECT_EQ(to_connack_return_code_311(ReasonCode::kClientIdentifierNotValid),
            ConnackReturnCode311::kIdentifierRejected);
  EXPECT_EQ(to_connack_return_code_311(ReasonCode::kServerUnavailable),
            ConnackReturnCode311::kServerUnavailable);
  EXPECT_EQ(to_connack_return_code_311(ReasonCode::kServerBusy),
            ConnackReturnCode311::kServerUnavailable);
  EXPECT_EQ(to_connack_return_code_311(ReasonCode::kBadUserNameOrPassword),
            ConnackReturnCode311::kBadUserNameOrPassword);
  EXPECT_EQ(to_connack_return_code_311(ReasonCode::kNotAuthorized),
            ConnackReturnCode311::kNotAuthorized);
  EXPECT_EQ(to_connack_return_code_311(ReasonCode::kBanned), ConnackReturnCode311::kNotAuthorized);
  EXPECT_EQ(to_connack_return_code_311(ReasonCode::kMalformedPacket),
            ConnackReturnCode311::kServerUnavailable);
}

}  // namespace
}  // namespace trustmq::mqtt
