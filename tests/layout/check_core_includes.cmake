# check_core_includes.cmake — fails if core includes anything that is not
# core's, or if a stage includes a stage it must not know.
#
#   cmake -DCORE_DIR=<path to core> -P check_core_includes.cmake
#
# core depends on no other folder of the project (recorder, dustlib_k and
# debugger-ui depend on it, never the reverse), and within core the stages
# point one way: model <- compile <- load, compile <- run (run compiles
# the debugger's expressions with the program's compiler), and model <- solve.
# Only solve/z3_phi_solver.cpp may include Z3 (<z3.h>, <z3++.h>). Every quoted
# include must resolve inside core: beside the including file, under core/
# by stage (`compile/text_scan.hpp`), or a public header (`dust/value.hpp`).
# Angle-bracket includes of `dust/...` must be core's public headers too.
if(NOT CORE_DIR OR NOT IS_DIRECTORY "${CORE_DIR}")
  message(FATAL_ERROR "check_core_includes: CORE_DIR is not a directory: '${CORE_DIR}'")
endif()
get_filename_component(CORE_DIR "${CORE_DIR}" ABSOLUTE)

set(allowed_model model)
set(allowed_compile compile model)
set(allowed_load load compile model)
set(allowed_run run compile model)
set(allowed_solve solve model)
set(allowed_include)

file(GLOB_RECURSE sources RELATIVE "${CORE_DIR}" "${CORE_DIR}/*.cpp" "${CORE_DIR}/*.hpp" "${CORE_DIR}/*.inl" "${CORE_DIR}/*.h")
set(problems "")
set(checked 0)
foreach(rel IN LISTS sources)
  string(REGEX MATCH "^[^/]+" stage "${rel}")
  get_filename_component(here "${CORE_DIR}/${rel}" DIRECTORY)
  file(STRINGS "${CORE_DIR}/${rel}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]")
  foreach(line IN LISTS lines)
    math(EXPR checked "${checked} + 1")
    if(line MATCHES "#[ \t]*include[ \t]*\"([^\"]+)\"")
      set(inc "${CMAKE_MATCH_1}")
      set(target "")
      foreach(candidate "${here}/${inc}" "${CORE_DIR}/${inc}" "${CORE_DIR}/include/${inc}")
        if(NOT target AND EXISTS "${candidate}")
          set(target "${candidate}")
        endif()
      endforeach()
      if(NOT target)
        string(APPEND problems "  core/${rel}: includes \"${inc}\", which is not part of core\n")
        continue()
      endif()
      file(RELATIVE_PATH target_rel "${CORE_DIR}" "${target}")
      if(target_rel MATCHES "^\\.\\.")
        string(APPEND problems "  core/${rel}: includes \"${inc}\", which leaves core\n")
        continue()
      endif()
      string(REGEX MATCH "^[^/]+" target_stage "${target_rel}")
      if(NOT target_stage STREQUAL "include" AND NOT target_stage STREQUAL stage)
        if(NOT DEFINED allowed_${stage})
          string(APPEND problems "  core/${rel}: ${stage}/ is not a stage, yet it includes \"${inc}\" from ${target_stage}/\n")
        else()
          list(FIND allowed_${stage} "${target_stage}" found)
          if(found EQUAL -1)
            string(APPEND problems "  core/${rel}: stage ${stage}/ must not include \"${inc}\" (${target_stage}/)\n")
          endif()
        endif()
      endif()
    elseif(line MATCHES "#[ \t]*include[ \t]*<(z3[^>]*)>")
      if(NOT rel STREQUAL "solve/z3_phi_solver.cpp")
        string(APPEND problems "  core/${rel}: includes <${CMAKE_MATCH_1}>; only solve/z3_phi_solver.cpp may know Z3\n")
      endif()
    elseif(line MATCHES "#[ \t]*include[ \t]*<(dust[^>]*|recorder/[^>]*|debugger-ui/[^>]*|model/[^>]*)>")
      set(inc "${CMAKE_MATCH_1}")
      if(NOT EXISTS "${CORE_DIR}/include/${inc}")
        string(APPEND problems "  core/${rel}: includes <${inc}>, which is not one of core's public headers\n")
      endif()
    endif()
  endforeach()
endforeach()

if(checked EQUAL 0)
  message(FATAL_ERROR "check_core_includes: found no includes under ${CORE_DIR}")
endif()
if(problems)
  message(FATAL_ERROR "core's include boundaries are broken:\n${problems}")
endif()
message(STATUS "core's includes stay inside core and its stage order (${checked} includes checked)")
