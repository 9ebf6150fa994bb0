#ifndef AGENTSTREAM_CCURL_SHIM_H
#define AGENTSTREAM_CCURL_SHIM_H
// curl_easy_setopt/curl_easy_getinfo are C variadics, which Swift cannot call:
// these typed inline wrappers give Swift one entry point per argument type.
#include <curl/curl.h>

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
#endif
