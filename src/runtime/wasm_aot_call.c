/* Calls into wasm2c-generated code. A trap unwinds with (sig)longjmp to the setjmp in
 * wasm_rt_impl_try(); keeping that pair inside plain C functions means no C++ frame with
 * destructors is ever skipped. */
#include "runtime/wasm_aot_module.h"
#include "wasm-rt-impl.h"

wasm_rt_trap_t wasm_aot_call_initialize(const WasmAotModule* m, void* instance) {
  wasm_rt_trap_t trap = (wasm_rt_trap_t)wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) return trap;
  m->initialize(instance);
  return WASM_RT_TRAP_NONE;
}

wasm_rt_trap_t wasm_aot_call_input_buffer(const WasmAotModule* m, void* instance, uint32_t size,
                                          uint32_t* result) {
  wasm_rt_trap_t trap = (wasm_rt_trap_t)wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) return trap;
  *result = m->input_buffer(instance, size);
  return WASM_RT_TRAP_NONE;
}

wasm_rt_trap_t wasm_aot_call_init(const WasmAotModule* m, void* instance, uint32_t ptr,
                                  uint32_t length, uint64_t now, uint32_t* result) {
  wasm_rt_trap_t trap = (wasm_rt_trap_t)wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) return trap;
  *result = m->init(instance, ptr, length, now);
  return WASM_RT_TRAP_NONE;
}

wasm_rt_trap_t wasm_aot_call_on_open(const WasmAotModule* m, void* instance, uint32_t conn,
                                     uint32_t ptr, uint32_t length, uint64_t now) {
  wasm_rt_trap_t trap = (wasm_rt_trap_t)wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) return trap;
  m->on_open(instance, conn, ptr, length, now);
  return WASM_RT_TRAP_NONE;
}

wasm_rt_trap_t wasm_aot_call_on_data(const WasmAotModule* m, void* instance, uint32_t conn,
                                     uint32_t ptr, uint32_t length, uint64_t now) {
  wasm_rt_trap_t trap = (wasm_rt_trap_t)wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) return trap;
  m->on_data(instance, conn, ptr, length, now);
  return WASM_RT_TRAP_NONE;
}

wasm_rt_trap_t wasm_aot_call_on_close(const WasmAotModule* m, void* instance, uint32_t conn,
                                      uint64_t now) {
  wasm_rt_trap_t trap = (wasm_rt_trap_t)wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) return trap;
  m->on_close(instance, conn, now);
  return WASM_RT_TRAP_NONE;
}

wasm_rt_trap_t wasm_aot_call_on_tick(const WasmAotModule* m, void* instance, uint64_t now,
                                     uint64_t* result) {
  wasm_rt_trap_t trap = (wasm_rt_trap_t)wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) return trap;
  *result = m->on_tick(instance, now);
  return WASM_RT_TRAP_NONE;
}

wasm_rt_trap_t wasm_aot_call_reload_security(const WasmAotModule* m, void* instance, uint32_t ptr,
                                             uint32_t length, uint64_t now, uint32_t* result) {
  wasm_rt_trap_t trap = (wasm_rt_trap_t)wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) return trap;
  *result = m->reload_security(instance, ptr, length, now);
  return WASM_RT_TRAP_NONE;
}

wasm_rt_trap_t wasm_aot_call_restore(const WasmAotModule* m, void* instance, uint32_t ptr,
                                     uint32_t length, uint64_t now, uint32_t* result) {
  wasm_rt_trap_t trap = (wasm_rt_trap_t)wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) return trap;
  *result = m->restore(instance, ptr, length, now);
  return WASM_RT_TRAP_NONE;
}
