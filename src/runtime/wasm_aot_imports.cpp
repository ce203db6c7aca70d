// The imports of wasm2c-translated modules ("trustmq" and the WASI subset), defined once for
// every translated module in the binary. Each forwards to the shared HostAbi; when that says
// the call must trap, wasm_rt_trap() unwinds to the guarded call in wasm_aot_call.c. The
// HostAbi call has returned by then, so no C++ object is alive in the frame being unwound.
#include <cstdint>
#include <exception>

#include "runtime/wasm_aot_host_context.h"

using trustmq::runtime::HostAbi;
using u32 = std::uint32_t;  // wasm2c's names for the Wasm value types
using u64 = std::uint64_t;

namespace {

// Runs one import through the HostAbi; an exception from the host becomes a trap too, since
// it must not unwind through generated C frames.
template <typename Call>
void serve(WasmAotHostContext* context, Call call) {
  bool ok = false;
  try {
    ok = call(*context->abi, context->guest_memory());
  } catch (const std::exception& e) {
    ok = context->abi->host_error(e.what());
  }
  if (!ok) wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE);
}

}  // namespace

extern "C" {

void Z_trustmqZ_send(struct Z_trustmq_instance_t* self, u32 conn, u32 ptr, u32 length, u32 kind) {
  serve(self->context,
        [&](HostAbi& abi, auto memory) { return abi.send(memory, conn, ptr, length, kind); });
}

void Z_trustmqZ_close(struct Z_trustmq_instance_t* self, u32 conn) {
  serve(self->context, [&](HostAbi& abi, auto) { return abi.close(conn); });
}

void Z_trustmqZ_log(struct Z_trustmq_instance_t* self, u32 level, u32 ptr, u32 length) {
  serve(self->context,
        [&](HostAbi& abi, auto memory) { return abi.log(memory, level, ptr, length); });
}

u32 Z_trustmqZ_authenticate(struct Z_trustmq_instance_t* self, u32 username_ptr,
                            u32 username_length, u32 password_ptr, u32 password_length) {
  u32 allowed = 0;
  serve(self->context, [&](HostAbi& abi, auto memory) {
    return abi.authenticate(memory, username_ptr, username_length, password_ptr, password_length,
                            allowed);
  });
  return allowed;
}

u32 Z_trustmqZ_produce_evidence(struct Z_trustmq_instance_t* self, u32 conn, u32 request_ptr,
                                u32 request_length, u32 authenticated, u32 out_ptr, u32 capacity,
                                u32 length_ptr) {
  u32 status = 0;
  serve(self->context, [&](HostAbi& abi, auto memory) {
    return abi.produce_evidence(memory, conn, request_ptr, request_length, authenticated, out_ptr,
                                capacity, length_ptr, status);
  });
  return status;
}

u32 Z_trustmqZ_attest_client(struct Z_trustmq_instance_t* self, u32 conn, u32 step, u32 input_ptr,
                             u32 input_length, u32 out_ptr, u32 capacity, u32 length_ptr) {
  u32 status = 0;
  serve(self->context, [&](HostAbi& abi, auto memory) {
    return abi.attest_client(memory, conn, step, input_ptr, input_length, out_ptr, capacity,
                             length_ptr, status);
  });
  return status;
}

void Z_trustmqZ_persist(struct Z_trustmq_instance_t* self, u32 ptr, u32 length) {
  serve(self->context, [&](HostAbi& abi, auto memory) { return abi.persist(memory, ptr, length); });
}

void Z_trustmqZ_fatal(struct Z_trustmq_instance_t* self, u32 ptr, u32 length) {
  serve(self->context, [&](HostAbi& abi, auto memory) { return abi.fatal(memory, ptr, length); });
}

u32 Z_wasi_snapshot_preview1Z_fd_write(struct Z_wasi_snapshot_preview1_instance_t* self, u32 fd,
                                       u32 iovs, u32 iovs_count, u32 written_ptr) {
  u32 error = 0;
  serve(self->context, [&](HostAbi& abi, auto memory) {
    return abi.fd_write(memory, fd, iovs, iovs_count, written_ptr, error);
  });
  return error;
}

u32 Z_wasi_snapshot_preview1Z_fd_close(struct Z_wasi_snapshot_preview1_instance_t* self, u32 fd) {
  u32 error = 0;
  serve(self->context, [&](HostAbi& abi, auto) { return abi.fd_close(fd, error); });
  return error;
}

u32 Z_wasi_snapshot_preview1Z_fd_seek(struct Z_wasi_snapshot_preview1_instance_t* self, u32 fd, u64,
                                      u32, u32 result_ptr) {
  u32 error = 0;
  serve(self->context, [&](HostAbi& abi, auto) { return abi.fd_seek(fd, result_ptr, error); });
  return error;
}

u32 Z_wasi_snapshot_preview1Z_fd_fdstat_get(struct Z_wasi_snapshot_preview1_instance_t* self,
                                            u32 fd, u32 stat_ptr) {
  u32 error = 0;
  serve(self->context,
        [&](HostAbi& abi, auto memory) { return abi.fd_fdstat_get(memory, fd, stat_ptr, error); });
  return error;
}

u32 Z_wasi_snapshot_preview1Z_clock_time_get(struct Z_wasi_snapshot_preview1_instance_t* self,
                                             u32 clock_id, u64, u32 time_ptr) {
  u32 error = 0;
  serve(self->context, [&](HostAbi& abi, auto memory) {
    return abi.clock_time_get(memory, clock_id, time_ptr, error);
  });
  return error;
}

u32 Z_wasi_snapshot_preview1Z_random_get(struct Z_wasi_snapshot_preview1_instance_t* self, u32 ptr,
                                         u32 length) {
  u32 error = 0;
  serve(self->context,
        [&](HostAbi& abi, auto memory) { return abi.random_get(memory, ptr, length, error); });
  return error;
}

u32 Z_wasi_snapshot_preview1Z_environ_sizes_get(struct Z_wasi_snapshot_preview1_instance_t* self,
                                                u32 count_ptr, u32 size_ptr) {
  u32 error = 0;
  serve(self->context, [&](HostAbi& abi, auto memory) {
    return abi.sizes_get_empty(memory, count_ptr, size_ptr, error);
  });
  return error;
}

u32 Z_wasi_snapshot_preview1Z_environ_get(struct Z_wasi_snapshot_preview1_instance_t*, u32, u32) {
  return trustmq::runtime::kWasiSuccess;  // the environment is empty: nothing to write
}

u32 Z_wasi_snapshot_preview1Z_args_sizes_get(struct Z_wasi_snapshot_preview1_instance_t* self,
                                             u32 count_ptr, u32 size_ptr) {
  u32 error = 0;
  serve(self->context, [&](HostAbi& abi, auto memory) {
    return abi.sizes_get_empty(memory, count_ptr, size_ptr, error);
  });
  return error;
}

u32 Z_wasi_snapshot_preview1Z_args_get(struct Z_wasi_snapshot_preview1_instance_t*, u32, u32) {
  return trustmq::runtime::kWasiSuccess;
}

void Z_wasi_snapshot_preview1Z_proc_exit(struct Z_wasi_snapshot_preview1_instance_t* self,
                                         u32 code) {
  serve(self->context, [&](HostAbi& abi, auto) { return abi.proc_exit(code); });
  wasm_rt_unreachable();
}

}  // extern "C"
