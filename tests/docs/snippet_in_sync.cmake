# Fails unless the guide MD shows the file SNIPPET verbatim (SNIPPET is compiled by the build,
# so the guide's code compiles). Both paths are relative to SRC, the repository root.
file(READ ${SRC}/${SNIPPET} snippet)
file(READ ${SRC}/${MD} guide)
string(FIND "${guide}" "${snippet}" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "${MD} does not contain ${SNIPPET} verbatim")
endif()
