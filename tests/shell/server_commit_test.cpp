// persistence_durability sync through the event loop, with the commit thread held by a test
// hook: a QoS 1 delivery reaches its subscriber before the commit, while the publisher's
// PUBACK, a PUBREC and a QoS 2 delivery wait for it; bytes queued behind a held one wait too,
// so each connection's byte order is kept (docs/persistence.md, "What may go before the
// commit").
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "shell/in_process_broker.h"
#include "shell/raw_mqtt_client.h"
#include "support/temp_directory.h"

namespace trustmq::shell::server_commit_test {

using testing::RawMqttClient;
using testing::RawPacket;

// Blocks the commit thread before each commit while held (at most 10 s, so that a failing
// test cannot hang).
class CommitHold {
 public:
  void operator()() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait_for(lock, std::chrono::seconds(10), [this] { return !held_; });
    --waiting_;
  }
  void hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release() {
    std::lock_guard lock(mutex_);
    held_ = false;
    changed_.notify_all();
  }
  // Whether a commit is waiting in operator() within `timeout_ms`.
  bool commit_waiting(int timeout_ms = 5000) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                             [this] { return waiting_ > 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool held_ = false;
  int waiting_ = 0;
};

// CONNECT (MQTT 3.1.1) with clean session 0: a durable session whose messages are stored.
std::vector<std::uint8_t> durable_connect(std::string_view client_id) {
  std::vector<std::uint8_t> body;
  testing::append_string(body, "MQTT");
  body.push_back(4);
  body.push_back(0x00);  // clean session 0
  testing::append_u16(body, 60);
  testing::append_string(body, client_id);
  return testing::frame(0x10, body);
}

std::vector<std::uint8_t> ack_packet(std::uint8_t header, std::uint16_t id) {
  return {header, 2, static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id & 0xff)};
}

std::uint16_t packet_id_of(const RawPacket& p) {
  // PUBLISH: after the topic; acknowledgements: the first two bytes.
  std::size_t at = 0;
  if (p.type() == 3) at = 2 + ((std::size_t{p.body[0]} << 8) | p.body[1]);
  return static_cast<std::uint16_t>((p.body[at] << 8) | p.body[at + 1]);
}

unsigned qos_of(const RawPacket& p) { return (p.header >> 1) & 3u; }

class ServerCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = std::make_unique<InProcessBroker>(
        "listener 0 127.0.0.1\nallow_anonymous true\npersistence true\n"
        "persistence_location " +
            dir_.path() + "\npersistence_durability sync\n",
        nullptr, [this] { hold_(); });
  }
  void TearDown() override {
    hold_.release();
    broker_.reset();
  }

  // Connects and waits for the CONNACK.
  std::unique_ptr<RawMqttClient> connect(const std::vector<std::uint8_t>& connect_bytes) {
    auto client = std::make_unique<RawMqttClient>(broker_->port(0));
    EXPECT_TRUE(client->connected());
    EXPECT_TRUE(client->send(connect_bytes));
    const auto connack = client->read_packet();
    EXPECT_TRUE(connack && connack->type() == 2);
    return client;
  }
  void subscribe(RawMqttClient& client, std::uint16_t id, std::string_view filter,
                 std::uint8_t qos) {
    ASSERT_TRUE(client.send(testing::subscribe_packet(id, filter, qos)));
    const auto suback = client.read_packet();
    ASSERT_TRUE(suback && suback->type() == 9);
  }

  test_support::TempDirectory dir_;
  CommitHold hold_;
  std::unique_ptr<InProcessBroker> broker_;
};

TEST_F(ServerCommitTest, Qos1DeliveryGoesBeforeTheCommitAndAcknowledgementsWaitForIt) {
  auto subscriber = connect(durable_connect("durable-sub"));
  subscribe(*subscriber, 1, "q1", 1);
  subscribe(*subscriber, 2, "q2", 2);
  auto publisher = connect(testing::connect_packet("publisher"));

  hold_.hold();
  ASSERT_TRUE(publisher->send(testing::publish_packet("q1", "one", 1, 11)));
  ASSERT_TRUE(hold_.commit_waiting());
  // The QoS 1 delivery arrives while the commit of its records is held …
  const auto delivery = subscriber->read_packet();
  ASSERT_TRUE(delivery);
  EXPECT_EQ(delivery->type(), 3);
  EXPECT_EQ(qos_of(*delivery), 1u);
  // … the publisher's PUBACK does not.
  EXPECT_FALSE(publisher->read_packet(300));
  ASSERT_TRUE(subscriber->send(ack_packet(0x40, packet_id_of(*delivery))));

  // QoS 2: neither the PUBREC nor the delivery leaves before the commit.
  ASSERT_TRUE(publisher->send(testing::publish_packet("q2", "two", 2, 12)));
  EXPECT_FALSE(subscriber->read_packet(300));
  EXPECT_FALSE(publisher->read_packet(100));

  hold_.release();
  const auto puback = publisher->read_packet();
  ASSERT_TRUE(puback);
  EXPECT_EQ(puback->type(), 4);
  EXPECT_EQ(packet_id_of(*puback), 11);
  const auto pubrec = publisher->read_packet();
  ASSERT_TRUE(pubrec);
  EXPECT_EQ(pubrec->type(), 5);
  EXPECT_EQ(packet_id_of(*pubrec), 12);
  const auto qos2 = subscriber->read_packet();
  ASSERT_TRUE(qos2);
  EXPECT_EQ(qos2->type(), 3);
  EXPECT_EQ(qos_of(*qos2), 2u);
}

TEST_F(ServerCommitTest, ADeliveryQueuedBehindAHeldAcknowledgementWaitsWithIt) {
  // One client publishes to its own subscription: the core queues the delivery, then the
  // PUBACK (held); the second delivery is queued behind that PUBACK and must not overtake it.
  auto client = connect(durable_connect("self"));
  subscribe(*client, 1, "loop", 1);

  hold_.hold();
  ASSERT_TRUE(client->send(testing::publish_packet("loop", "a", 1, 21)));
  ASSERT_TRUE(hold_.commit_waiting());
  const auto first = client->read_packet();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->type(), 3);
  ASSERT_TRUE(client->send(testing::publish_packet("loop", "b", 1, 22)));
  EXPECT_FALSE(client->read_packet(300));  // delivery of "b" is behind PUBACK 21

  hold_.release();
  std::vector<std::pair<int, std::uint16_t>> order;  // (type, packet id of acks)
  for (int i = 0; i < 3; ++i) {
    const auto p = client->read_packet();
    ASSERT_TRUE(p) << "packet " << i;
    order.emplace_back(p->type(), p->type() == 4 ? packet_id_of(*p) : 0);
  }
  const std::vector<std::pair<int, std::uint16_t>> expected{{4, 21}, {3, 0}, {4, 22}};
  EXPECT_EQ(order, expected);
}

}  // namespace trustmq::shell::server_commit_test
