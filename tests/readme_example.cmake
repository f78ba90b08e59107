# Fails unless README.md shows examples/embed/main.cpp verbatim (that file is compiled by the
# build, so the README's example compiles).
file(READ ${SRC}/examples/embed/main.cpp example)
file(READ ${SRC}/README.md readme)
string(FIND "${readme}" "${example}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "README.md does not contain examples/embed/main.cpp verbatim")
endif()
