/*
 * ts_daq_mmap: maps a file MAP_SHARED and hands it to JavaScript as an external ArrayBuffer
 * (not copied), so that several processes see one memory. The ring buffer (src/data/ring) is
 * built on it.
 *
 *   map(path, byteLength, mode) -> ArrayBuffer   mode 0: open read-only, 1: open read-write,
 *                                                 2: create (must not exist), allocate byteLength
 *   unmap(arrayBuffer)                            detaches the buffer (views read as empty) and
 *                                                 unmaps at once; otherwise the GC unmaps it.
 *   release(arrayBuffer, offset, length)          drops this process's pages from the one holding
 *                                                 offset to the last one that ends by offset +
 *                                                 length (madvise MADV_DONTNEED; the mapping is
 *                                                 shared, so the file keeps its bytes and a later
 *                                                 read maps them again). Keeps a reader's resident
 *                                                 memory to what it reads now, not all it has read.
 *   lock(path) -> fd | -1                         opens (creates) path and takes an exclusive
 *                                                 flock(2) on it without waiting: the fd, or -1
 *                                                 when another open file holds it. The lock dies
 *                                                 with the process, also a killed one.
 *   unlock(fd)                                    releases the lock and closes the fd.
 * Errors are JavaScript Errors "<operation> <path>: <strerror>" with an `errno` property.
 */
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Node 20's external ArrayBuffers are Buffers: at most buffer.constants.MAX_LENGTH bytes. */
#define MAX_BYTES ((uint64_t)1 << 32)
#define TOO_BIG "larger than 4 GiB, the largest buffer Node.js can map"

typedef struct { void *addr; size_t len; } Mapping;

static napi_value fail(napi_env env, const char *op, const char *path, int err, const char *why) {
  char text[4200];
  napi_value message, error, code;
  snprintf(text, sizeof text, "%s %s: %s", op, path, why != NULL ? why : strerror(err));
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, NULL, message, &error);
  napi_create_int32(env, err, &code);
  napi_set_named_property(env, error, "errno", code);
  napi_throw(env, error);
  return NULL;
}

static void finalize(napi_env env, void *data, void *hint) {
  Mapping *m = hint;
  (void)env, (void)data;
  if (m->addr != NULL) munmap(m->addr, m->len);
  free(m);
}

static napi_value map(napi_env env, napi_callback_info info) {
  size_t argc = 3, length;
  napi_value argv[3], result;
  char path[4096];
  int64_t want;
  int32_t mode;
  struct stat st;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 ||
      napi_get_value_string_utf8(env, argv[0], path, sizeof path, &length) != napi_ok ||
      napi_get_value_int64(env, argv[1], &want) != napi_ok || napi_get_value_int32(env, argv[2], &mode) != napi_ok)
    return fail(env, "map", "", EINVAL, "expected (path: string, byteLength: number, mode: 0 | 1 | 2)");
  if (length >= sizeof path - 1) return fail(env, "open", path, ENAMETOOLONG, NULL);
  int fd = open(path, (mode == 0 ? O_RDONLY : mode == 1 ? O_RDWR : O_RDWR | O_CREAT | O_EXCL) | O_CLOEXEC, 0644);
  if (fd < 0) return fail(env, "open", path, errno, NULL);
  if (fstat(fd, &st) != 0) return close(fd), fail(env, "stat", path, errno, NULL);
  if (mode == 2) {
    int err = want <= 0 ? EINVAL : (uint64_t)want > MAX_BYTES ? EFBIG : posix_fallocate(fd, 0, want);
    if (err != 0) return close(fd), unlink(path), fail(env, "allocate", path, err, err == EFBIG ? TOO_BIG : NULL);
    st.st_size = want;
  } else if (!S_ISREG(st.st_mode)) {
    return close(fd), fail(env, "map", path, EINVAL, "not a regular file");
  } else if (st.st_size == 0) {
    return close(fd), fail(env, "map", path, EINVAL, "the file is empty");
  } else if ((uint64_t)st.st_size > MAX_BYTES) {
    return close(fd), fail(env, "map", path, EFBIG, TOO_BIG);
  }
  int prot = mode == 0 ? PROT_READ : PROT_READ | PROT_WRITE;
  void *addr = mmap(NULL, (size_t)st.st_size, prot, MAP_SHARED | (mode == 2 ? MAP_POPULATE : 0), fd, 0);
  int err = errno;
  close(fd);
  if (addr == MAP_FAILED) return fail(env, "mmap", path, err, NULL);
  Mapping *m = malloc(sizeof *m);
  m->addr = addr, m->len = (size_t)st.st_size;
  if (napi_create_external_arraybuffer(env, addr, m->len, finalize, m, &result) != napi_ok ||
      napi_wrap(env, result, m, NULL, NULL, NULL) != napi_ok)
    return fail(env, "map", path, ENOMEM, "cannot create the ArrayBuffer"); /* Node has run finalize */
  return result;
}

static napi_value unmap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  Mapping *m = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_remove_wrap(env, argv[0], (void **)&m) != napi_ok || m == NULL) return NULL; /* not ours, or done */
  void *addr = m->addr;
  m->addr = NULL; /* the finalizer, whenever it runs, only frees the record */
  napi_detach_arraybuffer(env, argv[0]);
  munmap(addr, m->len);
  return NULL;
}

static napi_value release(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  Mapping *m = NULL;
  int64_t offset, length;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3 || napi_unwrap(env, argv[0], (void **)&m) != napi_ok || m == NULL ||
      m->addr == NULL || napi_get_value_int64(env, argv[1], &offset) != napi_ok || napi_get_value_int64(env, argv[2], &length) != napi_ok)
    return NULL; /* not ours, or unmapped */
  if (offset < 0 || length <= 0 || (uint64_t)offset >= m->len) return NULL;
  uint64_t end = (uint64_t)offset + (uint64_t)length;
  if (end > m->len) end = m->len;
  uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
  uint64_t from = (uint64_t)offset / page * page, to = end / page * page;
  if (to > from) madvise((char *)m->addr + from, to - from, MADV_DONTNEED);
  return NULL;
}

static napi_value lock(napi_env env, napi_callback_info info) {
  size_t argc = 1, length;
  napi_value argv[1], result;
  char path[4096];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_string_utf8(env, argv[0], path, sizeof path, &length) != napi_ok)
    return fail(env, "lock", "", EINVAL, "expected (path: string)");
  if (length >= sizeof path - 1) return fail(env, "open", path, ENAMETOOLONG, NULL);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return fail(env, "open", path, errno, NULL);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    close(fd);
    if (err != EWOULDBLOCK) return fail(env, "lock", path, err, NULL);
    fd = -1;
  }
  napi_create_int32(env, fd, &result);
  return result;
}

static napi_value unlock(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0)
    return NULL;
  flock(fd, LOCK_UN);
  close(fd);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "map", NAPI_AUTO_LENGTH, map, NULL, &fn);
  napi_set_named_property(env, exports, "map", fn);
  napi_create_function(env, "release", NAPI_AUTO_LENGTH, release, NULL, &fn);
  napi_set_named_property(env, exports, "release", fn);
  napi_create_function(env, "unmap", NAPI_AUTO_LENGTH, unmap, NULL, &fn);
  napi_set_named_property(env, exports, "unmap", fn);
  napi_create_function(env, "lock", NAPI_AUTO_LENGTH, lock, NULL, &fn);
  napi_set_named_property(env, exports, "lock", fn);
  napi_create_function(env, "unlock", NAPI_AUTO_LENGTH, unlock, NULL, &fn);
  napi_set_named_property(env, exports, "unlock", fn);
  return exports;
}
