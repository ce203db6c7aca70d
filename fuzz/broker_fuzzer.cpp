// Feeds arbitrary bytes, split over a few connections, into a Broker with a checking host and
// an advancing clock. Input layout: one config byte, then records of
//   [op: bits 0-1 connection, bits 2-4 action] [length] [length bytes]
// actions: 0-3 data, 4 close + reopen (bit 5 of the op prepends a valid CONNECT of the version
// chosen by bits 6-7), 5 tick after length × 100 ms, 6-7 data. Invariants checked: the broker
// never sends to a connection that is not open, every send is exactly one well-framed MQTT
// packet, and the statistics stay consistent.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mqtt/broker.h"
#include "mqtt/codec.h"
#include "mqtt/limits.h"

namespace {

using namespace trustmq::mqtt;

void check(bool condition) {
  if (!condition) std::abort();
}

constexpr std::size_t kConnections = 4;

class CheckingHost : public BrokerHost {
 public:
  std::array<bool, kConnections + 1> open{};
  std::array<bool, kConnections + 1> closing{};
  std::uint64_t sends = 0;

  void send(ConnectionId conn, ByteView bytes, SendKind) override {
    check(conn >= 1 && conn <= kConnections && open[conn]);
    check(bytes.size() >= 2);
    std::uint32_t remaining = 0;
    std::size_t length = 0;
    check(decode_variable_byte_integer(bytes.subspan(1), remaining, length) == VarIntStatus::kOk);
    check(1 + length + remaining == bytes.size());
    ++sends;
  }
  void close(ConnectionId conn) override {
    check(conn >= 1 && conn <= kConnections && open[conn]);
    closing[conn] = true;
  }
  void log(LogLevel, std::string_view text) override { check(!text.empty()); }
  bool authenticate(std::string_view username, ByteView password) override {
    return username == "user" && password.size() == 4;
  }
};

Bytes connect_packet(ProtocolVersion version, ConnectionId id) {
  ConnectPacket p;
  p.version = version;
  if (version == ProtocolVersion::kV31) p.protocol_name = "MQIsdp";
  p.client_id = id % 2 ? "fuzz-a" : "fuzz-b";  // shared ids exercise takeover
  p.clean_start = (id & 2) != 0;
  p.keep_alive_seconds = 5;
  if (version == ProtocolVersion::kV5) p.properties.session_expiry_interval = 30;
  Will will;
  will.topic = "will/t";
  will.payload = {'w'};
  will.qos = QoS::kAtLeastOnce;
  if (version == ProtocolVersion::kV5) will.properties.will_delay_interval = 2;
  p.will = will;
  Bytes out;
  encode_packet(p, version, out);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  BrokerConfig config;
  const std::uint8_t flags = data[0];
  config.allow_anonymous = (flags & 1) == 0;
  config.check_passwords = (flags & 2) != 0;
  config.max_inflight_messages = flags & 4 ? 2 : 20;
  config.max_queued_messages = flags & 8 ? 3 : 100;
  config.message_size_limit = flags & 16 ? 16 : 0;
  config.max_packet_size = flags & 32 ? 64 : kMaxPacketSize;
  config.sys_interval_seconds = flags & 64 ? 1 : 0;
  config.topic_alias_maximum = 4;
  if (flags & 128) {
    AclRules acl;
    AclParseError error;
    check(parse_acl("topic readwrite a/#\npattern readwrite c/%c/#\nuser user\ntopic read #\n", acl,
                    error));
    config.acl = acl;
  }
  CheckingHost host;
  TimeMs now = 1000;
  Broker broker(config, host, now);
  for (ConnectionId id = 1; id <= kConnections; ++id) {
    broker.on_open(id, PeerInfo{"fuzz", 1883, "", false, false}, now);
    host.open[id] = true;
  }
  std::size_t pos = 1;
  while (pos + 2 <= size) {
    const std::uint8_t op = data[pos];
    std::size_t length = data[pos + 1];
    pos += 2;
    if (length > size - pos) length = size - pos;
    const ByteView chunk(data + pos, length);
    pos += length;
    const ConnectionId id = (op & 3) + 1;
    const int action = (op >> 2) & 7;
    if (action == 4) {
      broker.on_close(id, now);
      host.open[id] = false;
      host.closing[id] = false;
      broker.on_open(id, PeerInfo{"fuzz", 1883, "", false, false}, now);
      host.open[id] = true;
      if (op & 32) {
        static constexpr ProtocolVersion kVersions[] = {
            ProtocolVersion::kV5, ProtocolVersion::kV311, ProtocolVersion::kV31,
            ProtocolVersion::kV5};
        Bytes connect = connect_packet(kVersions[op >> 6], id);
        broker.on_data(id, connect, now);
      }
      broker.on_data(id, chunk, now);
    } else if (action == 5) {
      now += static_cast<TimeMs>(length) * 100;
      const TimeMs next = broker.on_tick(now);
      check(next >= now);
    } else {
      broker.on_data(id, chunk, now);
    }
    const BrokerStats stats = broker.stats();
    check(stats.clients_connected <= kConnections);
    check(stats.messages_sent <= host.sends);
  }
  for (ConnectionId id = 1; id <= kConnections; ++id) broker.on_close(id, now);
  check(broker.stats().clients_connected == 0);
  now += 3'600'000;
  broker.on_tick(now);
  return 0;
}
