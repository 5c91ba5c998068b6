/* Fuzzes frame_parse(), which reads every frame the receiver captures:
 * on a shared lab network that is anyone's traffic, not only ours.
 *
 * Two checks per input: the input read as a captured frame must not make
 * the parser read outside it, and a frame that frame_init() and
 * frame_patch() built from a spec the input picks must read back with the
 * sequence and send time it was given (the receiver counts loss by them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "traffic/frame.h"

/* The receiver tags frames with the trial's run id; any fixed one does. */
#define RUN 0x70740001u

/* Takes 'n' bytes from the front of the input, zeros past its end. */
static void take(const uint8_t **data, size_t *size, void *out, size_t n)
{
    size_t have = *size < n ? *size : n;

    memset(out, 0, n);
    memcpy(out, *data, have);
    *data += have;
    *size -= have;
}

static void check_round_trip(const uint8_t *data, size_t size)
{
    struct frame_spec spec;
    struct frame f;
    uint64_t seq, tx_ns, got_seq = 0, got_tx = 0;
    uint16_t ports[2], size_pick;
    uint8_t proto;

    take(&data, &size, spec.src_mac, sizeof spec.src_mac);
    take(&data, &size, spec.dst_mac, sizeof spec.dst_mac);
    take(&data, &size, &spec.src_ip, sizeof spec.src_ip);
    take(&data, &size, &spec.dst_ip, sizeof spec.dst_ip);
    take(&data, &size, ports, sizeof ports);
    take(&data, &size, &size_pick, sizeof size_pick);
    take(&data, &size, &proto, sizeof proto);
    take(&data, &size, &seq, sizeof seq);
    take(&data, &size, &tx_ns, sizeof tx_ns);
    spec.src_port = ports[0];
    spec.dst_port = ports[1];
    spec.proto = proto & 1 ? FRAME_TCP_SYN : FRAME_UDP;
    /* Sizes out of range too: frame_init() must refuse them. */
    spec.size = size_pick % (FRAME_MAX + 64);
    spec.run = RUN;
    if (frame_init(&f, &spec))
        return;
    frame_patch(&f, seq, tx_ns, ports[1], ports[0]);
    if (!frame_parse(f.buf, f.len, RUN, &got_seq, &got_tx))
        fuzz_fail("a built frame (%zu bytes, %s) does not parse", f.len,
                  spec.proto == FRAME_UDP ? "udp" : "tcp");
    /* The payload carries 32 bits of sequence: a trial sends fewer. */
    if (got_seq != (uint32_t)seq || got_tx != tx_ns)
        fuzz_fail("a built frame reads back seq %llu tx %llu, not %llu %llu",
                  (unsigned long long)got_seq, (unsigned long long)got_tx,
                  (unsigned long long)(uint32_t)seq,
                  (unsigned long long)tx_ns);
    if (frame_parse(f.buf, f.len, RUN + 1, &got_seq, &got_tx))
        fuzz_fail("a frame of another run parses as ours");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t seq, tx_ns;

    /* libFuzzer hands each input in a heap buffer of exactly its size, so
     * ASan sees a read one byte past the frame. */
    frame_parse(data, size, RUN, &seq, &tx_ns);
    check_round_trip(data, size);
    return 0;
}
