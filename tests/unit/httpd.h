/* A report server for the unit tests of posting: a real HTTP listener on
 * 127.0.0.1, in a thread of the test, that libcurl's transports upload
 * to.  It answers 503 to its first 'fail_first' requests (every one when
 * negative), then 201 Created; it counts them and keeps the last body, so
 * a test sees what arrived, not what a stand-in for the transport was
 * told.  One server at a time; include after cmocka.h. */
#ifndef PT_TEST_HTTPD_H
#define PT_TEST_HTTPD_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/strbuf.h"

#define HTTPD_REFUSED "the server answered 503"

static struct {
    int listener;
    pthread_t thread;
    int calls;              /* requests so far (atomic: the thread's) */
    int fail_first;         /* answered 503; negative: every one */
    void (*on_first)(void); /* run as the first request arrives */
    struct strbuf body;     /* the last request's */
    char url[96];           /* http://user:s3cret@127.0.0.1:PORT/up/ */
    char shown[96];         /* the same as the harness prints it */
} httpd;

static void httpd_say(int c, const char *text)
{
    (void)!write(c, text, strlen(text));
}

/* One request: its headers, then its body (Content-Length), answered. */
static void httpd_serve(int c)
{
    char head[8192], *end = NULL, *cl;
    size_t got = 0, want = 0;
    ssize_t n;
    int call;

    while (!end && got < sizeof head - 1
           && (n = read(c, head + got, sizeof head - 1 - got)) > 0) {
        got += (size_t)n;
        head[got] = '\0';
        end = strstr(head, "\r\n\r\n");
    }
    if (!end)
        return;
    if ((cl = strcasestr(head, "\r\nContent-Length:")))
        want = strtoul(cl + 17, NULL, 10);
    if (strcasestr(head, "\r\nExpect: 100-continue"))
        httpd_say(c, "HTTP/1.1 100 Continue\r\n\r\n");
    call = __atomic_add_fetch(&httpd.calls, 1, __ATOMIC_SEQ_CST);
    if (call == 1 && httpd.on_first)
        httpd.on_first();
    strbuf_reset(&httpd.body);
    strbuf_add(&httpd.body, end + 4, got - (size_t)(end + 4 - head));
    while (httpd.body.len < want && (n = read(c, head, sizeof head)) > 0)
        strbuf_add(&httpd.body, head, (size_t)n);
    httpd_say(c, httpd.fail_first < 0 || call <= httpd.fail_first
                     ? "HTTP/1.1 503 Service Unavailable\r\n"
                     : "HTTP/1.1 201 Created\r\n");
    httpd_say(c, "Content-Length: 0\r\nConnection: close\r\n\r\n");
}

static void *httpd_main(void *arg)
{
    int c;

    (void)arg;
    /* Until httpd_stop() shuts the listener down. */
    while ((c = accept(httpd.listener, NULL, NULL)) >= 0) {
        httpd_serve(c);
        close(c);
    }
    return NULL;
}

/* Listens on a port the kernel picks and serves in a thread, refusing the
 * first 'fail_first' uploads.  0, or -1 when it cannot. */
static int httpd_start(int fail_first)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t len = sizeof a;

    httpd.calls = 0;
    httpd.fail_first = fail_first;
    httpd.on_first = NULL;
    strbuf_init(&httpd.body);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    httpd.listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (httpd.listener < 0
        || bind(httpd.listener, (struct sockaddr *)&a, sizeof a)
        || listen(httpd.listener, 8)
        || getsockname(httpd.listener, (struct sockaddr *)&a, &len))
        return -1;
    snprintf(httpd.url, sizeof httpd.url,
             "http://user:s3cret@127.0.0.1:%d/up/", ntohs(a.sin_port));
    snprintf(httpd.shown, sizeof httpd.shown,
             "http://user:***@127.0.0.1:%d/up/", ntohs(a.sin_port));
    return pthread_create(&httpd.thread, NULL, httpd_main, NULL) ? -1 : 0;
}

static void httpd_stop(void)
{
    shutdown(httpd.listener, SHUT_RDWR);
    pthread_join(httpd.thread, NULL);
    close(httpd.listener);
    strbuf_dispose(&httpd.body);
}

#endif
