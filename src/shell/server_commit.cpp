// The server's side of persistence_durability sync (docs/persistence.md, "What may go before
// the commit"): records are committed on a thread of their own (CommitThread) while the loop
// goes on; the bytes that promise durability wait in their connection's CommitGate until the
// batch holding their records is committed, and everything else is written at once.
#include "shell/server.h"

namespace trustmq::shell {

void Server::set_before_commit(std::function<void()> hook) {
  if (commit_thread_) commit_thread_->set_before_commit(std::move(hook));
}

bool Server::release_committed() {
  if (!commit_thread_ || holding_.empty()) return false;
  // Nothing staged and nothing being committed: every record so far is durable.
  const std::uint64_t durable = !commit_thread_->busy() && !commit_thread_->has_staged()
                                    ? commit_thread_->staging_batch()
                                    : commit_thread_->committed_through();
  bool released = false;
  for (auto it = holding_.begin(); it != holding_.end();) {
    Connection* c = find(*it);
    if (c != nullptr && c->gate.release_through(durable)) {
      schedule(*c);
      released = true;
    }
    if (c == nullptr || !c->gate.holds()) {
      it = holding_.erase(it);
    } else {
      ++it;
    }
  }
  return released;
}

}  // namespace trustmq::shell
