# Script mode (a ctest): `trustmq measure trustmq-core.wasm` must print exactly the measurement
# that the wasm-aot engine recorded at build time (in its generated adapter).
#   cmake -DTRUSTMQ=<trustmq binary> -DWASM=<trustmq-core.wasm> -DADAPTER=<core_adapter.c>
#         -P measure_matches_aot_test.cmake
execute_process(COMMAND ${TRUSTMQ} measure ${WASM} OUTPUT_VARIABLE printed RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "trustmq measure failed (${rc})")
endif()
string(STRIP "${printed}" printed)
if(NOT printed MATCHES "^[0-9a-f]+$")
  message(FATAL_ERROR "trustmq measure printed '${printed}', not lower-case hex")
endif()
file(READ ${ADAPTER} adapter)
string(REGEX MATCH "\"([0-9a-f]+)\",\n *sizeof" found "${adapter}")
set(recorded "${CMAKE_MATCH_1}")
message(STATUS "trustmq measure: ${printed}")
message(STATUS "wasm-aot recorded: ${recorded}")
if(NOT printed STREQUAL recorded)
  message(FATAL_ERROR "measurement mismatch")
endif()
