package dev.ferry.broker.api;

import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Map;

/**
 * One request to the API, taken out of Netty's.
 *
 * @param path the raw path, query stripped, not URL-decoded (EMQX 5 decodes segments, 4.4 does not)
 * @param query the decoded query parameters
 * @param authorization the Authorization header, or null
 * @param contentType the Content-Type header, or null
 * @param body the body as text, empty when none
 */
record ApiRequest(
    HttpMethod method, String path, Map<String, List<String>> query, String authorization, String contentType,
    String body) {

  boolean hasBody() {
    return !body.isBlank();
  }

  String queryValue(String name) {
    List<String> v = query.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }
}
