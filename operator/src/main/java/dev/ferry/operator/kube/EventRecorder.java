package dev.ferry.operator.kube;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes Kubernetes events about a resource, as {@code kubectl describe} shows them. Never fails the caller. */
public final class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  private final KubernetesClient client;
  private final String component;

  public EventRecorder(KubernetesClient client, String component) {
    this.client = client;
    this.component = component;
  }

  public void normal(HasMetadata about, String reason, String message) {
    record(about, "Normal", reason, message);
  }

  public void warning(HasMetadata about, String reason, String message) {
    record(about, "Warning", reason, message);
  }

  private void record(HasMetadata about, String type, String reason, String message) {
    String now = Instant.now().toString();
    var meta = about.getMetadata();
    try {
      client.v1().events().inNamespace(meta.getNamespace()).resource(new EventBuilder()
          .withNewMetadata()
            .withName(meta.getName() + "." + UUID.randomUUID().toString().substring(0, 13).replace("-", ""))
            .withNamespace(meta.getNamespace())
          .endMetadata()
          .withInvolvedObject(new ObjectReferenceBuilder()
              .withApiVersion(about.getApiVersion()).withKind(about.getKind())
              .withName(meta.getName()).withNamespace(meta.getNamespace()).withUid(meta.getUid())
              .withResourceVersion(meta.getResourceVersion())
              .build())
          .withType(type)
          .withReason(reason)
          .withMessage(message.length() > 1024 ? message.substring(0, 1021) + "..." : message)
          .withFirstTimestamp(now)
          .withLastTimestamp(now)
          .withCount(1)
          .withNewSource().withComponent(component).endSource()
          .withReportingComponent(component)
          .build()).create();
    } catch (KubernetesClientException e) {
      log.warn("could not record event {} on {}/{}: {}", reason, meta.getNamespace(), meta.getName(), e.getMessage());
    }
  }
}
