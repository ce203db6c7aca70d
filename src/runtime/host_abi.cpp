#include "runtime/host_abi.h"

#include <openssl/rand.h>

#include <chrono>
#include <cstring>
#include <string>
#include <string_view>

namespace trustmq::runtime {
namespace {

constexpr std::uint32_t kMaxIovecs = 1024;
constexpr std::uint32_t kWasiClockRealtime = 0;
constexpr std::uint32_t kWasiClockMonotonic = 1;
constexpr std::uint8_t kWasiFiletypeCharacterDevice = 2;
constexpr std::uint64_t kWasiRightFdWrite = 1u << 6;

std::uint32_t load_u32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);  // Wasm memory is little-endian, like x86-64 and arm64 hosts.
  return v;
}

}  // namespace

bool HostAbi::raise(WasmTrapKind kind, std::string detail) {
  host_.log(mqtt::LogLevel::kError,
            "wasm module stopped (" + std::string(wasm_trap_kind_name(kind)) + "): " + detail);
  raised_ = HostRaisedTrap{kind, std::move(detail)};
  return false;
}

bool HostAbi::bad_range(const char* function, const char* what, GuestMemory memory,
                        std::uint32_t ptr, std::uint32_t length) {
  return raise(WasmTrapKind::kAbiViolation, std::string(function) + ": " + what +
                                                " out of bounds (ptr=" + std::to_string(ptr) +
                                                ", len=" + std::to_string(length) +
                                                ", memory=" + std::to_string(memory.size) + ")");
}

bool HostAbi::store_u32(GuestMemory memory, const char* function, std::uint32_t ptr,
                        std::uint32_t value) {
  auto out = guest_range(memory, ptr, 4);
  if (!out) return bad_range(function, "result pointer", memory, ptr, 4);
  std::memcpy(out->data(), &value, 4);
  return true;
}

bool HostAbi::send(GuestMemory memory, std::uint32_t conn, std::uint32_t ptr, std::uint32_t length,
                   std::uint32_t kind) {
  auto bytes = guest_range(memory, ptr, length);
  if (!bytes) return bad_range("send", "bytes", memory, ptr, length);
  if (kind > static_cast<std::uint32_t>(mqtt::SendKind::kDroppable)) {
    return raise(WasmTrapKind::kAbiViolation, "send: unknown kind " + std::to_string(kind));
  }
  host_.send(conn, mqtt::ByteView(bytes->data(), bytes->size()), static_cast<mqtt::SendKind>(kind));
  return true;
}

bool HostAbi::close(std::uint32_t conn) {
  host_.close(conn);
  return true;
}

bool HostAbi::log(GuestMemory memory, std::uint32_t level, std::uint32_t ptr,
                  std::uint32_t length) {
  auto text = guest_range(memory, ptr, length);
  if (!text) return bad_range("log", "text", memory, ptr, length);
  if (level > static_cast<std::uint32_t>(mqtt::LogLevel::kError)) {
    return raise(WasmTrapKind::kAbiViolation, "log: unknown level " + std::to_string(level));
  }
  host_.log(static_cast<mqtt::LogLevel>(level),
            std::string_view(reinterpret_cast<const char*>(text->data()), text->size()));
  return true;
}

bool HostAbi::authenticate(GuestMemory memory, std::uint32_t username_ptr,
                           std::uint32_t username_length, std::uint32_t password_ptr,
                           std::uint32_t password_length, std::uint32_t& allowed) {
  auto username = guest_range(memory, username_ptr, username_length);
  if (!username)
    return bad_range("authenticate", "username", memory, username_ptr, username_length);
  auto password = guest_range(memory, password_ptr, password_length);
  if (!password)
    return bad_range("authenticate", "password", memory, password_ptr, password_length);
  allowed = host_.authenticate(
                std::string_view(reinterpret_cast<const char*>(username->data()), username->size()),
                mqtt::ByteView(password->data(), password->size()))
                ? 1
                : 0;
  return true;
}

bool HostAbi::produce_evidence(GuestMemory memory, std::uint32_t conn, std::uint32_t request_ptr,
                               std::uint32_t request_length, std::uint32_t authenticated,
                               std::uint32_t out_ptr, std::uint32_t capacity,
                               std::uint32_t length_ptr, std::uint32_t& status) {
  auto request = guest_range(memory, request_ptr, request_length);
  if (!request)
    return bad_range("produce_evidence", "request", memory, request_ptr, request_length);
  auto out = guest_range(memory, out_ptr, capacity);
  if (!out) return bad_range("produce_evidence", "output buffer", memory, out_ptr, capacity);
  if (!guest_range(memory, length_ptr, 4)) {
    return bad_range("produce_evidence", "length pointer", memory, length_ptr, 4);
  }
  if (authenticated > 1) {
    return raise(WasmTrapKind::kAbiViolation,
                 "produce_evidence: authenticated flag " + std::to_string(authenticated));
  }
  // The request is copied: the host must not hold a view into memory the module may reuse.
  const mqtt::Bytes request_copy(request->begin(), request->end());
  mqtt::Bytes evidence;
  mqtt::EvidenceStatus produced =
      host_.produce_evidence(conn, request_copy, authenticated == 1, evidence);
  if (produced == mqtt::EvidenceStatus::kProduced && evidence.size() > capacity) {
    host_.log(mqtt::LogLevel::kWarning, "produce_evidence: " + std::to_string(evidence.size()) +
                                            " bytes of evidence exceed the module's buffer of " +
                                            std::to_string(capacity));
    produced = mqtt::EvidenceStatus::kFailed;
  }
  std::uint32_t length = 0;
  if (produced == mqtt::EvidenceStatus::kProduced) {
    std::memcpy(out->data(), evidence.data(), evidence.size());
    length = static_cast<std::uint32_t>(evidence.size());
  }
  if (!store_u32(memory, "produce_evidence", length_ptr, length)) return false;
  status = static_cast<std::uint32_t>(produced);
  return true;
}

bool HostAbi::attest_client(GuestMemory memory, std::uint32_t conn, std::uint32_t step,
                            std::uint32_t input_ptr, std::uint32_t input_length,
                            std::uint32_t out_ptr, std::uint32_t capacity, std::uint32_t length_ptr,
                            std::uint32_t& status) {
  auto input = guest_range(memory, input_ptr, input_length);
  if (!input) return bad_range("attest_client", "input", memory, input_ptr, input_length);
  auto out = guest_range(memory, out_ptr, capacity);
  if (!out) return bad_range("attest_client", "output buffer", memory, out_ptr, capacity);
  if (!guest_range(memory, length_ptr, 4)) {
    return bad_range("attest_client", "length pointer", memory, length_ptr, 4);
  }
  if (step > mqtt::kMaxClientEvidenceStep) {
    return raise(WasmTrapKind::kAbiViolation, "attest_client: step " + std::to_string(step));
  }
  // Copied: the host must not hold a view into memory the module may reuse.
  const mqtt::Bytes input_copy(input->begin(), input->end());
  mqtt::Bytes output;
  mqtt::ClientEvidenceStatus result =
      host_.attest_client(conn, static_cast<mqtt::ClientEvidenceStep>(step), input_copy, output);
  if (output.size() > capacity) {
    host_.log(mqtt::LogLevel::kWarning, "attest_client: " + std::to_string(output.size()) +
                                            " bytes of output exceed the module's buffer of " +
                                            std::to_string(capacity));
    output.clear();
    result = mqtt::ClientEvidenceStatus::kRefused;
  }
  if (!output.empty()) std::memcpy(out->data(), output.data(), output.size());
  if (!store_u32(memory, "attest_client", length_ptr, static_cast<std::uint32_t>(output.size()))) {
    return false;
  }
  status = static_cast<std::uint32_t>(result);
  return true;
}

bool HostAbi::persist(GuestMemory memory, std::uint32_t ptr, std::uint32_t length) {
  auto record = guest_range(memory, ptr, length);
  if (!record) return bad_range("persist", "record", memory, ptr, length);
  host_.persist(mqtt::ByteView(record->data(), record->size()));
  return true;
}

bool HostAbi::fatal(GuestMemory memory, std::uint32_t ptr, std::uint32_t length) {
  auto text = guest_range(memory, ptr, length > 1024 ? 1024 : length);
  if (!text) return bad_range("fatal", "text", memory, ptr, length);
  std::string message(reinterpret_cast<const char*>(text->data()), text->size());
  const WasmTrapKind kind = message == "module memory limit reached" ? WasmTrapKind::kMemoryLimit
                                                                     : WasmTrapKind::kModuleFatal;
  return raise(kind, std::move(message));
}

bool HostAbi::fd_write(GuestMemory memory, std::uint32_t fd, std::uint32_t iovs,
                       std::uint32_t iovs_count, std::uint32_t written_ptr, std::uint32_t& error) {
  if (fd != 1 && fd != 2) {
    error = kWasiBadFileDescriptor;
    return true;
  }
  if (iovs_count > kMaxIovecs) {
    error = kWasiInvalidArgument;
    return true;
  }
  auto table = guest_range(memory, iovs, iovs_count * 8);
  if (!table) return bad_range("fd_write", "iovec array", memory, iovs, iovs_count * 8);
  std::string text;
  for (std::uint32_t i = 0; i < iovs_count; ++i) {
    const std::uint32_t buf = load_u32(table->data() + 8 * i);
    const std::uint32_t len = load_u32(table->data() + 8 * i + 4);
    auto bytes = guest_range(memory, buf, len);
    if (!bytes) return bad_range("fd_write", "iovec buffer", memory, buf, len);
    text.append(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  }
  const std::uint32_t written = static_cast<std::uint32_t>(text.size());
  while (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty()) {
    host_.log(mqtt::LogLevel::kWarning,
              std::string(fd == 1 ? "wasm module stdout: " : "wasm module stderr: ") + text);
  }
  if (!store_u32(memory, "fd_write", written_ptr, written)) return false;
  error = kWasiSuccess;
  return true;
}

bool HostAbi::fd_close(std::uint32_t, std::uint32_t& error) {
  error = kWasiBadFileDescriptor;
  return true;
}

bool HostAbi::fd_seek(std::uint32_t fd, std::uint32_t, std::uint32_t& error) {
  error = fd <= 2 ? kWasiIllegalSeek : kWasiBadFileDescriptor;
  return true;
}

bool HostAbi::fd_fdstat_get(GuestMemory memory, std::uint32_t fd, std::uint32_t stat_ptr,
                            std::uint32_t& error) {
  if (fd != 1 && fd != 2) {
    error = kWasiBadFileDescriptor;
    return true;
  }
  auto stat = guest_range(memory, stat_ptr, 24);  // struct fdstat: 24 bytes
  if (!stat) return bad_range("fd_fdstat_get", "fdstat", memory, stat_ptr, 24);
  std::memset(stat->data(), 0, 24);
  (*stat)[0] = kWasiFiletypeCharacterDevice;
  std::memcpy(stat->data() + 8, &kWasiRightFdWrite, 8);
  error = kWasiSuccess;
  return true;
}

bool HostAbi::clock_time_get(GuestMemory memory, std::uint32_t clock_id, std::uint32_t time_ptr,
                             std::uint32_t& error) {
  std::uint64_t ns = 0;
  if (clock_id == kWasiClockRealtime) {
    ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
  } else if (clock_id == kWasiClockMonotonic) {
    ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
  } else {
    error = kWasiInvalidArgument;
    return true;
  }
  auto out = guest_range(memory, time_ptr, 8);
  if (!out) return bad_range("clock_time_get", "result pointer", memory, time_ptr, 8);
  std::memcpy(out->data(), &ns, 8);
  error = kWasiSuccess;
  return true;
}

bool HostAbi::random_get(GuestMemory memory, std::uint32_t ptr, std::uint32_t length,
                         std::uint32_t& error) {
  auto out = guest_range(memory, ptr, length);
  if (!out) return bad_range("random_get", "buffer", memory, ptr, length);
  for (std::uint32_t done = 0; done < length;) {
    const std::uint32_t chunk = length - done > (1u << 20) ? (1u << 20) : length - done;
    if (RAND_bytes(out->data() + done, static_cast<int>(chunk)) != 1) {
      return raise(WasmTrapKind::kOther, "random_get: RAND_bytes failed");
    }
    done += chunk;
  }
  error = kWasiSuccess;
  return true;
}

bool HostAbi::sizes_get_empty(GuestMemory memory, std::uint32_t count_ptr, std::uint32_t size_ptr,
                              std::uint32_t& error) {
  if (!store_u32(memory, "environ/args sizes_get", count_ptr, 0) ||
      !store_u32(memory, "environ/args sizes_get", size_ptr, 0)) {
    return false;
  }
  error = kWasiSuccess;
  return true;
}

bool HostAbi::proc_exit(std::uint32_t code) {
  return raise(WasmTrapKind::kExit, "proc_exit(" + std::to_string(code) + ")");
}

bool HostAbi::host_error(const char* what) {
  return raise(WasmTrapKind::kOther, std::string("host error while serving an import: ") + what);
}

}  // namespace trustmq::runtime
