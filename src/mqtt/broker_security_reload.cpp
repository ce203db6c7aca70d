// A reload of the password and ACL files (SIGHUP in the shell) applied to what runs: the new
// ACL replaces the old one, and connected clients are checked again, as mosquitto does in
// mosquitto_security_apply (docs/broker.md, Reloading access rules).
#include <string>
#include <utility>
#include <vector>

#include "mqtt/broker_state.h"

namespace trustmq::mqtt {

void Broker::State::reload_security(std::optional<AclRules> acl, TimeMs now) {
  Reentry guard(*this);
  last_now_ = now;
  config_.acl = std::move(acl);
  std::vector<Connection*> refused;
  for (auto& [id, connection] : connections_) {
    Connection& c = *connection;
    if (c.closing || c.session == nullptr) continue;
    if (!still_authenticates(c)) refused.push_back(&c);
  }
  for (Connection* c : refused) {
    log(LogLevel::kNotice, "Client " + client_name(*c) + " (u'" + c->username +
                               "') disconnected: its password is no longer accepted after "
                               "the reload.");
    end_connection(*c, ReasonCode::kNotAuthorized, now);
  }
  for (auto& [id, session] : sessions_) recheck_acl_after_reload(*session);
}

// A client that authenticated with a password must still be accepted by the password file
// (the host answers from the file it has just reloaded). Clients that gave no password check,
// anonymous or identified by their TLS identity, are not asked again.
bool Broker::State::still_authenticates(const Connection& c) {
  if (!c.password) return true;
  return host_.authenticate(c.username, *c.password);
}

// What a session keeps under the new ACL: subscriptions it no longer grants are removed and
// queued messages the client may no longer read are dropped (recheck_acl_on_resume, as when
// a session resumes). A connected client's messages in flight were sent already: they stay
// until acknowledged. A disconnected session loses them too, as its resume would.
void Broker::State::recheck_acl_after_reload(Session& s) {
  if (!s.connected) {
    recheck_acl_on_resume(s);
    return;
  }
  std::vector<InflightMessage> sent = std::move(s.inflight);
  s.inflight.clear();
  recheck_acl_on_resume(s);
  s.inflight = std::move(sent);
}

}  // namespace trustmq::mqtt
