# The layout rules of docs/architecture.md, checked on the sources:
#   - which folder of src/ may include which (core ← rpc ← versions; store and transport on
#     core only; no version includes another);
#   - no dynamic_cast in src/ (modules find each other through pointers their factories set);
#   - no hand-written source file over 800 lines (generated files excepted).
# Usage: cmake -DSRC=<repository root> -P tests/layout_check.cmake
cmake_policy(SET CMP0007 NEW)
set(errors "")

function(forbid folder pattern why)
  file(GLOB_RECURSE files ${SRC}/src/${folder}/*.cpp ${SRC}/src/${folder}/*.hpp)
  foreach(f IN LISTS files)
    file(STRINGS ${f} lines REGEX "^#include \"(${pattern})")
    if(lines)
      file(RELATIVE_PATH rel ${SRC} ${f})
      string(APPEND errors "${rel}: ${lines} (${why})\n")
    endif()
  endforeach()
  set(errors "${errors}" PARENT_SCOPE)
endfunction()

forbid(core "rpc/|store/|transport/|v16/|v201/|security/" "src/core includes only the public headers")
forbid(rpc "store/|transport/|v16/|v201/" "src/rpc builds on src/core only")
forbid(store "rpc/|transport/|v16/|v201/" "src/store builds on src/core only")
forbid(transport "rpc/|store/|v16/|v201/" "src/transport builds on src/core only")
forbid(v16 "v201/" "a version never includes another")
forbid(v201 "v16/" "a version never includes another")

file(GLOB_RECURSE sources ${SRC}/src/*.cpp ${SRC}/src/*.hpp)
foreach(f IN LISTS sources)
  file(STRINGS ${f} casts REGEX "dynamic_cast<")
  if(casts)
    file(RELATIVE_PATH rel ${SRC} ${f})
    string(APPEND errors "${rel}: dynamic_cast\n")
  endif()
endforeach()

file(GLOB_RECURSE handwritten ${SRC}/src/*.cpp ${SRC}/src/*.hpp ${SRC}/include/*.hpp
     ${SRC}/tests/*.cpp ${SRC}/tests/*.hpp ${SRC}/examples/*.cpp ${SRC}/fuzz/*.cpp
     ${SRC}/tools/*.py ${SRC}/tools/*.cpp)
foreach(f IN LISTS handwritten)
  if(f MATCHES "/generated/" OR f MATCHES "/node_modules/")
    continue()
  endif()
  file(READ ${f} content)
  string(REGEX MATCHALL "\n" newlines "${content}")
  list(LENGTH newlines n)
  if(n GREATER 800)
    file(RELATIVE_PATH rel ${SRC} ${f})
    string(APPEND errors "${rel}: ${n} lines (over 800)\n")
  endif()
endforeach()

if(errors)
  message(FATAL_ERROR "layout rules broken:\n${errors}")
endif()
