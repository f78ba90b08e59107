#!/usr/bin/env bash
# Builds the API reference (Doxygen over include/ocpp, configured by docs/Doxyfile) into
# build-docs/html and fails if Doxygen printed any warning, above all one about an
# undocumented public symbol (WARN_IF_UNDOCUMENTED=YES). The warnings are in
# build-docs/warnings.log.
# Usage: scripts/docs.sh            (from anywhere; installs doxygen if it is missing)
#        scripts/docs.sh --filter-generated FILE   (Doxygen's input filter, see below)
set -euo pipefail

if [[ "${1:-}" == --filter-generated ]]; then
  # Doxygen's input filter for include/ocpp/v16/generated/messages.hpp and
  # include/ocpp/v201/generated/messages.hpp, which are generated (scripts/generate.sh) and
  # must not be edited by hand. Their declarations follow the schemas one to one, so the
  # filter writes the matching one-line documentation next to each of them, on the same line
  # (line numbers stay those of the file). The file itself is unchanged; only what Doxygen
  # reads is.
  case "$2" in
    */v201/*) ver="OCPP 2.0.1" the="the " req=" request" conf=" response" ;;
    *) ver="OCPP 1.6" the="" req=".req" conf=".conf" ;;
  esac
  exec awk -v ver="$ver" -v the="$the" -v req="$req" -v conf="$conf" -v rq="${req# }" -v ans="${conf# }" '
    function field(line,   name) {
      name = line
      sub(/[ \t]*(=[^;]*|\{\})?;[ \t]*$/, "", name)
      sub(/.*[ \t&*>]/, "", name)
      if (name ~ /_$/) {  # a property named like a member of every message (docs/codegen.md)
        sub(/_$/, "", name)
        return "\"" name "\" (C++ name " name "_)"
      }
      return name
    }
    /^enum class [A-Za-z0-9_]+ \{/ {
      print "/** The " ver " enumeration " $3 " of the JSON schemas; each value is spelled as on the wire (to_string, from_string). */ " $0; next }
    /^OCPP_API std::string_view to_string\(/ { print $0 " ///< The value as written on the wire."; next }
    /^OCPP_API bool from_string\(/ { print $0 " ///< Exact (case-sensitive) match of a wire name; false if unknown."; next }
    /^struct [A-Za-z0-9_]+Request \{/ {
      n = $2; sub(/Request$/, "", n); insub = 1
      print "/** The payload of " the n req " as in its " ver " JSON schema. */ " $0; next }
    /^struct [A-Za-z0-9_]+Response \{/ {
      n = $2; sub(/Response$/, "", n); insub = 1
      print "/** The payload of " the n conf " as in its " ver " JSON schema. */ " $0; next }
    /^struct [A-Za-z0-9_]+ \{/ {
      insub = 1; print "/** The " ver " data type " $2 ", as in the JSON schemas. */ " $0; next }
    /^inline bool operator==/ { print "/** Field-by-field equality. */ " $0; next }
    /^inline bool operator!=/ { print "/** Negation of operator==. */ " $0; next }
    insub && /^\};/ { insub = 0; print; next }
    insub && /^  static constexpr Action action/ { print $0 " ///< The action (message name) of this CALL."; next }
    insub && /^  using Response = / { print $0 " ///< The type of the answer (" ans ")."; next }
    insub && /^  using Request = / { print $0 " ///< The type of the request (" rq ") this answers."; next }
    insub && /^  std::optional<ocpp::RawJson> additional_properties;/ {
      print $0 " ///< The properties the schema does not declare but allows, as one JSON object."; next }
    insub && /^  std::optional</ { print $0 " ///< The optional field " field($0) " of the schema."; next }
    insub && /^  [^ ].*;[ \t]*$/ { print $0 " ///< The required field " field($0) " of the schema."; next }
    { print }
  ' "$2"
fi

cd "$(dirname "$0")/.."
if ! command -v doxygen >/dev/null 2>&1; then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  echo "docs: installing doxygen" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends doxygen >/dev/null
fi

rm -rf build-docs
mkdir -p build-docs
doxygen docs/Doxyfile
if [[ -s build-docs/warnings.log ]]; then
  sed "s#^$PWD/##" build-docs/warnings.log >&2
  echo "docs: FAILED: $(grep -c 'warning:' build-docs/warnings.log) Doxygen warning(s)" \
       "(every public symbol in include/ocpp must be documented)" >&2
  exit 1
fi
echo "docs: API reference in build-docs/html/index.html, 0 warnings"
