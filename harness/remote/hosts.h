/* The hosts file of a run across machines (`--hosts FILE`): libconfig,
 * like the profiles.
 *
 *     ssh_config = "/path/ssh_config";   # optional: `ssh -F`
 *     agent = "perftests agent";         # optional: the remote command
 *     hosts = ( { name = "hv1"; ssh = "root@198.18.1.10";
 *                 interface = "ens5"; address = "198.18.1.10/24";
 *                 namespace = "netns";       # optional
 *                 agent = "/opt/perftests agent"; },   # optional
 *               ... );
 *
 * A host is reached with `ssh -o BatchMode=yes [-F ssh_config] SSH
 * AGENT`, and its endpoint is 'interface' (inside 'namespace' on that
 * host when given) with 'address'. */
#ifndef PT_HOSTS_H
#define PT_HOSTS_H

#include <stddef.h>

#include "lib/strbuf.h"

#define HOSTS_DEFAULT_AGENT "perftests agent"

struct host {
    char *name;
    char *ssh;              /* the ssh destination: [user@]host */
    char *interface;        /* NULL: no endpoint (a SUT's host) */
    char *address;          /* CIDR, in 198.18.0.0/15; NULL: none */
    char *ns;               /* the endpoint's namespace there, or NULL */
    char *agent;            /* the remote command */
    int line;               /* where the file defines it */
};

struct hosts {
    char *path;
    char *ssh_config;       /* or NULL; a relative one is taken from the
                               hosts file's folder */
    struct host *v;
    size_t n;
};

/* Reads 'path'.  0, or -EINVAL with every problem in 'errs', one
 * "FILE:LINE: what is expected" a line (-errno when it cannot be read). */
int hosts_load(struct hosts *h, const char *path, struct strbuf *errs);
void hosts_release(struct hosts *h);
/* The host called 'name', or NULL. */
const struct host *hosts_find(const struct hosts *h, const char *name);
/* The names, "a, b, c", for an error message. */
void hosts_names(const struct hosts *h, struct strbuf *out);

#endif
