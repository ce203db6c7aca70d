// The functions the module imports from the host (module "trustmq"), i.e. the guest's view of
// the host ABI in docs/wasm.md. Pointers are offsets into this module's linear memory; the host
// checks every (pointer, length) pair against the memory's bounds before touching it.
#pragma once

#include <cstdint>

namespace trustmq::guest {

#define TRUSTMQ_IMPORT(name) __attribute__((import_module("trustmq"), import_name(name)))

extern "C" {
TRUSTMQ_IMPORT("send")
void host_send(std::uint32_t conn, const void* bytes, std::uint32_t length, std::uint32_t kind);
TRUSTMQ_IMPORT("close") void host_close(std::uint32_t conn);
TRUSTMQ_IMPORT("log") void host_log(std::uint32_t level, const char* text, std::uint32_t length);
TRUSTMQ_IMPORT("authenticate")
std::int32_t host_authenticate(const char* username, std::uint32_t username_length,
                               const void* password, std::uint32_t password_length);
// Asks for attestation evidence (method trustmq-attest-v1): writes at most `capacity` bytes at
// `out`, their number at `out_length`, and returns an mqtt::EvidenceStatus.
TRUSTMQ_IMPORT("produce_evidence")
std::uint32_t host_produce_evidence(std::uint32_t conn, const void* request,
                                    std::uint32_t request_length, std::uint32_t authenticated,
                                    void* out, std::uint32_t capacity, std::uint32_t* out_length);
// Verifies an attested client's evidence (method trustmq-attest-v1): `step` is an
// mqtt::ClientEvidenceStep; writes at most `capacity` bytes of claims, challenge or refusal
// reason at `out`, their number at `out_length`, and returns an mqtt::ClientEvidenceStatus.
TRUSTMQ_IMPORT("attest_client")
std::uint32_t host_attest_client(std::uint32_t conn, std::uint32_t step, const void* input,
                                 std::uint32_t input_length, void* out, std::uint32_t capacity,
                                 std::uint32_t* out_length);

// One persistence record (mqtt/persistence_record.h) for the host to store.
TRUSTMQ_IMPORT("persist") void host_persist(const void* record, std::uint32_t length);
// Reports an unrecoverable condition ("module memory limit reached"); the host stops the
// instance with a trap and never returns.
TRUSTMQ_IMPORT("fatal") void host_fatal(const char* text, std::uint32_t length);
}

#undef TRUSTMQ_IMPORT

// Calls host_fatal and, should the host ever return, traps.
[[noreturn]] void fatal(const char* text);

}  // namespace trustmq::guest
