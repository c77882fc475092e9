package dev.ferry.operator.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.api.FerryNames;
import dev.ferry.api.v1alpha1.ContractedVersion;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which schema versions a contract retires: the points of no return a rollback is refused at. */
class RetiredVersionsTest {

  private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

  @Test
  void aContractRetiresTheVersionsOfTheRevisionsItsReleaseReplaced() {
    List<ReplicaSet> sets = List.of(set("1.0", "2026-11-25T10:00:00Z"), set("2.1", "2026-11-25T11:00:00Z"));
    assertThat(SchemaMigrations.retired("2.1", sets, List.of(), List.of(), NOW)).containsExactly("1.0");
  }

  @Test
  void aRevisionCreatedAfterTheContractedOneIsNotTakenForAnOlderOne() {
    List<ReplicaSet> sets = List.of(set("2.1", "2026-11-25T11:00:00Z"), set("9.9", "2026-11-25T11:30:00Z"));
    assertThat(SchemaMigrations.retired("2.1", sets, List.of(), List.of(), NOW)).isEmpty();
  }

  @Test
  void contractsAreCumulativeEvenWhenAnOldReplicaSetWasPruned() {
    // 1.0's ReplicaSet is gone (revision history limit); 2.1's contract had retired it.
    List<ReplicaSet> sets = List.of(set("2.1", "2026-11-25T11:00:00Z"), set("2.2", "2026-11-25T11:30:00Z"));
    List<ContractedVersion> earlier = List.of(new ContractedVersion("2.1", "2026-11-25T11:20:00Z", List.of("1.0")));
    assertThat(SchemaMigrations.retired("2.2", sets, earlier, List.of(), NOW)).containsExactly("1.0", "2.1");
  }

  @Test
  void everyVersionThatServedIsRetiredEvenIfItsReplicaSetLooksNewer() {
    // 1.0 -> 2.1 rolled back to 1.0 with a changed template (a new 1.0 set, newer than 2.1's), then
    // 2.1 again; the original 1.0 set was pruned. Only the served versions know 1.0 ran before.
    List<ReplicaSet> sets = List.of(set("2.1", "2026-11-25T11:00:00Z"), set("1.0", "2026-11-25T11:10:00Z"));
    assertThat(SchemaMigrations.retired("2.1", sets, List.of(), List.of(), NOW)).isEmpty();
    assertThat(SchemaMigrations.retired("2.1", sets, List.of(), List.of("1.0", "2.1"), NOW)).containsExactly("1.0");
  }

  private static ReplicaSet set(String schemaVersion, String created) {
    return new ReplicaSetBuilder()
        .withNewMetadata().withName("people-" + schemaVersion).withCreationTimestamp(created).endMetadata()
        .withNewSpec().withNewTemplate().withNewMetadata()
        .addToAnnotations(FerryNames.SCHEMA_VERSION_ANNOTATION, schemaVersion)
        .endMetadata().endTemplate().endSpec()
        .build();
  }
}
