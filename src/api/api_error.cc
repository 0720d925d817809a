#include "api/api_error.h"

namespace sinan::api {

nlohmann::json error_body(const ApiError& error) {
  nlohmann::json e = {
      {"message", error.message}, {"type", error.type}, {"param", nullptr}, {"code", nullptr}};
  if (!error.param.empty()) e["param"] = error.param;
  if (!error.code.empty()) e["code"] = error.code;
  return nlohmann::json{{"error", e}};
}

std::string error_text(const ApiError& error) {
  return dump_json(error_body(error));
}

std::string dump_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string dump_json(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace sinan::api
