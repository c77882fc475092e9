package dev.ferry.broker.api;

import java.util.concurrent.CompletableFuture;

/** One dialect of the EMQX API: answers every request that is not {@code /status} or {@code /metrics}. */
interface DialectRoutes {

  CompletableFuture<HttpReply> handle(ApiRequest request);

  static CompletableFuture<HttpReply> done(HttpReply r) {
    return CompletableFuture.completedFuture(r);
  }
}
