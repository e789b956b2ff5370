# hycim_verilate(BLOCK <block> CONFIG <cfg>)
#
# Verilates one RTL block of rtl/config/hycim.toml in one named configuration into the static
# library hycim_vl_<block>_<cfg> (model class V<block>_<cfg>), with:
#   -Wall --assert (warnings fail the configure step, docs/toolchain.md section 2),
#   the block's parameters from the generated -G file of that configuration,
#   FST tracing compiled in (switched on at run time by the harness),
#   coverage when HYCIM_COVERAGE is ON,
# and re-exports Verilator's VM_* definitions so that every test linking the library sees them.
# Every test of that (block, configuration) pair links to this one library.
# _hycim_verilated_runtime(<sources>)
#
# The Verilator runtime, compiled once for the whole build (hycim_verilated_rt): the union of the
# runtime sources that verilate() lists for the blocks (a block with DPI adds verilated_dpi.cpp).
# Every block is verilated with the same options (FST tracing, coverage by HYCIM_COVERAGE), so
# one set of objects serves them all.
function(_hycim_verilated_runtime rt_srcs)
  if(TARGET hycim_verilated_rt)
    get_property(_have GLOBAL PROPERTY HYCIM_VERILATED_RT_SOURCES)
    foreach(_s ${rt_srcs})
      if(NOT _s IN_LIST _have)
        target_sources(hycim_verilated_rt PRIVATE ${_s})
        set_property(GLOBAL APPEND PROPERTY HYCIM_VERILATED_RT_SOURCES ${_s})
      endif()
    endforeach()
    return()
  endif()
  set_property(GLOBAL PROPERTY HYCIM_VERILATED_RT_SOURCES "${rt_srcs}")
  add_library(hycim_verilated_rt STATIC ${rt_srcs})
  if(HYCIM_COVERAGE)
    set(_cov 1)
  else()
    set(_cov 0)
  endif()
  # The same definitions verilate() gives its own copy of these files.
  target_compile_definitions(hycim_verilated_rt PRIVATE
    VM_COVERAGE=${_cov} VM_SC=0 VM_TRACE=1 VM_TRACE_VCD=0 VM_TRACE_FST=1)
  target_include_directories(hycim_verilated_rt SYSTEM PUBLIC
    "${VERILATOR_ROOT}/include" "${VERILATOR_ROOT}/include/vltstd")
  find_package(Threads REQUIRED)
  find_package(ZLIB REQUIRED)
  target_link_libraries(hycim_verilated_rt PUBLIC Threads::Threads ZLIB::ZLIB)
  target_compile_options(hycim_verilated_rt PRIVATE -w)
endfunction()

function(hycim_verilate)
  cmake_parse_arguments(HV "" "BLOCK;CONFIG" "" ${ARGN})
  if(NOT HV_BLOCK OR NOT HV_CONFIG)
    message(FATAL_ERROR "hycim_verilate: BLOCK and CONFIG are required")
  endif()
  if(NOT DEFINED HYCIM_BLOCK_${HV_BLOCK}_TOP)
    message(FATAL_ERROR "hycim_verilate: block '${HV_BLOCK}' is not in rtl/config/hycim.toml")
  endif()
  if(NOT HV_CONFIG IN_LIST HYCIM_BLOCK_${HV_BLOCK}_CONFIGS)
    message(FATAL_ERROR "hycim_verilate: block '${HV_BLOCK}' lists no configuration '${HV_CONFIG}'")
  endif()
  set(target hycim_vl_${HV_BLOCK}_${HV_CONFIG})
  if(TARGET ${target})
    return()
  endif()
  set(top ${HYCIM_BLOCK_${HV_BLOCK}_TOP})
  add_library(${target} STATIC)
  # C++ that includes the model guards itself with this (a full-tier model may be absent).
  target_compile_definitions(${target} INTERFACE HYCIM_HAVE_${HV_BLOCK}_${HV_CONFIG}=1)
  set(cov_args)
  if(HYCIM_COVERAGE)
    set(cov_args COVERAGE)
  endif()
  verilate(${target}
    ${cov_args}
    TRACE_FST
    PREFIX V${HV_BLOCK}_${HV_CONFIG}
    TOP_MODULE ${top}
    DIRECTORY ${CMAKE_BINARY_DIR}/verilated/${HV_BLOCK}_${HV_CONFIG}
    SOURCES ${CMAKE_SOURCE_DIR}/rtl/lint/verilator_waiver.vlt ${HYCIM_BLOCK_${HV_BLOCK}_SOURCES}
    INCLUDE_DIRS ${CMAKE_SOURCE_DIR}/rtl/core ${HYCIM_LUT_DIR}
    VERILATOR_ARGS -Wall --assert
      -f ${HYCIM_GEN_DIR}/${HV_CONFIG}/${HV_BLOCK}.vc
      --timescale 1ns/1ns
      --trace-max-width 256 --trace-max-array 64
      --coverage-max-width 256
      --x-assign unique --x-initial unique
      ${HYCIM_BLOCK_${HV_BLOCK}_VERILATOR_ARGS})
  # verilate() adds Verilator's runtime (verilated.cpp, the FST writer, threads, coverage) to
  # every target it is called on: about 5 s of compile each, for identical objects. Take those
  # sources out again and link the one runtime library that the first block built instead.
  get_target_property(_srcs ${target} SOURCES)
  set(_rt_srcs ${_srcs})
  list(FILTER _rt_srcs INCLUDE REGEX "^${VERILATOR_ROOT}/include/")
  list(FILTER _srcs EXCLUDE REGEX "^${VERILATOR_ROOT}/include/")
  set_property(TARGET ${target} PROPERTY SOURCES ${_srcs})
  # Verilator's "slow" files (construction, initial values) run once, and its trace files only
  # when a waveform is written; -O1 compiles them several times faster than -O3 (the attention
  # head in bert: 30 s instead of 140 s for its largest file) at no cost to simulation speed.
  set(_cold ${_srcs})
  list(FILTER _cold INCLUDE REGEX "(__Slow|__Trace__)[^/]*\\.cpp$")
  set_source_files_properties(${_cold} TARGET_DIRECTORY ${target} PROPERTIES COMPILE_OPTIONS -O1)
  _hycim_verilated_runtime("${_rt_srcs}")
  target_link_libraries(${target} PUBLIC hycim_verilated_rt)
  # Verilator makes these PRIVATE; tests must see them to compile the trace and coverage code.
  if(HYCIM_COVERAGE)
    target_compile_definitions(${target} INTERFACE VM_TRACE=1 VM_TRACE_FST=1 VM_COVERAGE=1)
  else()
    target_compile_definitions(${target} INTERFACE VM_TRACE=1 VM_TRACE_FST=1 VM_COVERAGE=0)
  endif()
  # Verilator's runtime and generated headers are not held to HyCIM's warning flags: consumers
  # include them as system headers.
  set_property(TARGET ${target} APPEND PROPERTY INTERFACE_SYSTEM_INCLUDE_DIRECTORIES
    "${VERILATOR_ROOT}/include" "${VERILATOR_ROOT}/include/vltstd"
    "${CMAKE_BINARY_DIR}/verilated/${HV_BLOCK}_${HV_CONFIG}")
  # Generated code is not held to HyCIM's warning flags.
  target_compile_options(${target} PRIVATE -w)
endfunction()

# hycim_rtl_test(NAME <exe> BLOCK <block> CONFIG <cfg> SOURCES <cc...> [LABELS ...] [TIMEOUT s])
#
# A gtest executable for one verilated (block, configuration), registered with ctest test by test
# under the label rtl. LABELS is accepted for documentation only: CMake 3.25's
# gtest_discover_tests splits a multi-value LABELS property, so tests carry the one label rtl;
# select a block's tests with ctest -R.
function(hycim_rtl_test)
  cmake_parse_arguments(HT "" "NAME;BLOCK;CONFIG;TIMEOUT" "SOURCES;LABELS;LIBS" ${ARGN})
  if(NOT HT_TIMEOUT)
    set(HT_TIMEOUT 300)
  endif()
  hycim_verilate(BLOCK ${HT_BLOCK} CONFIG ${HT_CONFIG})
  add_executable(${HT_NAME} ${HT_SOURCES} ${HYCIM_TEST_MAIN})
  # The block's saved gtkwave view for this configuration, if it has one: the binary's
  # waveforms open with it.
  if(DEFINED HYCIM_BLOCK_${HT_BLOCK}_VIEW_${HT_CONFIG})
    target_compile_definitions(${HT_NAME} PRIVATE
      HYCIM_WAVE_VIEW="${HYCIM_BLOCK_${HT_BLOCK}_VIEW_${HT_CONFIG}}")
  endif()
  target_link_libraries(${HT_NAME} PRIVATE hycim_vl_${HT_BLOCK}_${HT_CONFIG} hycim_tb_gtest
    ${HT_LIBS})
  target_compile_options(${HT_NAME} PRIVATE ${HYCIM_CXX_WARNINGS})
  gtest_discover_tests(${HT_NAME}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES TIMEOUT ${HT_TIMEOUT} LABELS rtl)
endfunction()

# hycim_gate_test(BLOCK <block> SOURCE <test .cc>)
#
# Netlist re-simulation (docs/gate_level.md "Netlist re-simulation"): the block's ci netlist in
# OSU 0.18 um (scripts/synth.py --liberty osu018 --sim-netlist: mapped, then flattened against
# the liberty's cell functions, memory stubs replaced by behavioural models) verilated into
# hycim_vl_<block>_ci_gate with the RTL model's class name (V<block>_ci), so that the block's own
# test source compiles unchanged into test_<block>_gate. Its tests carry the prefix gate. and the
# label gate; the definition HYCIM_GATE_NETLIST lets a test that needs the RTL's assertions skip.
# Verilator 5.006 needs -fno-const-bit-op-tree on such netlists (docs/toolchain.md).
function(hycim_gate_test)
  cmake_parse_arguments(HG "" "BLOCK;SOURCE;TIMEOUT" "" ${ARGN})
  if(NOT HG_TIMEOUT)
    set(HG_TIMEOUT 600)
  endif()
  set(top ${HYCIM_BLOCK_${HG_BLOCK}_TOP})
  set(dir ${CMAKE_BINARY_DIR}/gate/${HG_BLOCK}_ci)
  set(net ${dir}/${top}_sim.v)
  add_custom_command(OUTPUT ${net}
    COMMAND "${Python3_EXECUTABLE}" "${CMAKE_SOURCE_DIR}/scripts/synth.py" --liberty osu018
      --block ${HG_BLOCK} --sim-netlist --out-dir ${CMAKE_BINARY_DIR}/gate
      --json ${dir}/gate.json
    DEPENDS ${HYCIM_BLOCK_${HG_BLOCK}_SOURCES} ${CMAKE_SOURCE_DIR}/scripts/synth.py
      ${CMAKE_SOURCE_DIR}/scripts/gate_flow.py ${CMAKE_SOURCE_DIR}/scripts/gen_config.py
      ${CMAKE_SOURCE_DIR}/rtl/config/hycim.toml
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    COMMENT "Synthesizing ${HG_BLOCK} (ci) to OSU 0.18 um for netlist re-simulation"
    VERBATIM)
  # Verilator's verilate() runs Verilator at configure time, when the netlist does not exist
  # yet: the netlist is verilated and compiled at build time instead (verilator --build), and
  # its archive imported. The runtime is hycim_verilated_rt, built with the same VM_ options.
  set(target hycim_vl_${HG_BLOCK}_ci_gate)
  set(vdir ${CMAKE_BINARY_DIR}/verilated/${HG_BLOCK}_ci_gate)
  set(archive ${vdir}/V${HG_BLOCK}_ci__ALL.a)
  file(MAKE_DIRECTORY ${vdir})
  # The verilator wrapper, not verilator_bin: --build runs make with VERILATOR_ROOT set.
  find_program(HYCIM_VERILATOR_WRAPPER verilator HINTS "${VERILATOR_ROOT}/bin" REQUIRED)
  # HYCIM_GATE_POWER: every pin in the waveform (the cells' nets are named _NNNNN_, which
  # Verilator leaves out of traces by default), for scripts/gate_power.py.
  set(pins)
  if(HYCIM_GATE_POWER)
    set(pins --trace-underscore)
  endif()
  add_custom_command(OUTPUT ${archive}
    COMMAND ${HYCIM_VERILATOR_WRAPPER} --cc --build -j 2 --trace-fst ${pins} --prefix V${HG_BLOCK}_ci
      --top-module ${top} --Mdir ${vdir} -Wno-lint -Wno-style -Wno-UNOPTFLAT -fno-const-bit-op-tree
      --timescale 1ns/1ns --x-assign unique --x-initial unique
      -CFLAGS -fPIC -MAKEFLAGS -s -MAKEFLAGS OPT_FAST=-O1 -MAKEFLAGS OPT_SLOW=-O1 ${net}
    DEPENDS ${net}
    COMMENT "Verilating and compiling the ${HG_BLOCK} netlist"
    VERBATIM)
  add_custom_target(${target}_build DEPENDS ${archive})
  add_library(${target} STATIC IMPORTED GLOBAL)
  set_target_properties(${target} PROPERTIES IMPORTED_LOCATION ${archive})
  add_dependencies(${target} ${target}_build)
  target_link_libraries(${target} INTERFACE hycim_verilated_rt)
  target_compile_definitions(${target} INTERFACE VM_TRACE=1 VM_TRACE_FST=1 VM_COVERAGE=0
    HYCIM_GATE_NETLIST=1)
  set_property(TARGET ${target} APPEND PROPERTY INTERFACE_SYSTEM_INCLUDE_DIRECTORIES
    "${VERILATOR_ROOT}/include" "${VERILATOR_ROOT}/include/vltstd" "${vdir}")
  set_property(TARGET ${target} APPEND PROPERTY INTERFACE_INCLUDE_DIRECTORIES
    "${VERILATOR_ROOT}/include" "${VERILATOR_ROOT}/include/vltstd" "${vdir}")
  set(exe test_${HG_BLOCK}_gate)
  add_executable(${exe} ${HG_SOURCE} ${HYCIM_TEST_MAIN})
  target_link_libraries(${exe} PRIVATE ${target} hycim_tb_gtest)
  target_compile_options(${exe} PRIVATE ${HYCIM_CXX_WARNINGS})
  gtest_discover_tests(${exe}
    TEST_PREFIX gate.
    DISCOVERY_MODE PRE_TEST
    PROPERTIES TIMEOUT ${HG_TIMEOUT} LABELS gate)
endfunction()
