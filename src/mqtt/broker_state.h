// The data of the broker core and the functions over it, one file per concern
// (docs/architecture.md, The life of a PUBLISH):
//   broker.cpp            the Broker API, entry and re-entry, closing connections
//   broker_input.cpp      framing of received bytes and their memory accounting
//   broker_dispatch.cpp   one handler per packet type, one tail for protocol violations
//   broker_connect.cpp    CONNECT (in named steps) and DISCONNECT
//   broker_session.cpp    session lifecycle: detach, wills, expiry, keep-alive, resume
//   broker_publish.cpp    inbound PUBLISH, routing to subscribers, delivery
//   broker_subscribe.cpp  SUBSCRIBE, UNSUBSCRIBE, retained messages on subscribe
//   broker_ack_flow.cpp   PUBACK/PUBREC/PUBREL/PUBCOMP and the in-flight window
//   broker_outbound.cpp   sending: control packets, PUBLISH bytes and the encoding cache
//   broker_sys.cpp        the $SYS topics
// Private to src/mqtt: nothing outside the core includes it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mqtt/acl.h"
#include "mqtt/attestation_counters.h"
#include "mqtt/broker.h"
#include "mqtt/codec.h"
#include "mqtt/limits.h"
#include "mqtt/message.h"
#include "mqtt/outbound_topic_aliases.h"
#include "mqtt/packet.h"
#include "mqtt/persistence_record.h"
#include "mqtt/reason_code.h"
#include "mqtt/retained_store.h"
#include "mqtt/session.h"
#include "mqtt/subscription_store.h"
#include "mqtt/topic_alias_map.h"

namespace trustmq::mqtt {

inline constexpr TimeMs kMaxTickInterval = 1000;  // on_tick is wanted at least once a second
// A connection keeps an input buffer this large between packets; a larger one, left by a
// large packet, is freed once the packet is complete.
inline constexpr std::size_t kKeptInputCapacity = 64 * 1024;
// At most this much buffer is allocated up front for an incomplete packet (input_capacity_for).
inline constexpr std::uint64_t kMaxInputPreallocation = 4 * 1024 * 1024;
// A connection that has not completed CONNECT within this time is closed (a client that opens
// sockets and sends nothing must not hold them forever).
inline constexpr TimeMs kConnectTimeout = 30'000;

// Members are ordered so that small ones share words: one Connection per client, so every
// padding byte counts against the memory per idle connection (docs/broker.md).
struct Connection {
  ConnectionId id = 0;
  ProtocolVersion version = ProtocolVersion::kV311;
  bool reserved_pre_connect = false;  // reserved before CONNECT had completed
  bool connect_received = false;
  bool closing = false;  // host.close() was called; further input is ignored
  PeerInfo peer;
  Bytes input;  // an incomplete packet carried over to the next on_data
  // Bytes reserved for `input` against memory_limit: the size its fixed header declares.
  std::uint64_t reserved_input = 0;
  std::string client_id;
  std::string username;
  Session* session = nullptr;
  // Held while connected (most clients have none; a Will is large, so it is not kept inline).
  std::unique_ptr<Will> will;
  TimeMs keep_alive_ms = 0;  // 1.5 × keep alive; 0 = none
  TimeMs last_received = 0;
  std::uint32_t maximum_packet_size = kMaxPacketSize;  // the client's
  std::uint16_t receive_maximum = kMaxReceiveMaximum;  // the client's
  bool connect_session_expiry_zero = true;
  // CONNECT's level had mosquitto's bridge bit (try_private): every non-shared subscription
  // gets No Local and Retain As Published, as mosquitto treats its bridges, so a bridge with
  // `topic … both` does not get its own messages back (broker_subscribe.cpp).
  bool bridge_protocol = false;
  TopicAliasMap aliases;                  // inbound: the client's aliases
  OutboundTopicAliases outbound_aliases;  // ours, on the PUBLISH packets we send it
  // The password the client authenticated with, kept to check it again when the password
  // file is reloaded (as mosquitto keeps it); null unless authenticated by password (held by
  // pointer: most clients have none).
  std::unique_ptr<Bytes> password;
  std::uint32_t evidence_budget = kEvidenceBurst;  // answers it may still get now
  bool attest_method = false;  // CONNECT named trustmq-attest-v1: AUTH 0x19 may ask again
  // An attested client asked to re-attest (AUTH 0x19) and got a challenge (AUTH 0x18): its
  // AUTH 0x18 answer is due (broker_client_attestation.cpp).
  bool awaiting_client_evidence = false;
  TimeMs evidence_budget_since = 0;  // when the budget last regained one
  // When that answer is late: the connection ends (0x87) and the claims go
  // (BrokerConfig::client_reattestation_timeout_seconds).
  TimeMs client_evidence_deadline = 0;
};

// A PUBLISH just received, while route → deliver → send_publish carry it to subscribers:
// which message it became, the bytes it came in when they are that message's QoS 0 encoding
// for recipients of the sender's protocol family and retain flag (else empty), and its
// payload while it is still only in those bytes. Messages not just received (wills, $SYS,
// retained, queued) travel without one.
struct InboundPublish {
  const Message* message = nullptr;
  ByteView bytes;
  bool v5 = false;
  bool retain = false;
  ByteView pending_payload;  // empty once copied into the message (complete_payload)
};

// A protocol violation a handler found: dispatch turns it into the one tail (end_connection).
struct Violation {
  ReasonCode reason = ReasonCode::kProtocolError;
  std::string detail;
};
using HandlerResult = std::optional<Violation>;

class Broker::State {
 public:
  State(BrokerConfig config, BrokerHost& host, TimeMs now);

  // The Broker API (broker.cpp, broker_input.cpp).
  void on_open(ConnectionId id, const PeerInfo& peer, TimeMs now);
  void on_data(ConnectionId id, ByteView bytes, TimeMs now);
  void on_close(ConnectionId id, TimeMs now);
  TimeMs on_tick(TimeMs now);
  void reload_security(std::optional<AclRules> acl, TimeMs now);  // broker_security_reload.cpp
  bool restore(ByteView record, TimeMs now);                      // broker_persistence.cpp
  BrokerStats stats() const;

 private:
  // Defers on_close calls made from inside a host callback until the outermost entry returns,
  // so no Connection disappears while a handler still uses it.
  struct Reentry {
    explicit Reentry(State& s);
    ~Reentry();
    State& state;
  };

  // One session's share of a routed message, before the ACL and the send.
  struct Delivery {
    Session* session;
    QoS qos;
    bool retain_as_published;
  };

  // ---- broker.cpp: connections, logging, closing
  Connection* find_connection(ConnectionId id) {
    auto it = connections_.find(id);
    return it == connections_.end() ? nullptr : it->second.get();
  }
  void log(LogLevel level, const std::string& text) { host_.log(level, text); }
  static std::string client_name(const Connection& c);
  void close_connection(Connection& c);
  void close_now(ConnectionId id, TimeMs now);
  // The ACL, when there is one, allows `access` to `topic` (every topic without an ACL).
  // The attestation claims of the connection's client (none before its session is attached).
  static const ClientClaims& claims_of(const Connection& c) {
    static const ClientClaims kNone;
    return c.session != nullptr ? c.session->claims : kNone;
  }
  // `claims`: the attestation claims of the session's client (Session::claims).
  bool acl_permits(const std::string& username, const std::string& client_id,
                   const ClientClaims& claims, std::string_view topic, AclAccess access) const {
    return !config_.acl || acl_allows(*config_.acl, username, client_id, claims, topic, access);
  }
  bool acl_permits_subscription(const std::string& username, const std::string& client_id,
                                const ClientClaims& claims, std::string_view filter) const;
  // Receive Maximum we announce: max_inflight_messages, 0 meaning 65535.
  std::uint32_t inbound_receive_maximum() const;

  // ---- broker_input.cpp: framing and input memory
  bool reserve_input(Connection& c, ByteView incomplete, TimeMs now);
  static std::size_t input_capacity_for(const Connection& c);
  void release_input(Connection& c);
  std::size_t complete_carried_packet(Connection& c, ByteView bytes);
  std::size_t decode_packets(Connection& c, ByteView view, TimeMs now);
  void handle_decode_error(Connection& c, DecodeResult& result, TimeMs now);

  // ---- broker_dispatch.cpp: handlers by packet type, the error tail
  // `bytes` is the whole packet as received; `payload` a PUBLISH's payload inside it, not
  // copied into `packet` (codec.h, decode_packet_viewing_payload).
  void handle_packet(Connection& c, ByteView bytes, ByteView payload, Packet& packet, TimeMs now);
  HandlerResult dispatch(Connection& c, ByteView bytes, ByteView payload, Packet& packet,
                         TimeMs now);
  // Logs, sends a v5 DISCONNECT with `reason` (once CONNECT completed), detaches the session
  // as an abnormal end (the will is published) and closes the connection.
  void end_connection(Connection& c, ReasonCode reason, TimeMs now);
  void violation(Connection& c, ReasonCode reason, const std::string& detail, TimeMs now);

  // ---- broker_connect.cpp
  struct ConnectOutcome;
  void handle_connect(Connection& c, ConnectPacket& p, TimeMs now);
  void reject_connect(Connection& c, ReasonCode reason, const std::string& why);
  bool identify_client(Connection& c, const ConnectPacket& p, ConnectOutcome& outcome);
  bool authenticate_client(Connection& c, const ConnectPacket& p, ConnectOutcome& outcome);
  bool negotiate_keep_alive(Connection& c, const ConnectPacket& p, ConnectOutcome& outcome);
  Session* take_over_session(Connection& c, const ConnectPacket& p, const ConnectOutcome& outcome,
                             TimeMs now);
  void attach_session(Connection& c, ConnectPacket& p, Session& session,
                      const ConnectOutcome& outcome);
  void send_connack(Connection& c, const ConnectPacket& p, const ConnectOutcome& outcome);
  HandlerResult handle_disconnect(Connection& c, const DisconnectPacket& p, TimeMs now);
  // Attestation over enhanced authentication (broker_auth.cpp).
  EvidenceStatus produce_checked_evidence(Connection& c, ByteView request,
                                          bool client_authenticated, Bytes& evidence);
  bool attest_at_connect(Connection& c, const ConnectPacket& p, TimeMs now,
                         bool client_authenticated, std::optional<Bytes>& evidence,
                         std::optional<ClientClaims>& client_claims);
  HandlerResult handle_auth(Connection& c, const AuthPacket& p, TimeMs now);
  // Attested clients (broker_client_attestation.cpp): false after refusing the CONNECT.
  bool verify_client_at_connect(Connection& c, ByteView client_evidence, ClientClaims& claims);
  HandlerResult start_client_reattestation(Connection& c, TimeMs now);
  HandlerResult finish_client_reattestation(Connection& c, const AuthPacket& p);
  // Counts a client attestation refusal by the reason the host gave ("binding-mismatch: …").
  void count_client_refusal(ClientEvidenceStatus status, std::string_view detail);
  ClientEvidenceStatus verify_client_evidence(Connection& c, ClientEvidenceStep step,
                                              ByteView evidence, ClientClaims& claims,
                                              std::string& detail);

  // ---- broker_session.cpp
  void detach(Connection& c, TimeMs now, bool abnormal);
  void publish_will(Session& s, TimeMs now);
  void end_session(Session* s, TimeMs now);
  void run_session_timers(TimeMs now);
  void check_connection_deadlines(TimeMs now);
  void withdraw_unanswered_claims(Connection& c, TimeMs now);  // broker_client_attestation.cpp
  TimeMs next_deadline(TimeMs now);
  void resume(Session& s, Connection& c, TimeMs now);
  void recheck_acl_on_resume(Session& s);

  // ---- broker_security_reload.cpp
  bool still_authenticates(const Connection& c);
  void recheck_acl_after_reload(Session& s);

  // ---- broker_publish.cpp
  HandlerResult handle_publish(Connection& c, ByteView bytes, ByteView payload, PublishPacket& p,
                               TimeMs now);
  HandlerResult resolve_topic_alias(Connection& c, PublishPacket& p);
  ReasonCode accept_publish(Connection& c, ByteView bytes, ByteView payload, PublishPacket& p,
                            TimeMs now);
  std::size_t route(const MessageRef& message, const Session* origin, InboundPublish* inbound,
                    TimeMs now);
  void match_subscribers(const std::string& topic, const Session* origin);
  void gather_subscription_ids();
  void deliver(Session& s, OutboundMessage&& outbound, InboundPublish* inbound, TimeMs now);

  // ---- broker_subscribe.cpp
  HandlerResult handle_subscribe(Connection& c, const SubscribePacket& p, TimeMs now);
  std::optional<ReasonCode> subscription_refusal(const Connection& c, const Session& s,
                                                 const std::string& filter,
                                                 std::string_view acl_filter);
  void send_retained(Session& s, const std::string& filter, QoS qos, std::uint32_t subscription_id,
                     TimeMs now);
  void handle_unsubscribe(Connection& c, const UnsubscribePacket& p);

  // ---- broker_ack_flow.cpp
  HandlerResult handle_ack(Connection& c, const AckPacket& ack, TimeMs now);
  HandlerResult complete_outbound(Connection& c, const AckPacket& ack, TimeMs now);
  std::size_t window(const Connection& c) const;
  void start_inflight(Session& s, Connection& c, OutboundMessage&& outbound,
                      InboundPublish* inbound, TimeMs now);
  void pump(Session& s, Connection& c, TimeMs now);

  // ---- broker_outbound.cpp
  void send_bytes(Connection& c, ByteView bytes, SendKind kind);
  bool send_packet(Connection& c, const Packet& packet);
  void send_ack(Connection& c, PacketType type, std::uint16_t packet_id, ReasonCode reason);
  bool send_publish(Connection& c, const OutboundMessage& outbound, std::uint16_t packet_id,
                    bool dup, InboundPublish* inbound, TimeMs now);
  bool send_patched(Connection& c, EncodedPublish& e, const OutboundMessage& outbound,
                    std::uint16_t packet_id, bool dup);
  static bool received_packet_is_encoding(const Connection& c, ByteView wire,
                                          const PublishPacket& p, std::size_t payload_size);
  static EncodedPublish& shared_encoding(Message& message, ProtocolVersion version, QoS qos,
                                         bool retain);
  static void complete_payload(Message& message, InboundPublish* inbound);
  bool fits(const Connection& c, ByteView bytes);

  // ---- broker_persistence.cpp: records for BrokerHost::persist, and restore
  bool durable(const Session& s) const { return config_.persistence && s.expiry_interval != 0; }
  void persist_session(Session& s);
  void persist_session_end(Session& s);
  void persist_retained(const Message& message);
  void persist_message(const Session& s, OutboundMessage& outbound, InflightState state,
                       std::uint16_t packet_id, bool queued);
  void unpersist_message(const Session& s, OutboundMessage& outbound);
  void emit_record(RecordOp op, ByteView key, ByteView value);
  bool restore_session(ByteView value, TimeMs now);
  bool restore_retained(ByteView value);
  bool restore_message(ByteView value);

  // ---- broker_sys.cpp
  void publish_sys(TimeMs now);

  BrokerConfig config_;
  BrokerHost& host_;
  TimeMs start_;
  TimeMs next_sys_ = 0;
  TimeMs last_now_ = 0;
  int depth_ = 0;  // nesting of Reentry: entries from the host, and host callbacks
  std::vector<ConnectionId> deferred_closes_;
  std::unordered_map<ConnectionId, std::unique_ptr<Connection>> connections_;
  std::unordered_map<std::string, std::unique_ptr<Session>> sessions_;
  SubscriptionStore subscriptions_;
  RetainedStore retained_;
  BrokerStats stats_;
  Bytes scratch_;                           // encodings made for one send
  std::uint64_t reserved_input_total_ = 0;  // Connection::reserved_input, summed
  std::uint64_t reserved_pre_connect_ = 0;  // the part reserved before CONNECT completed
  std::uint64_t assigned_ids_ = 0;          // client identifiers assigned so far
  std::vector<std::string> last_sys_values_;
  AttestationCounters attestation_counters_;  // broker_auth.cpp
  std::uint64_t next_stored_number_ = 1;      // OutboundMessage::stored_number
  Bytes record_;                              // one persistence record being encoded
  Bytes record_value_;

  // Routing scratch, reused from message to message (route never re-enters itself: it only
  // sends, and host callbacks cannot reach it, see Reentry).
  std::uint64_t generation_ = 0;  // Session::match_generation of the message being routed
  std::vector<Delivery> deliveries_;
  std::vector<std::pair<std::size_t, std::uint32_t>> delivery_ids_;  // (delivery, sub. id)
  // delivery_ids_ grouped by delivery: the identifiers of delivery i are
  // grouped_ids_[id_ends_[i - 1] (0 for i = 0), id_ends_[i]), in the order they matched.
  std::vector<std::uint32_t> grouped_ids_;
  std::vector<std::size_t> id_ends_;
};

}  // namespace trustmq::mqtt
