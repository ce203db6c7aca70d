/* A module translated by wasm2c at build time, as the wasm-aot engine sees it: a table of the
 * generated functions, filled in by a generated adapter (cmake/wasm_aot_adapter.cmake) for each
 * translated .wasm. Plain C so that generated C code and the C++ engine share it. */
#ifndef TRUSTMQ_RUNTIME_WASM_AOT_MODULE_H_
#define TRUSTMQ_RUNTIME_WASM_AOT_MODULE_H_

#include <stddef.h>
#include <stdint.h>

#include "wasm-rt.h"

#ifdef __cplusplus
extern "C" {
#endif

struct WasmAotHostContext; /* defined by the engine (C++) */

/* wasm2c passes one of these to every import of the named import module. */
struct Z_trustmq_instance_t {
  struct WasmAotHostContext* context;
};
struct Z_wasi_snapshot_preview1_instance_t {
  struct WasmAotHostContext* context;
};

typedef struct WasmAotModule {
  const char* name;        /* wasm2c -n name */
  const char* measurement; /* SHA-256 of the translated .wasm, recorded at build time */
  size_t instance_size;
  void (*init_module)(void); /* idempotent */
  void (*instantiate)(void* instance, struct Z_trustmq_instance_t*,
                      struct Z_wasi_snapshot_preview1_instance_t*);
  void (*free_instance)(void* instance);
  wasm_rt_memory_t* (*memory)(void* instance);
  /* Exports; NULL when the module lacks them. */
  void (*initialize)(void* instance);
  uint32_t (*input_buffer)(void* instance, uint32_t size);
  uint32_t (*init)(void* instance, uint32_t ptr, uint32_t length, uint64_t now);
  void (*on_open)(void* instance, uint32_t conn, uint32_t ptr, uint32_t length, uint64_t now);
  void (*on_data)(void* instance, uint32_t conn, uint32_t ptr, uint32_t length, uint64_t now);
  void (*on_close)(void* instance, uint32_t conn, uint64_t now);
  uint64_t (*on_tick)(void* instance, uint64_t now);
  uint32_t (*reload_security)(void* instance, uint32_t ptr, uint32_t length, uint64_t now);
  uint32_t (*restore)(void* instance, uint32_t ptr, uint32_t length, uint64_t now);
} WasmAotModule;

/* Guarded calls (wasm_aot_call.c): each runs one export under wasm_rt_impl_try() and returns
 * the trap code (WASM_RT_TRAP_NONE on success). */
wasm_rt_trap_t wasm_aot_call_initialize(const WasmAotModule* m, void* instance);
wasm_rt_trap_t wasm_aot_call_input_buffer(const WasmAotModule* m, void* instance, uint32_t size,
                                          uint32_t* result);
wasm_rt_trap_t wasm_aot_call_init(const WasmAotModule* m, void* instance, uint32_t ptr,
                                  uint32_t length, uint64_t now, uint32_t* result);
wasm_rt_trap_t wasm_aot_call_on_open(const WasmAotModule* m, void* instance, uint32_t conn,
                                     uint32_t ptr, uint32_t length, uint64_t now);
wasm_rt_trap_t wasm_aot_call_on_data(const WasmAotModule* m, void* instance, uint32_t conn,
                                     uint32_t ptr, uint32_t length, uint64_t now);
wasm_rt_trap_t wasm_aot_call_on_close(const WasmAotModule* m, void* instance, uint32_t conn,
                                      uint64_t now);
wasm_rt_trap_t wasm_aot_call_on_tick(const WasmAotModule* m, void* instance, uint64_t now,
                                     uint64_t* result);
wasm_rt_trap_t wasm_aot_call_reload_security(const WasmAotModule* m, void* instance, uint32_t ptr,
                                             uint32_t length, uint64_t now, uint32_t* result);
wasm_rt_trap_t wasm_aot_call_restore(const WasmAotModule* m, void* instance, uint32_t ptr,
                                     uint32_t length, uint64_t now, uint32_t* result);

#ifdef __cplusplus
}
#endif

#endif /* TRUSTMQ_RUNTIME_WASM_AOT_MODULE_H_ */
