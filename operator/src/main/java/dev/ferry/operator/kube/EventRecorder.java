package dev.ferry.operator.kube;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes Kubernetes events about a resource, as {@code kubectl describe} shows them. Never fails the
 * caller.
 *
 * <p>Like client-go's recorder, the same event about the same object (same uid, type, reason,
 * message and component) said again is one Event whose {@code count} grows and whose
 * {@code lastTimestamp} moves ({@code x4 over 2m}), not a new Event each pass. Unlike client-go's,
 * the Event's name is derived from those fields rather than from the time, so an operator that
 * restarted (or a second recorder in the same one) finds and bumps the Event already there instead of
 * starting a twin. Each bump is guarded by the Event's resourceVersion: two reconcilers bumping the
 * same Event both count.
 */
public final class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  /** As many as client-go's recorder remembers; each entry is a name, a count and a version. */
  static final int REMEMBERED = 4096;
  /** Each retry follows a write someone else got in first, so a few are plenty. */
  private static final int ATTEMPTS = 8;
  private static final int MAX_MESSAGE = 1024;
  /** The longest name the apiserver takes for an Event (a DNS subdomain). */
  private static final int MAX_NAME = 253;

  private final KubernetesClient client;
  private final String component;
  private final Clock clock;
  /** What this recorder last wrote to each Event, so a repeat is one PATCH, without a GET. */
  private final Map<String, Known> known = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Known> eldest) {
      return size() > REMEMBERED;
    }
  };

  private record Known(int count, String resourceVersion) {
    static Known of(Event e) {
      return new Known(e.getCount() == null ? 1 : e.getCount(), e.getMetadata().getResourceVersion());
    }
  }

  public EventRecorder(KubernetesClient client, String component, Clock clock) {
    this.client = client;
    this.component = component;
    this.clock = clock;
  }

  public void normal(HasMetadata about, String reason, String message) {
    record(about, "Normal", reason, message);
  }

  public void warning(HasMetadata about, String reason, String message) {
    record(about, "Warning", reason, message);
  }

  private void record(HasMetadata about, String type, String reason, String message) {
    // Seconds, as the apiserver keeps them: what we send is what a reader gets back.
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    var meta = about.getMetadata();
    String text = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message;
    String name = name(meta.getName(), meta.getUid(), type, reason, text, component);
    try {
      if (!recordOrBump(about, name, type, reason, text, now)) {
        forget(name);
        log.warn("could not record event {} on {}/{}: the event kept changing under {} attempts",
            reason, meta.getNamespace(), meta.getName(), ATTEMPTS);
      }
    } catch (KubernetesClientException e) {
      forget(name);
      log.warn("could not record event {} on {}/{}: {}", reason, meta.getNamespace(), meta.getName(), e.getMessage());
    }
  }

  /** Creates the Event, or bumps its count if it exists; false when it kept changing under every attempt. */
  private boolean recordOrBump(HasMetadata about, String name, String type, String reason, String text, String now) {
    var events = client.v1().events().inNamespace(about.getMetadata().getNamespace());
    Known k = remembered(name);
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (k == null) {
        try {
          remember(name, events.resource(event(about, name, type, reason, text, now)).create());
          return true;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409) {
            throw e;
          }
        }
        // Already there: said before this recorder existed (a restart) or by another recorder.
        Event there;
        try {
          there = events.withName(name).get();
        } catch (KubernetesClientException e) {
          if (e.getCode() != 403) {
            throw e;
          }
          // A role from before events were counted (no get): said again as an Event of its own.
          String unique = name(about.getMetadata().getName(), about.getMetadata().getUid() + "/" + System.nanoTime(),
              type, reason, text, component);
          events.resource(event(about, unique, type, reason, text, now)).create();
          return true;
        }
        if (there == null) {
          continue; // gone again in between (the apiserver's event TTL): create it
        }
        k = Known.of(there);
      }
      try {
        // The resourceVersion makes the apiserver refuse the patch (409) if the Event changed since
        // we read it, so a bump by someone else in between is not overwritten.
        String patch = client.getKubernetesSerialization().asJson(Map.of(
            "metadata", Map.of("resourceVersion", k.resourceVersion()),
            "count", k.count() + 1,
            "lastTimestamp", now));
        remember(name, events.withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patch));
        return true;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          k = null; // expired since we last wrote it: start it again
          continue;
        }
        if (e.getCode() != 409) {
          throw e;
        }
        Event there = events.withName(name).get();
        k = there == null ? null : Known.of(there);
      }
    }
    return false;
  }

  private Event event(HasMetadata about, String name, String type, String reason, String text, String now) {
    var meta = about.getMetadata();
    return new EventBuilder()
        .withNewMetadata().withName(name).withNamespace(meta.getNamespace()).endMetadata()
        .withInvolvedObject(new ObjectReferenceBuilder()
            .withApiVersion(about.getApiVersion()).withKind(about.getKind())
            .withName(meta.getName()).withNamespace(meta.getNamespace()).withUid(meta.getUid())
            .withResourceVersion(meta.getResourceVersion())
            .build())
        .withType(type)
        .withReason(reason)
        .withMessage(text)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withCount(1)
        .withNewSource().withComponent(component).endSource()
        .withReportingComponent(component)
        .build();
  }

  private synchronized Known remembered(String name) {
    return known.get(name);
  }

  private synchronized void remember(String name, Event written) {
    known.put(name, Known.of(written));
  }

  private synchronized void forget(String name) {
    known.remove(name);
  }

  /**
   * {@code <object name>.<16 hex digits>}: the same for the same event about the same object, in
   * this operator and the next. The uid is in the hash, so a namesake object created later gets
   * Events of its own. A long object name is cut so the whole stays a valid DNS subdomain.
   */
  static String name(String object, String uid, String type, String reason, String message, String component) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
    for (String field : new String[] {uid, type, reason, message, component}) {
      // Each field with its length first, so no two different tuples hash the same bytes.
      byte[] bytes = String.valueOf(field).getBytes(StandardCharsets.UTF_8);
      sha.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
      sha.update(bytes);
    }
    String hash = HexFormat.of().formatHex(sha.digest(), 0, 8);
    String prefix = object.length() > MAX_NAME - 1 - hash.length()
        ? object.substring(0, MAX_NAME - 1 - hash.length()) : object;
    // A DNS subdomain's labels end in a letter or digit; a cut may have left a '.' or '-'.
    while (!prefix.isEmpty() && !Character.isLetterOrDigit(prefix.charAt(prefix.length() - 1))) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    return prefix + "." + hash;
  }
}
