#include "mqtt/retained_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trustmq::mqtt {
namespace {

MessageRef message(std::string topic, std::string payload,
                   std::optional<TimeMs> expires_at = std::nullopt) {
  auto m = std::make_shared<Message>();
  PublishPacket p;
  p.topic = std::move(topic);
  p.payload.assign(payload.begin(), payload.end());
  p.retain = true;
  m->packet = std::move(p);
  m->expires_at = expires_at;
  return m;
}

std::vector<std::string> topics(RetainedStore& store, std::string_view filter, TimeMs now) {
  std::vector<std::string> out;
  store.for_each_match(filter, now,
                       [&](const MessageRef& m) { out.push_back(m->publish().topic); });
  return out;
}

TEST(RetainedStore, StoreReplaceClear) {
  RetainedStore store;
  store.store(message("a/b", "1"));
  store.store(message("a/c", "2"));
  store.store(message("a/b", "3"));
  EXPECT_EQ(store.size(), 2u);
  ASSERT_NE(store.find("a/b"), nullptr);
  EXPECT_EQ((*store.find("a/b"))->publish().payload, Bytes{'3'});
  store.store(message("a/b", ""));
  EXPECT_EQ(store.find("a/b"), nullptr);
  EXPECT_EQ(topics(store, "a/+", 0), std::vector<std::string>{"a/c"});
}

TEST(RetainedStore, ExpiredMessagesRemovedOnLookup) {
  RetainedStore store;
  store.store(message("t", "x", 100));
  EXPECT_EQ(topics(store, "#", 99).size(), 1u);
  EXPECT_TRUE(topics(store, "#", 100).empty());
  EXPECT_EQ(store.size(), 0u);
}

TEST(RetainedStore, WildcardsSkipDollarTopics) {
  RetainedStore store;
  store.store(message("$SYS/x", "1"));
  store.store(message("y", "2"));
  EXPECT_EQ(topics(store, "#", 0), std::vector<std::string>{"y"});
  EXPECT_EQ(topics(store, "$SYS/#", 0), std::vector<std::string>{"$SYS/x"});
}

}  // namespace
}  // namespace trustmq::mqtt
