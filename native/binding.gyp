# The ring buffer's memory mapping (src/data/ring/native.ts loads it). Built by `make native`
# with node-gyp against the headers of the local Node install (no download).
{
  "targets": [
    {
      "target_name": "ts_daq_mmap",
      "sources": ["mmap.c"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror"]
    }
  ]
}
