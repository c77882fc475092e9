package dev.ferry.core.release;

import java.time.Instant;

/**
 * One revision set (a ReplicaSet of one pod-template revision).
 *
 * @param revision the template hash
 * @param replicas its desired replicas ({@code spec.replicas})
 * @param createdAt creation time, to keep the newest sets when old ones are collected
 */
public record RevisionSetView(String revision, int replicas, Instant createdAt) {}
