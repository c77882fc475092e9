package dev.ferry.broker;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns a node's broker state. A failing task is logged, not swallowed (a plain
 * scheduled executor would hide the exception in a future nobody reads).
 */
final class BrokerThread extends ScheduledThreadPoolExecutor {

  private static final Logger log = LoggerFactory.getLogger(BrokerThread.class);

  BrokerThread(String node) {
    super(1, r -> {
      Thread t = new Thread(r, "ferry-broker-" + node);
      t.setDaemon(true);
      return t;
    });
    setRemoveOnCancelPolicy(true);
  }

  @Override
  protected void afterExecute(Runnable r, Throwable t) {
    super.afterExecute(r, t);
    if (t == null && r instanceof Future<?> f && f.isDone() && !f.isCancelled()) {
      try {
        f.get();
      } catch (CancellationException ignored) {
        // cancelled: nothing to report
      } catch (ExecutionException e) {
        t = e.getCause();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (t != null) {
      log.error("event=broker_task_failed", t);
    }
  }
}
