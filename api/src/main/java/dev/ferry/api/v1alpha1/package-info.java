/**
 * Version {@code v1alpha1} of the Ferry custom resources: {@link LosslessDeployment} and
 * {@link Rebalance}.
 *
 * <p>The descriptions in {@code @JsonPropertyDescription} are what {@code kubectl explain} shows, so
 * they are written for users. Conventions:
 * <ul>
 *   <li>Scalars with a default carry it twice: as {@code @Default} (the API server fills it in) and as
 *       the Java field's initial value (so an object read from a server that does not default, such as
 *       the lab's mock server, or built in code, looks the same).
 *   <li>Optional sections are {@code null} when absent; {@code ...OrDefaults()} helpers return an
 *       instance with every default filled in.
 *   <li>Enum constants follow Java naming; their JSON spelling is in {@code @JsonProperty}.
 *   <li>Unknown fields are ignored when reading, so a resource written against a newer CRD does not stop
 *       an older operator; the tests catch misspelled fields by comparing JSON trees and checking the
 *       examples against the schema instead.
 * </ul>
 */
package dev.ferry.api.v1alpha1;
