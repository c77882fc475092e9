package dev.ferry.broker.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;

/** One HTTP answer of the API: status, content type, body text and extra headers. */
record HttpReply(int status, String contentType, String body, Map<String, String> headers) {

  static final String JSON = "application/json";

  HttpReply {
    headers = Map.copyOf(headers);
  }

  static HttpReply json(int status, JsonNode body) {
    return new HttpReply(status, JSON, body.toString(), Map.of());
  }

  static HttpReply json(ApiResult r) {
    return json(r.status(), r.body());
  }

  static HttpReply text(int status, String body) {
    return new HttpReply(status, "text/plain; charset=utf-8", body, Map.of());
  }

  HttpReply withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new HttpReply(status, contentType, body, h);
  }

  HttpReply withContentType(String type) {
    return new HttpReply(status, type, body, headers);
  }
}
