/* SPDX-License-Identifier: MIT */
/*
 * pam_args.c - parsing of the pam_clearway.so module arguments.
 *
 * Strict on purpose: an unknown, repeated or malformed argument is an
 * error, never skipped, because a misspelt "mode=admin" silently read as
 * the default would let a privileged service through on login rules.
 */
#include <stdio.h>
#include <string.h>

#include "pam_args.h"
#include "paths.h"

/* How much of a bad argument an error message quotes. */
#define QUOTE_MAX 40

typedef int (*arg_apply_fn)(struct cw_pam_args *a, const char *value,
    char *err, size_t errlen);

struct arg_spec {
	const char *name;
	bool takes_value;
	arg_apply_fn apply;
};

/*
 * Writes at most QUOTE_MAX bytes of s into err, quoted, with anything but
 * printable ASCII shown as '?': the text ends up in syslog.
 */
static void
quote_into(char *dst, size_t dstlen, const char *s)
{
	char clean[QUOTE_MAX + sizeof("...")];
	size_t i;

	for (i = 0; i < QUOTE_MAX && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		clean[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	clean[i] = '\0';
	if (s[i] != '\0')
		memcpy(clean + i, "...", sizeof("..."));
	snprintf(dst, dstlen, "'%s'", clean);
}

/* Visible ASCII only: no spaces, no control bytes, nothing above 0x7e. */
static bool
visible_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static int
apply_host_class(struct cw_pam_args *a, const char *value, char *err,
    size_t errlen)
{
	size_t len = strlen(value);

	if (!cw_object_name_valid(value, len)) {
		snprintf(err, errlen, "host_class: not a valid host class "
		    "name (1 to %d of A-Z a-z 0-9 . _ -)", CW_NAME_MAX);
		return -1;
	}
	memcpy(a->host_class, value, len + 1);
	return 0;
}

static int
apply_mode(struct cw_pam_args *a, const char *value, char *err,
    size_t errlen)
{
	if (cw_mode_parse(value, &a->mode) < 0) {
		snprintf(err, errlen, "mode: must be login or admin");
		return -1;
	}
	return 0;
}

static int
apply_config(struct cw_pam_args *a, const char *value, char *err,
    size_t errlen)
{
	size_t len = strlen(value);

	if (value[0] != '/' || len > CW_PAM_CONFIG_PATH_MAX ||
	    !visible_ascii(value)) {
		snprintf(err, errlen, "config: must be an absolute path of at "
		    "most %d visible ASCII characters", CW_PAM_CONFIG_PATH_MAX);
		return -1;
	}
	memcpy(a->config, value, len + 1);
	return 0;
}

static int
apply_subject(struct cw_pam_args *a, const char *value, char *err,
    size_t errlen)
{
	if (strcmp(value, "user") == 0) {
		a->subject = CW_SUBJECT_USER;
	} else if (strcmp(value, "ruser") == 0) {
		a->subject = CW_SUBJECT_RUSER;
	} else {
		snprintf(err, errlen, "subject: must be user or ruser");
		return -1;
	}
	return 0;
}

static int
apply_debug(struct cw_pam_args *a, const char *value, char *err,
    size_t errlen)
{
	(void)value;
	(void)err;
	(void)errlen;
	a->debug = true;
	return 0;
}

static const struct arg_spec arg_specs[] = {
	{ "host_class", true, apply_host_class },
	{ "mode", true, apply_mode },
	{ "config", true, apply_config },
	{ "subject", true, apply_subject },
	{ "debug", false, apply_debug },
};

#define NSPECS (sizeof(arg_specs) / sizeof(arg_specs[0]))

/* The spec whose name is exactly the first namelen bytes of arg, or NULL. */
static const struct arg_spec *
find_spec(const char *arg, size_t namelen)
{
	size_t i;

	for (i = 0; i < NSPECS; i++)
		if (strlen(arg_specs[i].name) == namelen &&
		    memcmp(arg_specs[i].name, arg, namelen) == 0)
			return &arg_specs[i];
	return NULL;
}

/* One "name" or "name=value" argument; seen[] catches repeats. */
static int
parse_one(const char *arg, struct cw_pam_args *out, bool seen[NSPECS],
    char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	size_t namelen = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	const struct arg_spec *spec = find_spec(arg, namelen);
	char quoted[QUOTE_MAX + 8];

	if (spec == NULL) {
		quote_into(quoted, sizeof(quoted), arg);
		snprintf(err, errlen, "unknown argument %s", quoted);
		return -1;
	}
	if (seen[spec - arg_specs]) {
		snprintf(err, errlen, "%s: given more than once", spec->name);
		return -1;
	}
	seen[spec - arg_specs] = true;
	if (spec->takes_value && eq == NULL) {
		snprintf(err, errlen, "%s: needs a value (%s=...)", spec->name,
		    spec->name);
		return -1;
	}
	if (!spec->takes_value && eq != NULL) {
		snprintf(err, errlen, "%s: takes no value", spec->name);
		return -1;
	}
	return spec->apply(out, eq != NULL ? eq + 1 : "", err, errlen);
}

static void
set_defaults(struct cw_pam_args *out)
{
	memset(out, 0, sizeof(*out));
	out->mode = CW_MODE_LOGIN;
	out->subject = CW_SUBJECT_USER;
	/* The generated default is a short constant path; it always fits. */
	snprintf(out->config, sizeof(out->config), "%s", CW_DEFAULT_CONFIG);
}

int
cw_pam_args_parse(int argc, const char **argv, struct cw_pam_args *out,
    char *err, size_t errlen)
{
	bool seen[NSPECS] = { false };
	int i;

	if (errlen > 0)
		err[0] = '\0';
	set_defaults(out);
	if (argc < 0 || (argc > 0 && argv == NULL)) {
		snprintf(err, errlen, "no argument vector");
		goto fail;
	}
	for (i = 0; i < argc; i++) {
		if (argv[i] == NULL) {
			snprintf(err, errlen, "argument %d is missing", i + 1);
			goto fail;
		}
		if (parse_one(argv[i], out, seen, err, errlen) < 0)
			goto fail;
	}
	/* No host_class= here: the configuration's [daemon] host_class
	 * must give one (pam_clearway.c checks, after loading it). */
	return 0;
fail:
	/* No half-parsed result: a caller that ignored -1 gets no host class. */
	set_defaults(out);
	return -1;
}
