/*
 * tsbuild's native deflate: one Node-API function over libdeflate that compresses a block into
 * one complete gzip member on libuv's thread pool.
 *
 *   deflateMember(block: Uint8Array, level: number, xfl: number): Promise<Buffer>
 *
 * The member is a 10-byte gzip header (no name, no mtime, the given XFL, OS 3 = Unix), the raw
 * deflate stream of the block at `level` (0 stores it, 1-12 as libdeflate defines them), and the
 * block's CRC-32 and length. Members join into one gzip file (RFC 1952 allows a member after
 * another; every gunzip reads on). The block's bytes are read on a pool thread while the promise
 * is pending: the caller must not write to them until it settles. src/image/pgzip.ts loads this
 * (src/image/native-deflate.ts) and falls back to Node's zlib when it is not built.
 */
#define NAPI_VERSION 8
#include <libdeflate.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_BYTES 10
#define TRAILER_BYTES 8
#define MAX_LEVEL 12

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref block_ref;
  const uint8_t *in;
  size_t in_len;
  int level;
  uint8_t xfl;
  uint8_t *out;
  size_t out_len;
  const char *error;
} Job;

/* One compressor per level per pool thread, made on first use and kept for the thread's life
 * (libdeflate's compressors hold only scratch state and are not shared between threads). */
static __thread struct libdeflate_compressor *compressors[MAX_LEVEL + 1];

static void put_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static void execute(napi_env env, void *data) {
  (void)env;
  Job *j = data;
  struct libdeflate_compressor *c = compressors[j->level];
  if (c == NULL) {
    c = libdeflate_alloc_compressor(j->level);
    if (c == NULL) {
      j->error = "libdeflate could not allocate a compressor (out of memory)";
      return;
    }
    compressors[j->level] = c;
  }
  size_t bound = libdeflate_deflate_compress_bound(c, j->in_len);
  j->out = malloc(HEADER_BYTES + bound + TRAILER_BYTES);
  if (j->out == NULL) {
    j->error = "out of memory for a compressed block";
    return;
  }
  const uint8_t header[HEADER_BYTES] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, j->xfl, 3};
  memcpy(j->out, header, HEADER_BYTES);
  size_t n = libdeflate_deflate_compress(c, j->in, j->in_len, j->out + HEADER_BYTES, bound);
  if (n == 0) {
    j->error = "libdeflate's output did not fit its own bound";
    return;
  }
  uint8_t *trailer = j->out + HEADER_BYTES + n;
  put_le32(trailer, (uint32_t)libdeflate_crc32(0, j->in, j->in_len));
  put_le32(trailer + 4, (uint32_t)(j->in_len & 0xffffffffu));
  j->out_len = HEADER_BYTES + n + TRAILER_BYTES;
}

static void complete(napi_env env, napi_status status, void *data) {
  Job *j = data;
  napi_value result;
  if (status == napi_ok && j->error == NULL) {
    void *copy;
    if (napi_create_buffer_copy(env, j->out_len, j->out, &copy, &result) == napi_ok) {
      napi_resolve_deferred(env, j->deferred, result);
    } else {
      j->error = "cannot make a Buffer for a compressed block";
    }
  }
  if (status != napi_ok || j->error != NULL) {
    napi_value msg;
    napi_create_string_utf8(env, j->error != NULL ? j->error : "deflate job cancelled", NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, NULL, msg, &result);
    napi_reject_deferred(env, j->deferred, result);
  }
  free(j->out);
  napi_delete_reference(env, j->block_ref);
  napi_delete_async_work(env, j->work);
  free(j);
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static napi_value deflate_member(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) return throw_type(env, "deflateMember(block, level, xfl) takes three arguments");
  bool is_typed;
  napi_is_typedarray(env, argv[0], &is_typed);
  if (!is_typed) return throw_type(env, "deflateMember: block must be a Uint8Array");
  napi_typedarray_type type;
  size_t length;
  void *bytes;
  napi_value arraybuffer;
  size_t offset;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &bytes, &arraybuffer, &offset) != napi_ok || type != napi_uint8_array) return throw_type(env, "deflateMember: block must be a Uint8Array");
  int32_t level, xfl;
  if (napi_get_value_int32(env, argv[1], &level) != napi_ok || level < 0 || level > MAX_LEVEL) return throw_type(env, "deflateMember: level must be an integer from 0 to 12");
  if (napi_get_value_int32(env, argv[2], &xfl) != napi_ok || xfl < 0 || xfl > 255) return throw_type(env, "deflateMember: xfl must be a byte");

  Job *j = calloc(1, sizeof(Job));
  if (j == NULL) {
    napi_throw_error(env, NULL, "out of memory for a deflate job");
    return NULL;
  }
  j->in = bytes;
  j->in_len = length;
  j->level = level;
  j->xfl = (uint8_t)xfl;
  napi_value promise, name;
  napi_create_reference(env, argv[0], 1, &j->block_ref);
  napi_create_promise(env, &j->deferred, &promise);
  napi_create_string_utf8(env, "tsbuild:deflateMember", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, execute, complete, j, &j->work) != napi_ok) {
    napi_delete_reference(env, j->block_ref);
    free(j);
    napi_throw_error(env, NULL, "cannot make a deflate job");
    return NULL;
  }
  if (napi_queue_async_work(env, j->work) != napi_ok) {
    napi_delete_async_work(env, j->work);
    napi_delete_reference(env, j->block_ref);
    free(j);
    napi_throw_error(env, NULL, "cannot queue a deflate job on the thread pool");
    return NULL;
  }
  return promise;
}

NAPI_MODULE_INIT() {
  napi_value fn, version;
  napi_create_function(env, "deflateMember", NAPI_AUTO_LENGTH, deflate_member, NULL, &fn);
  napi_set_named_property(env, exports, "deflateMember", fn);
  napi_create_string_utf8(env, LIBDEFLATE_VERSION_STRING, NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "libdeflateVersion", version);
  return exports;
}
