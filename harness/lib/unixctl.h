/* Commands to an OVS daemon's control socket, what `ovs-appctl -t SOCKET
 * CMD ARGS...` does (OVS lib/unixctl.c): a JSON-RPC request whose method
 * is the command and whose params are its arguments as strings; the reply
 * carries the output as a string in "result", or a message in "error". */
#ifndef PT_UNIXCTL_H
#define PT_UNIXCTL_H

struct strbuf;

/* Runs 'cmd' with the NULL-terminated 'args' (NULL: none) on the daemon
 * listening at 'ctl_path', e.g. "<rundir>/ovs-vswitchd.<pid>.ctl".
 *
 * Returns 0 and, when 'reply' is non-NULL, the command's output in *reply
 * (malloc'ed, the caller frees; "" for a command that prints nothing).
 * On failure returns a negative errno, leaves *reply NULL and appends a
 * message to 'err' (may be NULL): -EREMOTEIO when the daemon ran the
 * command and reported an error (the daemon's own text, e.g. "\"foo\" is
 * not a valid command"), another errno when the daemon could not be
 * reached or did not answer within 'timeout_ms'.  Does not log. */
int unixctl_call_timeout(const char *ctl_path, const char *cmd,
                         const char *const *args, int timeout_ms,
                         char **reply, struct strbuf *err);
/* unixctl_call_timeout() with JSONRPC_DEFAULT_TIMEOUT_MS. */
int unixctl_call(const char *ctl_path, const char *cmd,
                 const char *const *args, char **reply, struct strbuf *err);

#endif
