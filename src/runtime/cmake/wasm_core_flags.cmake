# The one definition of how the core is compiled to wasm32-wasi (docs/wasm.md, Build;
# docs/architecture.md, Host ABI), used by the build (src/runtime/CMakeLists.txt) and by the
# reproducibility test, so both run the very same command lines. Inputs:
# TRUSTMQ_WASM_SOURCE_ROOT (the tree being compiled; mapped to /trustmq in anything the compiler
# records), TRUSTMQ_WASM_MAX_MEMORY (bytes, multiple of 65536).
set(TRUSTMQ_WASM_CXX clang++-19)
set(TRUSTMQ_WASM_TARGET_FLAGS --target=wasm32-wasi --sysroot=/usr)
set(TRUSTMQ_WASM_COMPILE_FLAGS
  ${TRUSTMQ_WASM_TARGET_FLAGS}
  -std=c++20 -O2 -DNDEBUG -fno-exceptions -fno-rtti
  -mbulk-memory  # memcpy/memset as memory.copy/fill: wasm2c turns them into native memcpy
  -Wall -Wextra
  -ffile-prefix-map=${TRUSTMQ_WASM_SOURCE_ROOT}=/trustmq
  -fdebug-prefix-map=${TRUSTMQ_WASM_SOURCE_ROOT}=/trustmq
  -I${TRUSTMQ_WASM_SOURCE_ROOT}/src)
# -Werror only with TRUSTMQ_WERROR (make, CI); it does not change the code, so the module's
# measurement is the same either way (the reproducibility test runs without it).
if(TRUSTMQ_WERROR)
  list(APPEND TRUSTMQ_WASM_COMPILE_FLAGS -Werror)
endif()
set(TRUSTMQ_WASM_LINK_FLAGS
  ${TRUSTMQ_WASM_TARGET_FLAGS} -mexec-model=reactor
  -Wl,--stack-first -Wl,-z,stack-size=262144
  -Wl,--max-memory=${TRUSTMQ_WASM_MAX_MEMORY}
  -s)
# Sources of the module relative to the source root, besides the core's own src/mqtt/*.cpp.
set(TRUSTMQ_WASM_GUEST_SOURCES
  src/runtime/broker_config_codec.cpp
  src/runtime/peer_info_codec.cpp
  src/runtime/guest/allocation_failure.cpp
  src/runtime/guest/imported_broker_host.cpp
  src/runtime/guest/module_exports.cpp)
