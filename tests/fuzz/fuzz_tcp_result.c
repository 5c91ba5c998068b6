/* Fuzzes tcp_result_parse() (harness/traffic/tcp.c): iperf3's JSON comes
 * from a child of ours today, and from an agent on another host once the
 * TCP phase runs there, so it is bytes from elsewhere.  Whatever it
 * holds:
 *   - the answer is 0 or -EPROTO, with a reason exactly when -EPROTO;
 *   - a result taken (0) has a throughput that is a number, not negative,
 *     and 1 to TCP_MAX_STREAMS streams; no figure is negative;
 *   - tcp_result_json() of any answer is an object that serialises (its
 *     strings cut at character boundaries stay UTF-8). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lib/strbuf.h"
#include "traffic/tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    struct strbuf err = STRBUF_INIT;
    struct tcp_result r;
    int rc = tcp_result_parse(text, &r, &err);

    if (rc != 0 && rc != -EPROTO)
        fuzz_fail("tcp_result_parse returned %d", rc);
    if (!rc != !err.len)
        fuzz_fail("returned %d with the reason '%s'", rc, err.buf);
    if (!rc && !(isfinite(r.bits_per_second) && r.bits_per_second >= 0))
        fuzz_fail("a result taken with %g bit/s", r.bits_per_second);
    if (!rc && (r.streams < 1 || r.streams > TCP_MAX_STREAMS))
        fuzz_fail("a result taken with %d streams", r.streams);
    if (r.sender_cpu_pct < 0 || r.receiver_cpu_pct < 0 || r.duration_s < 0
        || r.sender_bits_per_second < 0 || r.retransmits < -1)
        fuzz_fail("a negative figure");
    json_t *j = tcp_result_json(&r);
    char *dump = j ? json_dumps(j, 0) : NULL;
    if (!dump)
        fuzz_fail("tcp_result_json() gave no JSON (version '%s', "
                  "congestion '%s')", r.version, r.congestion);
    free(dump);
    json_decref(j);
    strbuf_dispose(&err);
    free(text);
    return 0;
}
