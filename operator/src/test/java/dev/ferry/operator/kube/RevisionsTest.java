package dev.ferry.operator.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RevisionsTest {

  static PodTemplateSpec template(Map<String, String> labels, String image) {
    return new PodTemplateSpecBuilder()
        .withNewMetadata().withLabels(labels).endMetadata()
        .withNewSpec().addNewContainer().withName("emqx").withImage(image).endContainer().endSpec()
        .build();
  }

  @Test
  void theSameTemplateAlwaysHasTheSameRevisionWhateverTheOrderOfItsLabels() {
    Map<String, String> ab = new LinkedHashMap<>();
    ab.put("a", "1");
    ab.put("b", "2");
    Map<String, String> ba = new LinkedHashMap<>();
    ba.put("b", "2");
    ba.put("a", "1");
    assertThat(Revisions.hash(template(ab, "emqx:5.8.0"), 0)).isEqualTo(Revisions.hash(template(ba, "emqx:5.8.0"), 0));
    assertThat(Revisions.digest(template(ab, "emqx:5.8.0"))).isEqualTo(Revisions.digest(template(ba, "emqx:5.8.0")));
  }

  @Test
  void aChangedTemplateOrACollisionCountGivesAnotherRevision() {
    var t = template(Map.of("app", "mqtt"), "emqx:5.8.0");
    String r = Revisions.hash(t, 0);
    assertThat(Revisions.hash(template(Map.of("app", "mqtt"), "emqx:5.8.1"), 0)).isNotEqualTo(r);
    assertThat(Revisions.hash(t, 1)).isNotEqualTo(r).isNotEqualTo(Revisions.hash(t, 2));
    // Safe for names and labels: no vowels, so no revision spells a word.
    assertThat(r).matches("[bcdfghjklmnpqrstvwxz2456789]{1,10}");
  }
}
