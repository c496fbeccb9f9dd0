/*
 * Cross-process shared memory for objectproxypool: POSIX shm_open + mmap(MAP_SHARED), handed to JavaScript as an
 * external ArrayBuffer whose finalizer unmaps it. Node-API only, so one binary loads on every Node version.
 *   open(name, byteLength, create) -> ArrayBuffer   (create: O_CREAT|O_EXCL + ftruncate; else the first byteLength
 *                                                    bytes, or the whole segment when byteLength is 0)
 *   unlink(name) -> boolean                          (false when the name was already gone)
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static napi_value fail(napi_env env, const char *what, const char *name, int err) {
  char msg[400];
  const char *code = err == ENOENT ? "ENOENT" : err == EEXIST ? "EEXIST" : err == EACCES ? "EACCES" : err == ENOSPC ? "ENOSPC" : "ESHM";
  snprintf(msg, sizeof msg, "%s(%s) failed: %s", what, name, strerror(err));
  napi_throw_error(env, code, msg);
  return NULL;
}

static void unmap(napi_env env, void *data, void *hint) { munmap(data, (size_t)hint); }

static int read_name(napi_env env, napi_value v, char *buf, size_t cap) {
  size_t len;
  return napi_get_value_string_utf8(env, v, buf, cap, &len) == napi_ok && len > 0 && len < cap - 1;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], result;
  char name[256];
  double want = 0;
  bool create = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || !read_name(env, argv[0], name, sizeof name) || napi_get_value_double(env, argv[1], &want) != napi_ok ||
      napi_get_value_bool(env, argv[2], &create) != napi_ok || want < 0) {
    napi_throw_type_error(env, NULL, "open(name: string, byteLength: number, create: boolean)");
    return NULL;
  }
  int fd = shm_open(name, create ? O_RDWR | O_CREAT | O_EXCL : O_RDWR, 0600);
  if (fd < 0) return fail(env, "shm_open", name, errno);
  size_t size = (size_t)want;
  struct stat st;
  if (create ? ftruncate(fd, (off_t)size) != 0 : fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    if (create) shm_unlink(name);
    return fail(env, create ? "ftruncate" : "fstat", name, err);
  }
  if (!create) size = size > 0 && size < (size_t)st.st_size ? size : (size_t)st.st_size;
  void *p = size ? mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
  int err = size ? errno : EINVAL;
  close(fd);
  if (p == MAP_FAILED) return fail(env, "mmap", name, err);
  if (napi_create_external_arraybuffer(env, p, size, unmap, (void *)size, &result) != napi_ok) {
    munmap(p, size);
    napi_throw_error(env, "ESHM", "napi_create_external_arraybuffer failed");
    return NULL;
  }
  return result;
}

static napi_value js_unlink(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  char name[256];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || !read_name(env, argv[0], name, sizeof name)) {
    napi_throw_type_error(env, NULL, "unlink(name: string)");
    return NULL;
  }
  bool removed = shm_unlink(name) == 0;
  if (!removed && errno != ENOENT) return fail(env, "shm_unlink", name, errno);
  napi_get_boolean(env, removed, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "open", NAPI_AUTO_LENGTH, js_open, NULL, &fn);
  napi_set_named_property(env, exports, "open", fn);
  napi_create_function(env, "unlink", NAPI_AUTO_LENGTH, js_unlink, NULL, &fn);
  napi_set_named_property(env, exports, "unlink", fn);
  return exports;
}
