/**
 * The Ferry custom resources and the names every Ferry module shares.
 *
 * <p>The resource types live in {@link dev.ferry.api.v1alpha1}; their CRDs are generated from those
 * classes (see {@code deploy/crds/} and {@code scripts/update-crds}).
 */
package dev.ferry.api;
