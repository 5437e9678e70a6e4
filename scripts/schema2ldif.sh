#!/bin/bash
# SPDX-License-Identifier: MIT
# Generate the cn=config (LDIF) form of an OpenLDAP schema from its
# slapd.conf "include" form, so the two shipped files can never drift:
#
#     scripts/schema2ldif.sh [SCHEMA] > schema/clearway.ldif
#
# SCHEMA defaults to schema/clearway.schema next to this script.  The entry
# is cn=NAME,cn=schema,cn=config where NAME is SCHEMA's basename without
# ".schema".  The output is deterministic (no timestamps), which lets the
# schema test compare it byte for byte with the committed file.
#
# Only what a schema file needs is supported (attributetype, objectclass,
# objectidentifier, comments); anything else is an error rather than being
# dropped silently.  slaptest could convert too, but it needs a full
# slapd.conf, writes {N}-prefixed names and CRC headers, and differs across
# OpenLDAP versions; this keeps the output stable and reviewable.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
schema=${1:-$here/../schema/clearway.schema}

if [[ $# -gt 1 || $schema == -h || $schema == --help ]]; then
    echo "usage: $0 [FILE.schema] > FILE.ldif" >&2
    exit 2
fi
if [[ ! -r $schema ]]; then
    echo "$0: cannot read $schema" >&2
    exit 1
fi

name=$(basename "$schema" .schema)
src="schema/$(basename "$schema")"

# LDIF folding: a line starting with one space continues the previous line
# with that space removed, so continuations are written with two spaces to
# keep one separating space inside the definition.  Blank lines would end
# the LDIF record, so they are dropped after the header.  A comment between
# two continuation lines would swallow the rest of the definition, so it is
# refused.
awk -v name="$name" -v src="$src" '
function fail(msg) {
    printf "%s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
    failed = 1
    exit 1
}
function begin_entry() {
    if (started) return
    started = 1
    printf "#\n# GENERATED from %s by scripts/schema2ldif.sh: do not edit.\n", src
    printf "# Load into a running slapd with:\n"
    printf "#     ldapadd -Y EXTERNAL -H ldapi:/// -f clearway.ldif\n\n"
    printf "dn: cn=%s,cn=schema,cn=config\n", name
    printf "objectClass: olcSchemaConfig\n"
    printf "cn: %s\n", name
}
BEGIN { started = 0; indef = 0; failed = 0 }
# Header: the leading comment block, up to the first blank line, is kept
# verbatim above the entry.
!started && /^#/ { print; next }
!started && /^[ \t]*$/ { begin_entry(); next }
/^[ \t]*#/ {
    begin_entry()
    sub(/^[ \t]+/, "")
    print
    indef = 0
    next
}
/^[ \t]*$/ { next }
/^[ \t]/ {
    if (!indef) fail("continuation line outside a definition (comment inside one?)")
    sub(/^[ \t]+/, ""); sub(/[ \t]+$/, "")
    printf "  %s\n", $0
    next
}
{
    kw = tolower($1)
    if (kw == "attributetype" || kw == "attributetypes") attr = "olcAttributeTypes"
    else if (kw == "objectclass" || kw == "objectclasses") attr = "olcObjectClasses"
    else if (kw == "objectidentifier") attr = "olcObjectIdentifier"
    else fail("unsupported directive \"" $1 "\"")
    begin_entry()
    rest = $0
    sub(/^[ \t]*[^ \t]+[ \t]+/, "", rest); sub(/[ \t]+$/, "", rest)
    printf "%s: %s\n", attr, rest
    indef = 1
}
END {
    if (failed) exit 1
    if (!started) { print "no definitions found in " FILENAME > "/dev/stderr"; exit 1 }
}
' "$schema"
