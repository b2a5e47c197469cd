# The C++ standard comes from each release's common.gypi: gnu++17 up to Node 22, gnu++20
# from Node 24, whose V8 headers need it.
{
  "targets": [
    {
      "target_name": "cowloop",
      "sources": [
        "native/addon.cc",
        "native/errors.cc",
        "native/fork.cc",
        "native/huge_pages.cc",
        "native/maps.cc",
        "native/reap.cc",
        "native/shared_memory.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=9", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"],
      "cflags": ["-fvisibility=hidden", "-Wall", "-Wextra"],
      "cflags_cc": ["-fvisibility=hidden", "-Wall", "-Wextra", "-fno-exceptions"],
      "conditions": [
        ["OS!='linux'", { "defines": ["COWLOOP_UNSUPPORTED_PLATFORM"] }]
      ]
    }
  ]
}
