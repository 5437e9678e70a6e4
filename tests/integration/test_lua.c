/* SPDX-License-Identifier: MIT */
/*
 * test_lua.c - every Lua script (daemon/store/lua/NAME.lua) compiles in a
 * real redis-server (started by redis_test.sh): SCRIPT LOAD of each
 * script as embedded in the daemon (includes expanded) and of each file
 * as it stands, failing with the file's name.  Also: every .lua file in
 * the directory is embedded (none forgotten in daemon/CMakeLists.txt),
 * and each opens with its header comment naming its KEYS (and, for a
 * script run on its own, its ARGV).
 *
 * Environment: CW_REDIS_SOCKET, the server's Unix socket.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/lua_scripts.h"
#include "store/redis.h"

#define FILE_MAX (64 * 1024)

static int failures;

static void
fail(const char *file, const char *why)
{
	failures++;
	fprintf(stderr, "FAIL %s: %s\n", file, why);
}

/*
 * SCRIPT LOAD text: 0 when Redis compiled it (a SHA1 came back), else -1
 * and (unless quiet) a failure naming file (what: which form of it).
 */
static int
load(struct cw_redis *r, const char *file, const char *what,
    const char *text, int quiet)
{
	const char *argv[] = { "SCRIPT", "LOAD", text };
	char err[512], why[600];
	redisReply *x;
	int rc = -1;

	if ((x = cw_redis_command(r, err, sizeof(err), 3, argv, NULL)) ==
	    NULL) {
		snprintf(why, sizeof(why), "%s: %s", what, err);
	} else if (x->type != REDIS_REPLY_STRING || x->len != 40) {
		snprintf(why, sizeof(why), "%s: %.500s", what,
		    x->type == REDIS_REPLY_ERROR ? x->str : "unexpected reply");
	} else {
		rc = 0;
	}
	if (rc < 0 && !quiet)
		fail(file, why);
	freeReplyObject(x);
	return rc;
}

/* The file's text (malloc'd), or NULL after a failure. */
static char *
read_file(const char *dir, const char *name)
{
	char path[1024], *buf = malloc(FILE_MAX + 1);
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (buf == NULL || (f = fopen(path, "r")) == NULL) {
		free(buf);
		fail(name, "cannot read it");
		return NULL;
	}
	n = fread(buf, 1, FILE_MAX, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static const struct cw_lua_file *
embedded(const char *name)
{
	size_t i;

	for (i = 0; i < CW_LUA_NFILES; i++)
		if (strcmp(cw_lua_files[i].name, name) == 0)
			return &cw_lua_files[i];
	return NULL;
}

/* The header: the SPDX line, then a comment naming KEYS (and ARGV). */
static void
check_header(const char *name, const char *text, int lib)
{
	const char *code = text;

	if (strncmp(text, "-- SPDX-License-Identifier: MIT\n", 32) != 0)
		fail(name, "the first line is not the SPDX line");
	while (strncmp(code, "--", 2) == 0 && strchr(code, '\n') != NULL)
		code = strchr(code, '\n') + 1;
	if (memmem(text, (size_t)(code - text), "KEYS", 4) == NULL ||
	    (!lib && memmem(text, (size_t)(code - text), "ARGV", 4) == NULL))
		fail(name, "the header comment does not name KEYS and ARGV");
}

/* Every file of dir as it stands. */
static size_t
check_files(struct cw_redis *r, const char *dir)
{
	const struct cw_lua_file *e;
	struct dirent *de;
	size_t n = 0, len;
	DIR *d;
	char *text;

	if ((d = opendir(dir)) == NULL) {
		fail(dir, "cannot open the directory");
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".lua") != 0)
			continue;
		n++;
		if ((e = embedded(de->d_name)) == NULL)
			fail(de->d_name, "not embedded: list it in "
			    "daemon/CMakeLists.txt (CW_LUA_SCRIPTS or "
			    "CW_LUA_LIBS)");
		if ((text = read_file(dir, de->d_name)) == NULL)
			continue;
		check_header(de->d_name, text, e != NULL && e->lib);
		(void)load(r, de->d_name, "the file", text, 0);
		free(text);
	}
	closedir(d);
	return n;
}

int
main(void)
{
	const char *sock = getenv("CW_REDIS_SOCKET");
	struct cw_redis_options o = {
		.transport = &cw_redis_transport_unix, .where = sock,
		.timeout_ms = 5000,
	};
	struct cw_redis *r;
	size_t i, nfiles;

	if (sock == NULL || (r = cw_redis_new(&o)) == NULL) {
		fprintf(stderr, "test_lua: CW_REDIS_SOCKET is not set\n");
		return 2;
	}
	/* The check can fail: a script that does not compile is refused. */
	if (load(r, "(self-test)", "a broken script", "return (", 1) == 0)
		fail("(self-test)", "SCRIPT LOAD accepted a broken script");
	for (i = 0; i < CW_LUA_NFILES; i++)
		if (!cw_lua_files[i].lib)
			(void)load(r, cw_lua_files[i].name, "as embedded",
			    cw_lua_files[i].text, 0);
	nfiles = check_files(r, CW_LUA_DIR);
	if (nfiles != CW_LUA_NFILES)
		fail(CW_LUA_DIR, "holds a different number of .lua files "
		    "than are embedded");
	printf("%zu Lua files, %d embedded: %d failures\n", nfiles,
	    CW_LUA_NFILES, failures);
	cw_redis_free(r);
	return failures == 0 ? 0 : 1;
}
