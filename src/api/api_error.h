// Errors as the OpenAI API reports them: an HTTP status and
//   {"error": {"message": "...", "type": "invalid_request_error", "param": "messages[1].role", "code": null}}
// which the official clients turn into typed exceptions (BadRequestError, RateLimitError, ...).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace sinan::api {

struct ApiError {
  ApiError() = default;
  ApiError(int status, std::string message, std::string param = "",
           std::string type = "invalid_request_error", std::string code = "")
      : status(status),
        message(std::move(message)),
        param(std::move(param)),
        type(std::move(type)),
        code(std::move(code)) {}
  static ApiError invalid(std::string message, std::string param = "") {
    return ApiError(400, std::move(message), std::move(param));
  }

  int status = 400;
  std::string message;
  std::string param;  // the request field at fault; empty: null
  std::string type = "invalid_request_error";
  std::string code;  // empty: null
};

nlohmann::json error_body(const ApiError& error);
// The body's JSON text, safe for any bytes in the message (invalid UTF-8 is replaced).
std::string error_text(const ApiError& error);

// JSON text of a value with invalid UTF-8 replaced (model output may split a character).
std::string dump_json(const nlohmann::json& value);
std::string dump_json(const nlohmann::ordered_json& value);

}  // namespace sinan::api
