#ifndef AGENTSTREAM_CCURL_SHIM_H
#define AGENTSTREAM_CCURL_SHIM_H
// curl_easy_setopt/curl_easy_getinfo are C variadics, which Swift cannot call:
// these typed inline wrappers give Swift one entry point per argument type.
#include <curl/curl.h>
#ifdef __linux__
// The curl loop waits in epoll for the sockets libcurl names (its socket API); an eventfd interrupts the wait.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#endif

typedef size_t (*as_curl_data_cb)(char *, size_t, size_t, void *);
typedef int (*as_curl_trailer_cb)(struct curl_slist **, void *);

static inline CURLcode as_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode as_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode as_setopt_str(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode as_setopt_ptr(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode as_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode as_setopt_datacb(CURL *h, CURLoption o, as_curl_data_cb v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode as_setopt_trailercb(CURL *h, as_curl_trailer_cb v) { return curl_easy_setopt(h, CURLOPT_TRAILERFUNCTION, v); }
static inline CURLcode as_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode as_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode as_multi_setopt_ptr(CURLM *m, CURLMoption o, void *v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode as_multi_setopt_socketcb(CURLM *m, curl_socket_callback v) { return curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, v); }
static inline CURLMcode as_multi_setopt_timercb(CURLM *m, curl_multi_timer_callback v) { return curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, v); }

// Macros Swift does not import (they are expressions, not literals).
static const int AS_CURLPAUSE_CONT = CURLPAUSE_CONT;
static const int AS_CURLPAUSE_RECV = CURLPAUSE_RECV;
static const int AS_CURLPAUSE_SEND = CURLPAUSE_SEND;
static const size_t AS_CURL_READFUNC_PAUSE = CURL_READFUNC_PAUSE;
static const size_t AS_CURL_READFUNC_ABORT = CURL_READFUNC_ABORT;
static const size_t AS_CURL_WRITEFUNC_PAUSE = CURL_WRITEFUNC_PAUSE;
static const long AS_CURL_HTTP_VERSION_1_1 = CURL_HTTP_VERSION_1_1;
static const int AS_CURL_TRAILERFUNC_OK = CURL_TRAILERFUNC_OK;
static const long AS_CURL_GLOBAL_DEFAULT = CURL_GLOBAL_DEFAULT;
static const curl_socket_t AS_CURL_SOCKET_TIMEOUT = CURL_SOCKET_TIMEOUT;
static const int AS_CURL_POLL_IN = CURL_POLL_IN;
static const int AS_CURL_POLL_OUT = CURL_POLL_OUT;
static const int AS_CURL_POLL_REMOVE = CURL_POLL_REMOVE;
static const int AS_CURL_CSELECT_IN = CURL_CSELECT_IN;
static const int AS_CURL_CSELECT_OUT = CURL_CSELECT_OUT;
static const int AS_CURL_CSELECT_ERR = CURL_CSELECT_ERR;
#endif
