package dev.ferry.broker.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** An HTTP answer of the EMQX API: a status and a JSON body. */
public record ApiResult(int status, JsonNode body) {

  static final ObjectMapper JSON = new ObjectMapper();

  public static ApiResult ok() {
    return new ApiResult(200, JSON.createObjectNode());
  }

  public static ApiResult ok(JsonNode body) {
    return new ApiResult(200, body);
  }

  /** An error with EMQX's body: {@code {"code": ..., "message": ...}}. */
  public static ApiResult error(int status, String code, String message) {
    ObjectNode b = JSON.createObjectNode().put("code", code).put("message", message);
    return new ApiResult(status, b);
  }

  public static ApiResult badRequest(String message) {
    return error(400, "BAD_REQUEST", message);
  }

  /** The contract's refusals: {@code error on node '...': already_started} and the like. */
  public static ApiResult refused(String node, String reason) {
    return badRequest("error on node '" + node + "': " + reason);
  }

  public static ApiResult notFound(String message) {
    return error(404, "NOT_FOUND", message);
  }

  public static ApiResult rpcError(String node) {
    return error(503, "RPC_ERROR", "node '" + node + "' cannot be reached");
  }

  public ObjectNode toJson() {
    return JSON.createObjectNode().put("status", status).set("body", body);
  }

  public static ApiResult fromJson(JsonNode n) {
    return new ApiResult(n.get("status").asInt(), n.get("body"));
  }
}
