package dev.ferry.check;

/**
 * One traffic-loss risk: which, on what object (and container, when it is about one), what is wrong
 * and how to fix it.
 */
public record Finding(Risk risk, ObjectRef object, String container, String what, String fix) {}
