// Outbound topic aliases of one v5 connection (spec §3.3.2.3.4): the aliases the broker
// assigns on the PUBLISH packets it sends, within the Topic Alias Maximum the client announced
// in CONNECT. Policy: least recently used replacement (docs/broker.md, Outbound topic
// aliases). A topic gets a free alias while there is one; once all are taken, the alias used
// least recently is given to the new topic. The first PUBLISH with an alias carries topic and
// alias, later ones an empty topic and the alias.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace trustmq::mqtt {

// At most this many aliases per connection, whatever larger maximum the client announces,
// and topics longer than kMaxAliasedTopicLength are sent in full: together they bound what a
// connection keeps (64 × 256 bytes of topics) however many aliases a client asks for.
inline constexpr std::uint16_t kMaxOutboundTopicAliases = 64;
inline constexpr std::size_t kMaxAliasedTopicLength = 256;

class OutboundTopicAliases {
 public:
  // `client_maximum`: the Topic Alias Maximum of the client's CONNECT (0: no aliases).
  explicit OutboundTopicAliases(std::uint16_t client_maximum = 0);

  // How to send a topic: alias 0 means no alias (the full topic, no Topic Alias property);
  // `known` means the client already has the alias for this topic (send an empty topic).
  struct Choice {
    std::uint16_t alias = 0;
    bool known = false;
  };

  std::uint16_t maximum() const { return maximum_; }
  // The alias `topic` is to be sent with. Changes nothing: the choice takes effect with
  // commit(), once the PUBLISH was really handed to the host (a packet that was not sent
  // must not leave the client without a mapping the next one relies on).
  Choice choose(std::string_view topic) const;
  // Records that a PUBLISH for `topic` was sent with `choice` (from choose(topic)).
  void commit(const Choice& choice, std::string_view topic);

 private:
  struct Entry {
    std::string topic;
    std::list<std::uint16_t>::iterator use;  // its place in recency
  };
  // Made when the first alias is assigned: a connection that never gets one (most, and every
  // client announcing no Topic Alias Maximum) allocates nothing (a std::deque allocates on
  // construction).
  struct Table {
    // Index alias - 1; assigned in order 1, 2, … A deque: by_topic views its strings, which
    // must not move when an entry is added.
    std::deque<Entry> entries;
    std::unordered_map<std::string_view, std::uint16_t> by_topic;  // views of Entry::topic
    std::list<std::uint16_t> recency;  // aliases, most recently used first
  };
  std::uint16_t maximum_;
  std::unique_ptr<Table> table_;
};

}  // namespace trustmq::mqtt
