package dev.ferry.workload.dubbo;

import java.util.concurrent.CompletableFuture;

/** The tiny service every Dubbo provider exports: answers with its pod name after its service time. */
public interface WorkService {
  CompletableFuture<String> work(String request);
}
