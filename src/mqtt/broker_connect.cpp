// CONNECT, in the order the checks run (each step refuses with a CONNACK and closes, or lets
// the next one run), and DISCONNECT.
#include <algorithm>
#include <string>

#include "mqtt/broker_state.h"
#include "mqtt/sys_topics.h"

namespace trustmq::mqtt {
namespace {

std::string hex(std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kDigits[value & 0xF];
    value >>= 4;
  }
  return out;
}

// Whether a connection authenticated as `username` (none: anonymous) may resume `session`.
bool session_belongs_to(const Session& session, const std::string& username, bool has_username) {
  return session.anonymous == !has_username && session.username == username;
}

}  // namespace

// What the steps of handle_connect learn for the ones after them.
struct Broker::State::ConnectOutcome {
  bool assigned_client_id = false;  // v5: we chose the client id and tell it in CONNACK
  bool has_username = false;        // from CONNECT or the TLS identity
  std::uint16_t keep_alive = 0;     // seconds, as granted
  std::optional<std::uint16_t> server_keep_alive;  // v5: told when lower than asked
  bool session_present = false;
  bool client_authenticated = false;          // by password or TLS identity (not anonymous)
  std::optional<Bytes> evidence;              // v5, method trustmq-attest-v1: sent in CONNACK
  std::optional<ClientClaims> client_claims;  // the client's own evidence was accepted
};

void Broker::State::handle_connect(Connection& c, ConnectPacket& p, TimeMs now) {
  c.connect_received = true;
  c.version = p.version;
  c.client_id = p.client_id;
  ConnectOutcome outcome;
  if (!identify_client(c, p, outcome) || !authenticate_client(c, p, outcome) ||
      !negotiate_keep_alive(c, p, outcome) ||
      !attest_at_connect(c, p, now, outcome.client_authenticated, outcome.evidence,
                         outcome.client_claims)) {
    return;
  }
  Session* session = take_over_session(c, p, outcome, now);
  outcome.session_present = session != nullptr;
  if (session == nullptr) {
    auto created = std::make_unique<Session>();
    created->client_id = c.client_id;
    session = created.get();
    sessions_[c.client_id] = std::move(created);
  }
  attach_session(c, p, *session, outcome);
  persist_session(*session);
  send_connack(c, p, outcome);
  log(LogLevel::kNotice,
      "New client connected from " + c.peer.address + " as " + c.client_id + " (p" +
          decimal(protocol_level(c.version) + (c.bridge_protocol ? 0x80 : 0)) + ", c" +
          (p.clean_start ? "1" : "0") + ", k" + decimal(outcome.keep_alive) +
          (outcome.has_username ? ", u'" + c.username + "'" : std::string()) + ").");
  if (outcome.client_claims) {
    log(LogLevel::kNotice,
        "Client " + c.client_id + " attested: " + describe_client_claims(*outcome.client_claims));
  }
  if (outcome.session_present) resume(*session, c, now);
}

void Broker::State::reject_connect(Connection& c, ReasonCode reason, const std::string& why) {
  log(LogLevel::kNotice,
      "Refused connection from " + c.peer.address + " as " + client_name(c) + ": " + why);
  ConnackPacket connack;
  connack.reason = reason;
  send_packet(c, connack);
  close_connection(c);
}

// Refuses enhanced authentication other than trustmq-attest-v1 (broker_auth.cpp); assigns a client
// id to a client that sent none, if it may have one.
bool Broker::State::identify_client(Connection& c, const ConnectPacket& p,
                                    ConnectOutcome& outcome) {
  const bool v5 = is_v5(p.version);
  if (v5 && p.properties.authentication_method &&
      *p.properties.authentication_method != kAttestAuthenticationMethod) {
    reject_connect(c, ReasonCode::kBadAuthenticationMethod, "enhanced authentication");
    return false;
  }
  if (!c.client_id.empty()) return true;
  if (p.version == ProtocolVersion::kV31 || (!v5 && !p.clean_start)) {
    reject_connect(c, ReasonCode::kClientIdentifierNotValid,
                   "empty client id without clean session");
    return false;
  }
  c.client_id = "auto-" + hex(++assigned_ids_ * 0x9E3779B97F4A7C15ull ^ start_);
  outcome.assigned_client_id = v5;
  return true;
}

// A client is authenticated by its TLS identity (use_identity_as_username) or by a user name
// and password checked against the password file. Without a password file no user name can
// be verified: when anonymous clients are not allowed, a user name alone proves nothing and
// the client is refused (mosquitto 2.0: "not authorised").
bool Broker::State::authenticate_client(Connection& c, const ConnectPacket& p,
                                        ConnectOutcome& outcome) {
  outcome.has_username = p.username.has_value();
  c.username = p.username.value_or("");
  const bool identity_from_tls = c.peer.use_identity_as_username;
  if (identity_from_tls) {
    if (c.peer.tls_identity.empty()) {
      reject_connect(c, ReasonCode::kNotAuthorized, "no TLS identity");
      return false;
    }
    c.username = c.peer.tls_identity;
    outcome.has_username = true;
  }
  outcome.client_authenticated = !c.peer.tls_identity.empty();
  if (c.peer.bridge) return true;  // the shell's own bridge: its user name names it for the ACL
  if (!identity_from_tls && !config_.allow_anonymous) {
    if (!outcome.has_username) {
      reject_connect(c, ReasonCode::kNotAuthorized, "anonymous clients not allowed");
      return false;
    }
    if (!config_.check_passwords) {
      reject_connect(c, ReasonCode::kNotAuthorized,
                     "user name given but no password_file to check it");
      return false;
    }
  }
  if (outcome.has_username && config_.check_passwords && !identity_from_tls) {
    static const Bytes kEmpty;
    const Bytes& password = p.password ? *p.password : kEmpty;
    if (!host_.authenticate(c.username, password)) {
      reject_connect(c, ReasonCode::kBadUserNameOrPassword, "bad username or password");
      return false;
    }
    c.password = std::make_unique<Bytes>(password);  // checked again on reload (reload_security)
    outcome.client_authenticated = true;
  }
  if (p.will && config_.message_size_limit != 0 &&
      p.will->payload.size() > config_.message_size_limit) {
    // The will would be published later: message_size_limit applies to it as to any
    // PUBLISH, or a client could get a larger message through as its will. 3.1.1 has no
    // "too large" return code; mosquitto answers 5 (not authorised), as we do.
    reject_connect(c, is_v5(p.version) ? ReasonCode::kPacketTooLarge : ReasonCode::kNotAuthorized,
                   "will payload larger than message_size_limit");
    return false;
  }
  return true;
}

bool Broker::State::negotiate_keep_alive(Connection& c, const ConnectPacket& p,
                                         ConnectOutcome& outcome) {
  outcome.keep_alive = p.keep_alive_seconds;
  if (outcome.keep_alive > config_.max_keepalive_seconds) {
    if (!is_v5(p.version)) {
      // mosquitto refuses a v3 client asking for more than max_keepalive.
      reject_connect(c, ReasonCode::kClientIdentifierNotValid, "keep alive too large");
      return false;
    }
    outcome.keep_alive = config_.max_keepalive_seconds;
    outcome.server_keep_alive = outcome.keep_alive;
  }
  c.keep_alive_ms = static_cast<TimeMs>(outcome.keep_alive) * 1500;
  return true;
}

// Ends the connection that holds the client id's session, if any; returns the session to
// resume, or nullptr when a fresh one is due (clean start, expired, or another user's).
Session* Broker::State::take_over_session(Connection& c, const ConnectPacket& p,
                                          const ConnectOutcome& outcome, TimeMs now) {
  auto found = sessions_.find(c.client_id);
  Session* session = found == sessions_.end() ? nullptr : found->second.get();
  if (session != nullptr && session->connected) {
    if (Connection* old = find_connection(session->connection); old != nullptr) {
      log(LogLevel::kNotice,
          "Client " + c.client_id + " already connected, closing old connection.");
      end_connection(*old, ReasonCode::kSessionTakenOver, now);
    }
    found = sessions_.find(c.client_id);
    session = found == sessions_.end() ? nullptr : found->second.get();
  }
  if (session != nullptr &&
      (p.clean_start || (session->expires_at && *session->expires_at <= now))) {
    end_session(session, now);
    session = nullptr;
  }
  if (session != nullptr && !session_belongs_to(*session, c.username, outcome.has_username)) {
    // Another user's session is never handed over (mosquitto CVE-2021-34434): its
    // subscriptions and queued messages were authorised for that user, not this one.
    log(LogLevel::kNotice, "Client " + c.client_id +
                               " connected as a different user than its session's owner; "
                               "starting a fresh session.");
    end_session(session, now);
    session = nullptr;
  }
  return session;
}

void Broker::State::attach_session(Connection& c, ConnectPacket& p, Session& session,
                                   const ConnectOutcome& outcome) {
  session.pending_will.reset();  // a resumed session cancels a delayed will
  session.connected = true;
  session.connection = c.id;
  session.expires_at.reset();
  session.username = c.username;
  session.anonymous = !outcome.has_username;
  // Before resume() re-checks the session's subscriptions against the ACL.
  session.claims = outcome.client_claims.value_or(ClientClaims{});
  const bool v5 = is_v5(p.version);
  if (v5) {
    session.expiry_interval = p.properties.session_expiry_interval.value_or(0);
  } else {
    session.expiry_interval =
        p.clean_start ? 0
                      : config_.persistent_client_expiration_seconds.value_or(kSessionNeverExpires);
  }
  c.connect_session_expiry_zero = session.expiry_interval == 0;
  c.session = &session;
  if (p.will) c.will = std::make_unique<Will>(std::move(*p.will));
  c.bridge_protocol = p.bridge;
  c.receive_maximum = static_cast<std::uint16_t>(
      zero_means_max_receive(p.properties.receive_maximum.value_or(kMaxReceiveMaximum)));
  c.maximum_packet_size = p.properties.maximum_packet_size.value_or(kMaxPacketSize);
  if (c.maximum_packet_size == 0) c.maximum_packet_size = kMaxPacketSize;
  c.aliases = TopicAliasMap(v5 ? config_.topic_alias_maximum : 0);
  c.outbound_aliases = OutboundTopicAliases(v5 ? p.properties.topic_alias_maximum.value_or(0) : 0);
  ++stats_.clients_connected;
}

void Broker::State::send_connack(Connection& c, const ConnectPacket& p,
                                 const ConnectOutcome& outcome) {
  ConnackPacket connack;
  connack.session_present = outcome.session_present;
  if (is_v5(p.version)) {
    Properties& props = connack.properties;
    props.receive_maximum = static_cast<std::uint16_t>(
        std::min<std::uint32_t>(inbound_receive_maximum(), kMaxReceiveMaximum));
    if (config_.topic_alias_maximum != 0) props.topic_alias_maximum = config_.topic_alias_maximum;
    if (config_.max_packet_size < kMaxPacketSize) {
      props.maximum_packet_size = config_.max_packet_size;
    }
    if (outcome.assigned_client_id) props.assigned_client_identifier = c.client_id;
    props.retain_available = 1;
    props.wildcard_subscription_available = 1;
    props.subscription_identifier_available = 1;
    props.shared_subscription_available = 1;
    props.server_keep_alive = outcome.server_keep_alive;
    if (outcome.evidence) {
      props.authentication_method = std::string(kAttestAuthenticationMethod);
      if (!outcome.evidence->empty()) props.authentication_data = *outcome.evidence;
    }
  }
  send_packet(c, connack);
}

HandlerResult Broker::State::handle_disconnect(Connection& c, const DisconnectPacket& p,
                                               TimeMs now) {
  Session& s = *c.session;
  if (p.properties.session_expiry_interval) {
    if (c.connect_session_expiry_zero && *p.properties.session_expiry_interval != 0) {
      return Violation{ReasonCode::kProtocolError, "session expiry set on DISCONNECT"};
    }
    s.expiry_interval = *p.properties.session_expiry_interval;
    persist_session(s);
  }
  log(LogLevel::kNotice, "Client " + c.client_id + " disconnected.");
  detach(c, now, /*abnormal=*/p.reason != ReasonCode::kSuccess);
  close_connection(c);
  return std::nullopt;
}

}  // namespace trustmq::mqtt
