package dev.ferry.core.release;

import java.time.Duration;

/**
 * How pods are drained.
 *
 * @param type the drainer
 * @param waitTakeover for {@code NONE}: how long after the gate turned False a pod is kept, so
 *     that clients can move away
 * @param timeout a drain running longer than this is reported as stalled (never cut short: the pod
 *     still holds clients)
 */
public record DrainSettings(DrainType type, Duration waitTakeover, Duration timeout) {}
