// Stored persistence records as the core gets them back at start (docs/persistence.md): the
// input is a sequence of records (u16 big-endian length, bytes). Each is decoded; what
// decodes as a session, retained message or queued message is re-encoded and must decode
// to the same value; then all are given to a Broker's restore(), which must take or refuse
// them without crashing, and a client then resumes every session id seen.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "mqtt/broker.h"
#include "mqtt/codec.h"
#include "mqtt/persistence_record.h"

namespace {

namespace mqtt = trustmq::mqtt;

void check(bool condition) {
  if (!condition) std::abort();
}

class NullHost final : public mqtt::BrokerHost {
 public:
  void send(mqtt::ConnectionId, mqtt::ByteView, mqtt::SendKind) override {}
  void close(mqtt::ConnectionId) override {}
  void log(mqtt::LogLevel, std::string_view) override {}
  bool authenticate(std::string_view, mqtt::ByteView) override { return false; }
  void persist(mqtt::ByteView record) override { check(mqtt::decode_record(record).has_value()); }
};

void round_trip(const mqtt::RecordView& record, std::vector<std::string>& client_ids) {
  const auto kind = mqtt::record_kind(record.key);
  check(kind.has_value());
  (void)mqtt::describe_key(record.key);
  if (record.op != mqtt::RecordOp::kPut) return;
  switch (*kind) {
    case mqtt::RecordKind::kSession: {
      mqtt::StoredSession s;
      if (!mqtt::decode_session(record.value, s)) return;
      mqtt::Bytes again;
      mqtt::encode_session(s, again);
      mqtt::StoredSession t;
      check(mqtt::decode_session(again, t) && t == s);
      client_ids.push_back(s.client_id);
      return;
    }
    case mqtt::RecordKind::kRetained: {
      mqtt::PublishPacket p;
      mqtt::TimeMs expires_at = 0;
      if (!mqtt::decode_stored_publish(record.value, p, expires_at)) return;
      mqtt::Bytes again;
      mqtt::encode_stored_publish(p, expires_at, again);
      mqtt::PublishPacket q;
      mqtt::TimeMs expires_again = 0;
      check(mqtt::decode_stored_publish(again, q, expires_again) && q == p &&
            expires_again == expires_at);
      return;
    }
    case mqtt::RecordKind::kMessage: {
      mqtt::StoredMessage m;
      if (!mqtt::decode_message(record.value, m)) return;
      mqtt::Bytes again;
      mqtt::encode_message(m, again);
      mqtt::StoredMessage n;
      check(mqtt::decode_message(again, n) && n == m);
      return;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mqtt::BrokerConfig config;
  config.allow_anonymous = true;
  config.persistence = true;
  config.sys_interval_seconds = 0;
  NullHost host;
  mqtt::Broker broker(config, host, 1000);
  std::vector<std::string> client_ids;
  std::size_t pos = 0;
  while (pos + 2 <= size) {
    const std::size_t length = (static_cast<std::size_t>(data[pos]) << 8) | data[pos + 1];
    pos += 2;
    if (length > size - pos) break;
    const mqtt::ByteView bytes(data + pos, length);
    pos += length;
    if (const auto record = mqtt::decode_record(bytes)) round_trip(*record, client_ids);
    broker.restore(bytes, 1000);
  }
  // Resume each restored session: retransmission and queue pumping run over restored state.
  mqtt::ConnectionId conn = 1;
  for (const std::string& id : client_ids) {
    if (id.empty() || conn > 8) continue;
    mqtt::ConnectPacket connect;
    connect.version = mqtt::ProtocolVersion::kV311;
    connect.client_id = id;
    connect.clean_start = false;
    mqtt::Bytes bytes;
    mqtt::encode_packet(connect, mqtt::ProtocolVersion::kV311, bytes);
    mqtt::PeerInfo peer;
    peer.address = "127.0.0.1:1";
    broker.on_open(conn, peer, 1001);
    broker.on_data(conn, bytes, 1001);
    broker.on_close(conn, 1002);
    ++conn;
  }
  broker.on_tick(5000);
  return 0;
}
