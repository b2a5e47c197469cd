// How the addon reports failures: system errors named as Node names them, and TypeErrors
// for arguments of the wrong type.
#include "common.h"

#include <uv.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>

namespace cowloop {

namespace {

// libuv's name for an errno ("EAGAIN"); it knows most, but not waitpid's ECHILD.
std::string ErrnoName(int err) {
  if (err == ECHILD) return "ECHILD";
  char name[64];
  uv_err_name_r(uv_translate_sys_error(err), name, sizeof(name));
  if (std::strncmp(name, "Unknown", 7) == 0) return "EUNKNOWN";
  return name;
}

// What a value is, for "(got ...)".
std::string Describe(const Napi::Value& value) {
  switch (value.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return value.As<Napi::Boolean>().Value() ? "true" : "false";
    case napi_number: return value.ToString().Utf8Value();
    case napi_string: return "a string";
    case napi_symbol: return "a symbol";
    case napi_function: return "a function";
    case napi_bigint: return "a bigint";
    default: return value.IsArray() ? "an array" : "an object";
  }
}

bool ThrowArgument(const Napi::CallbackInfo& info, size_t index, const char* function, const char* name,
                   const char* expected) {
  Napi::Value got = index < info.Length() ? info[index] : info.Env().Undefined();
  std::string message = std::string(function) + "(): argument " + std::to_string(index + 1) + " (" + name + ") must be " +
                        expected + " (got " + Describe(got) + ")";
  Napi::TypeError error = Napi::TypeError::New(info.Env(), message);
  error.Set("code", Napi::String::New(info.Env(), "ERR_INVALID_ARG_TYPE"));
  error.ThrowAsJavaScriptException();
  return false;
}

bool IsInteger(const Napi::Value& value, double min, double max, double* out) {
  if (!value.IsNumber()) return false;
  double n = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(n) || n != std::trunc(n) || n < min || n > max) return false;
  *out = n;
  return true;
}

}  // namespace

Napi::Value ThrowSystemError(Napi::Env env, int err, const char* syscall, const char* detail) {
  std::string name = ErrnoName(err);
  std::string message = std::string(syscall) + " failed: " + name + " (" + (detail ? detail : std::strerror(err)) + ")";
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, name));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, syscall));
  error.ThrowAsJavaScriptException();
  return env.Undefined();
}

bool ArgInt32(const Napi::CallbackInfo& info, size_t index, const char* function, const char* name, int32_t* out) {
  double n = 0;
  if (index >= info.Length() || !IsInteger(info[index], INT32_MIN, INT32_MAX, &n)) {
    return ThrowArgument(info, index, function, name, "a 32-bit integer");
  }
  *out = static_cast<int32_t>(n);
  return true;
}

bool OptionalInt32(const Napi::CallbackInfo& info, size_t index, const char* function, const char* name, int32_t fallback,
                   int32_t* out) {
  if (index >= info.Length() || info[index].IsUndefined()) {
    *out = fallback;
    return true;
  }
  return ArgInt32(info, index, function, name, out);
}

bool ArgSize(const Napi::CallbackInfo& info, size_t index, const char* function, const char* name, size_t* out) {
  double n = 0;
  if (index >= info.Length() || !IsInteger(info[index], 1, 9007199254740991.0, &n)) {
    return ThrowArgument(info, index, function, name, "a positive integer");
  }
  *out = static_cast<size_t>(n);
  return true;
}

bool ArgBoolean(const Napi::CallbackInfo& info, size_t index, const char* function, const char* name, bool* out) {
  if (index >= info.Length() || !info[index].IsBoolean()) return ThrowArgument(info, index, function, name, "a boolean");
  *out = info[index].As<Napi::Boolean>().Value();
  return true;
}

bool ArgInt32Array(const Napi::CallbackInfo& info, size_t index, const char* function, const char* name,
                   std::vector<int32_t>* out) {
  if (index >= info.Length() || !info[index].IsArray()) {
    return ThrowArgument(info, index, function, name, "an array of 32-bit integers");
  }
  Napi::Array array = info[index].As<Napi::Array>();
  out->clear();
  for (uint32_t i = 0; i < array.Length(); ++i) {
    double n = 0;
    if (!IsInteger(array.Get(i), INT32_MIN, INT32_MAX, &n)) {
      return ThrowArgument(info, index, function, name, "an array of 32-bit integers");
    }
    out->push_back(static_cast<int32_t>(n));
  }
  return true;
}

}  // namespace cowloop
