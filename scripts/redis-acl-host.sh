#!/bin/bash
# SPDX-License-Identifier: MIT
# redis-acl-host.sh - prints the Redis ACL line of one host's own user,
# clearway-host-<HOST>: it may read Clearway's keys and append (XADD) to
# its own audit stream <prefix>audit:<HOST>, and write nothing else
# (docs/security.md).  Add the line to the ACL file the Redis server
# includes (etc/redis-acl.conf.example), then ACL LOAD or restart.
#
#   redis-acl-host.sh [--prefix PREFIX] HOST PASSWORD_FILE
#
# HOST is the host's name as clearwayd sees it (`hostname`).
# PASSWORD_FILE holds the user's password; if it does not exist, a new
# random one is written there (mode 0600): copy it to the host, where
# [redis] password_file names it and [redis] user = clearway-host-HOST.
# Only the password's SHA-256 is printed, never the password.
set -euo pipefail

prefix=cw:
if [[ ${1:-} == --prefix ]]; then
    prefix=${2:?--prefix needs a value}
    shift 2
fi
if (($# != 2)); then
    echo "usage: redis-acl-host.sh [--prefix PREFIX] HOST PASSWORD_FILE" >&2
    exit 2
fi
host=$1 pwfile=$2

# A host name becomes part of a key pattern: no glob character (* ? [ ]
# \) may reach it, or the user could write other hosts' streams.
if [[ ! $host =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$ ]]; then
    echo "redis-acl-host.sh: '$host' is not a host name this script accepts" \
        "(letters, digits, '.', '_', '-'; at most 253; no glob characters)" >&2
    exit 2
fi
if [[ $host == writer || $host == fence ]]; then
    echo "redis-acl-host.sh: '$host' cannot be a host name:" \
        "${prefix}audit:$host is a key of the audit writer's lease" >&2
    exit 2
fi
if [[ ! $prefix =~ ^[A-Za-z0-9:_-]{1,32}$ ]]; then
    echo "redis-acl-host.sh: bad prefix '$prefix' ([A-Za-z0-9:_-], at most 32)" >&2
    exit 2
fi

if [[ ! -e $pwfile ]]; then
    (umask 077 && openssl rand -hex 32 >"$pwfile")
    echo "redis-acl-host.sh: wrote a new password to $pwfile" >&2
fi
# The daemon reads the password without its line end.
sha=$(tr -d '\n' <"$pwfile" | sha256sum | cut -d' ' -f1)

echo "user clearway-host-$host on #$sha resetkeys %R~${prefix}* %RW~${prefix}audit:$host resetchannels -@all +@read +@transaction +@connection +xadd +eval_ro +time -@dangerous +role"
