#include "lib/unixctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jsonrpc.h"
#include "lib/strbuf.h"

int unixctl_call_timeout(const char *ctl_path, const char *cmd,
                         const char *const *args, int timeout_ms,
                         char **reply, struct strbuf *err)
{
    struct jsonrpc *rpc;
    json_t *params, *result = NULL, *error = NULL;
    int ret;

    if (reply)
        *reply = NULL;
    ret = jsonrpc_open(ctl_path, timeout_ms, &rpc);
    if (ret) {
        if (err)
            strbuf_addf(err, "cannot connect to '%s': %s", ctl_path,
                        strerror(-ret));
        return ret;
    }
    params = json_array();
    for (size_t i = 0; args && args[i]; i++)
        json_array_append_new(params, json_string(args[i]));
    ret = jsonrpc_transact(rpc, cmd, params, &result, &error);
    if (ret) {
        if (err)
            strbuf_addf(err, "'%s' on '%s': %s", cmd, ctl_path,
                        ret == -ETIMEDOUT ? "no answer in time"
                                          : strerror(-ret));
    } else if (error) {
        ret = -EREMOTEIO;
        if (err) {
            /* The daemon's text ends with a newline, like its output. */
            struct strbuf text = STRBUF_INIT;
            jsonrpc_error_text(error, &text);
            strbuf_rtrim(&text);
            strbuf_add(err, text.buf, text.len);
            strbuf_dispose(&text);
        }
    } else if (json_is_string(result) || json_is_null(result)) {
        /* A command that prints nothing replies with null in old
         * daemons and "" in new ones. */
        if (reply)
            *reply = xstrdup(json_is_string(result)
                             ? json_string_value(result) : "");
    } else {
        /* OVS 3.3+ can answer in JSON when asked to; we never ask. */
        if (reply)
            *reply = json_dumps(result, JSON_COMPACT | JSON_ENCODE_ANY);
    }
    json_decref(result);
    json_decref(error);
    jsonrpc_close(rpc);
    return ret;
}

int unixctl_call(const char *ctl_path, const char *cmd,
                 const char *const *args, char **reply, struct strbuf *err)
{
    return unixctl_call_timeout(ctl_path, cmd, args,
                                JSONRPC_DEFAULT_TIMEOUT_MS, reply, err);
}
