/* The injector backend contract: how the frames the injector's pacing
 * loop stages reach the wire (netsniff-ng trafgen_dev.c's dev_io_ops,
 * OVS lib/netdev-provider.h).
 *
 * Users include traffic/injector.h and never see this file.
 * Implementers: one file per backend in harness/traffic/, static helpers
 * first, one `const struct injector_backend_ops` at the bottom, and a row
 * in injector_backends[] (traffic/injector.c), best first.  injector_open()
 * tries the rows in order and keeps the first one that opens; the packet
 * loop then only calls that one's members, once per batch. */
#ifndef PT_INJECTOR_PROVIDER_H
#define PT_INJECTOR_PROVIDER_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/strbuf.h"

/* Frames already due when one is sent go out together: at most this many
 * in one batch (one sendmmsg(), one TX ring kick).  A backend sizes its
 * buffers for it. */
#define INJECTOR_BATCH 128

/* A batch: the loop stages frames 0..n-1 (n <= INJECTOR_BATCH) with one
 * stage(), writes them, hands them over with send() until all are gone or
 * the run stops, then calls finish().  Frame numbers are within the batch. */
struct injector_backend_ops {
    /* "ring", "socket": named in the debug log. */
    const char *name;
    /* One line: how it sends. */
    const char *help;

    /* Opens the backend on 'ifname' inside 'netns' and allocates its
     * state in *state.  'pcap' is the injector's libpcap handle on that
     * interface, already activated: the backend may send through it but
     * does not own it (injector_close() closes it after close()).
     * 0, with a note in 'err' when it works in a lesser way (logged);
     * or a negative errno with the reason in 'err': the backend refused,
     * and the next row of the table is tried.  Must not be NULL. */
    int (*open)(const char *netns, const char *ifname, pcap_t *pcap,
                void **state, struct strbuf *err);

    /* Finds room for frames 0..n-1 of a new batch, each 'len' bytes, and
     * sets dst[i] to where frame i is to be written.  0; or a negative
     * errno with the reason in 'err', then nothing is left staged and the
     * send fails.  Must not be NULL. */
    int (*stage)(void *state, int n, size_t len, uint8_t **dst,
                 struct strbuf *err);

    /* Sends staged frames from..n-1, in order.  Returns how many were
     * sent: fewer than asked, even 0, when the queue was full (the
     * datapath pushing back: the loop calls again with the rest); or a
     * negative errno for any other failure.  Must not be NULL. */
    int (*send)(void *state, int from, int n);

    /* Ends a batch of 'n' staged frames of which the first 'sent' are
     * gone; the rest (a stop, an error) must not be sent by a later
     * send().  May be NULL: nothing outlives a batch. */
    void (*finish)(void *state, int sent, int n);

    /* Frees the state.  Must not be NULL. */
    void (*close)(void *state);
};

/* The backends, best first, NULL-terminated. */
extern const struct injector_backend_ops *const injector_backends[];

#endif
