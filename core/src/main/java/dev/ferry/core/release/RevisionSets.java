package dev.ferry.core.release;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/** What both plans ask of the revision sets. */
public final class RevisionSets {
  private RevisionSets() {}

  /** The desired replicas of a revision's set; 0 when it has none. */
  public static int size(List<RevisionSetView> sets, String revision) {
    return sets.stream().filter(r -> r.revision().equals(revision)).mapToInt(RevisionSetView::replicas)
        .findFirst().orElse(0);
  }

  /**
   * Sets that may be deleted: empty, with no pod left, not in {@code keep}, and beyond the newest
   * {@code historyLimit} such sets (kept for rollback). Sorted by name.
   */
  public static List<String> collectable(
      List<RevisionSetView> sets, Collection<PodView> pods, Set<String> keep, int historyLimit) {
    return sets.stream()
        .filter(r -> !keep.contains(r.revision()) && r.replicas() == 0)
        .filter(r -> pods.stream().noneMatch(p -> p.revision().equals(r.revision())))
        .sorted(Comparator.comparing(RevisionSetView::createdAt).reversed())
        .skip(historyLimit)
        .map(RevisionSetView::revision)
        .sorted()
        .toList();
  }
}
