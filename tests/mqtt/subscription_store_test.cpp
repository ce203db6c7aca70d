#include "mqtt/subscription_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "mqtt/session.h"

namespace trustmq::mqtt {
namespace {

Subscriber sub(Session& s, QoS qos = QoS::kAtMostOnce) {
  Subscriber x;
  x.session = &s;
  x.qos = qos;
  return x;
}

TEST(SubscriptionStore, GroupsByDistinctFilter) {
  SubscriptionStore store;
  Session a, b;
  EXPECT_FALSE(store.subscribe("x/+", sub(a)));
  EXPECT_FALSE(store.subscribe("x/+", sub(b)));
  EXPECT_FALSE(store.subscribe("y", sub(a)));
  EXPECT_EQ(store.filter_count(), 2u);
  EXPECT_EQ(store.subscription_count(), 3u);
  EXPECT_TRUE(store.subscribe("x/+", sub(a, QoS::kExactlyOnce)));  // replaced
  EXPECT_EQ(store.subscription_count(), 3u);
  std::vector<std::string> matched;
  store.for_each_match("x/1", [&](FilterEntry& e) {
    matched.push_back(e.key);
    EXPECT_EQ(e.subscribers[0].qos, QoS::kExactlyOnce);
    EXPECT_EQ(e.subscribers.size(), 2u);
  });
  EXPECT_EQ(matched, std::vector<std::string>{"x/+"});
}

std::vector<std::string> matches(SubscriptionStore& store, const std::string& topic) {
  std::vector<std::string> out;
  store.for_each_match(topic, [&](FilterEntry& e) { out.push_back(e.key); });
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SubscriptionStore, ExactAndWildcardMatches) {
  SubscriptionStore store;
  Session a;
  for (const char* f : {"a/b", "a/+", "#", "a/b/c", "$share/g/a/b", "+/b", "$SYS/#"}) {
    store.subscribe(f, sub(a));
  }
  EXPECT_EQ(matches(store, "a/b"),
            (std::vector<std::string>{"#", "$share/g/a/b", "+/b", "a/+", "a/b"}));
  EXPECT_EQ(matches(store, "$SYS/x"), (std::vector<std::string>{"$SYS/#"}));
  EXPECT_EQ(matches(store, "z"), (std::vector<std::string>{"#"}));
}

TEST(SubscriptionStore, SharedEntriesStripThePrefix) {
  SubscriptionStore store;
  Session a;
  store.subscribe("$share/g/x/#", sub(a));
  ASSERT_EQ(store.filter_count(), 1u);
  int seen = 0;
  store.for_each_match("x/y", [&](FilterEntry& e) {
    ++seen;
    EXPECT_TRUE(e.shared);
    EXPECT_EQ(e.match_filter, "x/#");
    EXPECT_EQ(e.key, "$share/g/x/#");
  });
  EXPECT_EQ(seen, 1);
}

TEST(SubscriptionStore, UnsubscribeFreesAndReusesSlots) {
  SubscriptionStore store;
  Session a, b;
  store.subscribe("one", sub(a));
  store.subscribe("t/+", sub(a));
  store.subscribe("three", sub(b));
  EXPECT_FALSE(store.unsubscribe("one", &b));
  EXPECT_TRUE(store.unsubscribe("one", &a));
  EXPECT_FALSE(store.unsubscribe("one", &a));
  EXPECT_EQ(store.filter_count(), 2u);
  EXPECT_TRUE(matches(store, "one").empty());
  store.subscribe("four/#", sub(b));  // reuses the freed slot
  EXPECT_EQ(matches(store, "four/x"), std::vector<std::string>{"four/#"});
  EXPECT_EQ(matches(store, "t/x"), std::vector<std::string>{"t/+"});
  EXPECT_TRUE(store.unsubscribe("t/+", &a));
  EXPECT_TRUE(matches(store, "t/x").empty());
  EXPECT_TRUE(store.unsubscribe("three", &b));
  EXPECT_TRUE(store.unsubscribe("four/#", &b));
  EXPECT_EQ(store.filter_count(), 0u);
  EXPECT_EQ(store.subscription_count(), 0u);
}

}  // namespace
}  // namespace trustmq::mqtt
