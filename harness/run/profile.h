/* Profiles: where the settings of a run come from.  A profile is a libconfig
 * file, profiles.d/<name>/perftests.conf, of KEY = value; lines.  Errors
 * are appended to 'errs', one line each, naming file:line (or the
 * environment variable, or the -o option) and the key. */
#ifndef PT_PROFILE_H
#define PT_PROFILE_H

#include "run/settings.h"
#include "lib/strbuf.h"

struct profile_request {
    const char *profiles_dir;   /* folder holding <name>/perftests.conf */
    const char *name;           /* -p NAME|PATH, or NULL: host, else default */
    const char *hostname;
    char **envp;                /* environment to read KEY=VALUE from */
    char **overrides;           /* -o KEY=VALUE, NULL-terminated, may be NULL */
};

/* Finds the file for 'req'.  On success stores the malloc'ed path (NULL when
 * no profile exists at all: built-in defaults) and the profile's name.
 * Returns 0 or -ENOENT with a message in 'errs'. */
int profile_resolve(const struct profile_request *req, char **path,
                    char **name, struct strbuf *errs);

/* Each returns the number of errors appended to 'errs' (0: all good). */
int profile_load_file(struct settings *s, const char *path, struct strbuf *errs);
int profile_load_env(struct settings *s, char **envp, struct strbuf *errs);
int profile_apply_override(struct settings *s, const char *kv,
                           struct strbuf *errs);

/* The whole lookup in precedence order: defaults < file < env < -o.
 * Returns the number of errors (0: 's' is ready). */
int profile_load(struct settings *s, const struct profile_request *req,
                 struct strbuf *errs);

/* Appends the names of the profiles found under 'profiles_dir'. */
void profile_list(const char *profiles_dir, struct strbuf *out);

#endif
