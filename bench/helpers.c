/* Helpers compiled by bench/bench.py with `cc -O2`.
 *
 *   launcher FD PROGRAM [ARGS...]   writes CLOCK_MONOTONIC (ns) to FD, closes it, then execv(PROGRAM):
 *                                   the start mark of "exec → first GET /next". The write is the only
 *                                   work between the clock read and the execve (about 1-2 µs).
 *   cfloor   (-DCFLOOR)             the libcurl floor: libcurl global init + easy handle + GET /next and
 *                                   nothing else (a 20-line C client doing the same GET as bootstrap).
 *   rawfloor (-DRAWFLOOR)           the physical floor: exec, socket, connect, write the same GET /next,
 *                                   no libcurl, no TLS library; only libc. What no runtime can beat.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#ifdef CFLOOR
#include <curl/curl.h>
static size_t sink(char *p, size_t s, size_t n, void *u) { (void)p; (void)u; return s * n; }
int main(void) {
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    char url[512];
    if (!api) return 2;
    snprintf(url, sizeof url, "http://%s/2018-06-01/runtime/invocation/next", api);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_cleanup(h);
    curl_global_cleanup();
    return rc != CURLE_OK;
}
#elif defined(RAWFLOOR)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
int main(void) {
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    if (!api) return 2;
    const char *colon = strrchr(api, ':');
    if (!colon || (size_t)(colon - api) >= 64) return 2;
    char host[64];
    memcpy(host, api, (size_t)(colon - api));
    host[colon - api] = 0;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) return 2;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(s, (struct sockaddr *)&addr, sizeof addr) != 0) return 1;
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: %s\r\nUser-Agent: rawfloor\r\n"
                     "Accept: */*\r\n\r\n", api);
    if (write(s, req, (size_t)n) != n) return 1;
    char buf[4096];
    ssize_t got = read(s, buf, sizeof buf);  /* the answer (or the stub closing): done */
    close(s);
    return got > 0 ? 0 : 1;
}
#else
int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: launcher FD PROGRAM [ARGS...]\n"); return 2; }
    int fd = atoi(argv[1]);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%llu\n", (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec);
    if (write(fd, buf, (size_t)n) != n) return 3;
    close(fd);
    execv(argv[2], argv + 2);
    perror("execv");
    return 127;
}
#endif
