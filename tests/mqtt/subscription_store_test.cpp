#include "mqtt/subscription_store.h"

#include <gtest/gtest.h>

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
  EXPECT_EQ(store.entries().size(), 2u);
  EXPECT_EQ(store.subscription_count(), 3u);
  EXPECT_TRUE(store.subscribe("x/+", sub(a, QoS::kExactlyOnce)));  // replaced
  EXPECT_EQ(store.subscription_count(), 3u);
  EXPECT_EQ(store.entries()[0].subscribers[0].qos, QoS::kExactlyOnce);
}

TEST(SubscriptionStore, SharedEntriesStripThePrefix) {
  SubscriptionStore store;
  Session a;
  store.subscribe("$share/g/x/#", sub(a));
  ASSERT_EQ(store.entries().size(), 1u);
  EXPECT_TRUE(store.entries()[0].shared);
  EXPECT_EQ(store.entries()[0].match_filter, "x/#");
  EXPECT_EQ(store.entries()[0].key, "$share/g/x/#");
}

TEST(SubscriptionStore, UnsubscribeRemovesEmptyEntriesAndKeepsIndex) {
  SubscriptionStore store;
  Session a, b;
  store.subscribe("one", sub(a));
  store.subscribe("two", sub(a));
  store.subscribe("three", sub(b));
  EXPECT_FALSE(store.unsubscribe("one", &b));
  EXPECT_TRUE(store.unsubscribe("one", &a));
  EXPECT_FALSE(store.unsubscribe("one", &a));
  EXPECT_EQ(store.entries().size(), 2u);
  // "three" moved into the freed slot; it must still be found.
  EXPECT_TRUE(store.unsubscribe("three", &b));
  EXPECT_TRUE(store.unsubscribe("two", &a));
  EXPECT_TRUE(store.entries().empty());
  EXPECT_EQ(store.subscription_count(), 0u);
}

}  // namespace
}  // namespace trustmq::mqtt
