/* Named network namespaces, natively: made the way iproute2's `ip netns
 * add` makes them (a file under /run/netns with the namespace bind-mounted
 * on it), so `ip netns` and `ip -n NAME ...` see and can use them.  The
 * links, addresses and routes inside them are in links.h.
 *
 * Conventions of this module (links.h follows them too):
 * - 'netns' arguments name a namespace under /run/netns; NULL or "" is the
 *   root namespace, i.e. the one the process started in (an fd to it is
 *   opened when the program loads, before main()).
 * - Fallible functions return 0 or a negative errno and never log: the
 *   caller, who knows what the namespace is for, does.  A namespace that
 *   does not exist is -ENOENT, a name too long for the kernel
 *   -ENAMETOOLONG, a malformed one -EINVAL; otherwise the kernel's own
 *   errno.
 * - Every function may be called from any thread while other threads work:
 *   namespace switches are done with setns() on the calling thread only and
 *   undone before returning. */
#ifndef PT_NETNS_H
#define PT_NETNS_H

#include <stdbool.h>

#include "lib/ledger.h"

#define NETNS_RUN_DIR "/run/netns"

/* True for NULL or "": the root namespace. */
bool netns_is_root(const char *name);

/* Creates namespace 'name' (-EEXIST if it is there already). */
int netns_add(const char *name);
/* Unmounts and removes namespace 'name'; -ENOENT if missing.  The kernel
 * frees the namespace and its links later, once no process or socket uses
 * it: the other end of a veth pair that had one end inside lingers for a
 * moment, so delete such a link first when its name must be free now. */
int netns_del(const char *name);
/* True if /run/netns/NAME is a mounted namespace (a leftover empty file
 * does not count). */
bool netns_exists(const char *name);
/* Returns an O_CLOEXEC fd for the namespace (the caller closes it), or a
 * negative errno. */
int netns_open_fd(const char *name);

/* Moves the calling thread into 'name' and stores in *saved_fd what
 * netns_leave() needs to bring it back to where it was (which need not be
 * the root namespace).  Pairs nest.  Sockets created in between belong to
 * 'name' for their whole life, whichever thread uses them later. */
int netns_enter(const char *name, int *saved_fd);
/* Returns the calling thread to the namespace saved by netns_enter() and
 * closes 'saved_fd' in every case. */
int netns_leave(int saved_fd);
/* socket(2) created inside 'netns'; returns the fd or a negative errno.
 * SOCK_CLOEXEC is added to 'type'. */
int netns_socket(const char *netns, int domain, int type, int protocol);

/* Cleanup ledger remover (see ledger.h), kind "netns": entry->name is the
 * namespace.  A namespace already gone is success; a name without
 * LEDGER_PREFIX is refused with -EPERM. */
extern const struct ledger_kind_ops ledger_kind_netns;

#endif
