# Script mode (a ctest): builds trustmq-core.wasm twice, from two copies of the sources in two
# different directories, with the build's own command lines (wasm_core_flags.cmake), and checks
# that both give the same SHA-256 — the same as the artefact of the build itself.
#   cmake -DSOURCE_DIR=<repo> -DWORK_DIR=<tmp> -DARTEFACT=<trustmq-core.wasm>
#         -DMAX_MEMORY=<bytes> -P reproducible_build_test.cmake
foreach(var SOURCE_DIR WORK_DIR ARTEFACT MAX_MEMORY)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "reproducible_build_test.cmake: ${var} not set")
  endif()
endforeach()

file(REMOVE_RECURSE ${WORK_DIR})
set(hashes "")
foreach(place "one/trustmq" "two/a/much/longer/path/elsewhere")
  set(root ${WORK_DIR}/${place})
  set(build ${WORK_DIR}/${place}-build)
  file(MAKE_DIRECTORY ${root}/src/runtime ${build})
  file(COPY ${SOURCE_DIR}/src/mqtt DESTINATION ${root}/src)
  file(COPY ${SOURCE_DIR}/src/runtime/guest DESTINATION ${root}/src/runtime)
  file(COPY ${SOURCE_DIR}/src/runtime/broker_config_codec.h
       ${SOURCE_DIR}/src/runtime/broker_config_codec.cpp ${SOURCE_DIR}/src/runtime/peer_info_codec.h
       ${SOURCE_DIR}/src/runtime/peer_info_codec.cpp DESTINATION ${root}/src/runtime)

  set(TRUSTMQ_WASM_SOURCE_ROOT ${root})
  set(TRUSTMQ_WASM_MAX_MEMORY ${MAX_MEMORY})
  include(${CMAKE_CURRENT_LIST_DIR}/wasm_core_flags.cmake)
  file(GLOB sources ${root}/src/mqtt/*.cpp)
  foreach(rel ${TRUSTMQ_WASM_GUEST_SOURCES})
    list(APPEND sources ${root}/${rel})
  endforeach()
  set(objects "")
  foreach(src ${sources})
    file(RELATIVE_PATH rel ${root} ${src})
    string(REPLACE "/" "__" obj_name "${rel}")
    set(obj ${build}/${obj_name}.o)
    execute_process(COMMAND ${TRUSTMQ_WASM_CXX} ${TRUSTMQ_WASM_COMPILE_FLAGS} -c ${src} -o ${obj}
                    WORKING_DIRECTORY ${build} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "compiling ${rel} failed")
    endif()
    list(APPEND objects ${obj})
  endforeach()
  list(SORT objects)
  execute_process(COMMAND ${TRUSTMQ_WASM_CXX} ${TRUSTMQ_WASM_LINK_FLAGS} ${objects}
                          -o ${build}/trustmq-core.wasm
                  WORKING_DIRECTORY ${build} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "linking in ${build} failed")
  endif()
  file(SHA256 ${build}/trustmq-core.wasm h)
  message(STATUS "${place}: ${h}")
  list(APPEND hashes ${h})
endforeach()

list(GET hashes 0 first)
list(GET hashes 1 second)
file(SHA256 ${ARTEFACT} built)
message(STATUS "build artefact: ${built}")
if(NOT first STREQUAL second)
  message(FATAL_ERROR "not reproducible: ${first} != ${second}")
endif()
if(NOT first STREQUAL built)
  message(FATAL_ERROR "the build's artefact differs from a rebuild of the same sources "
                      "(${built} != ${first}); is the build tree out of date?")
endif()
file(REMOVE_RECURSE ${WORK_DIR})
