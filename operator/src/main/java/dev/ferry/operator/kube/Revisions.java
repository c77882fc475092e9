package dev.ferry.operator.kube;

import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Revision names as the Deployment controller makes them: an FNV-32a hash of the pod template,
 * with the collision count mixed in, written in an alphabet without vowels (so no revision spells a
 * word). Maps are hashed in key order, so reordering labels does not start a release.
 */
public final class Revisions {
  private static final ObjectMapper CANONICAL =
      JsonMapper.builder()
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
          .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true)
          .build();
  private static final String ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

  private Revisions() {}

  public static String hash(PodTemplateSpec template, Integer collisionCount) {
    byte[] bytes = canonical(template);
    int h = 0x811c9dc5;
    for (byte b : bytes) {
      h ^= (b & 0xff);
      h *= 0x01000193;
    }
    if (collisionCount != null && collisionCount > 0) {
      int c = collisionCount;
      for (int i = 0; i < 4; i++) { // little-endian, as Kubernetes writes it
        h ^= (c >>> (8 * i)) & 0xff;
        h *= 0x01000193;
      }
    }
    String decimal = Integer.toUnsignedString(h);
    StringBuilder out = new StringBuilder(decimal.length());
    for (char ch : decimal.toCharArray()) {
      out.append(ALPHANUMS.charAt(ch % ALPHANUMS.length()));
    }
    return out.toString();
  }

  /** A digest of the whole template, to tell apart templates whose short hashes collide. */
  public static String digest(PodTemplateSpec template) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical(template)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] canonical(PodTemplateSpec template) {
    try {
      // Through a tree, so that maps inside the model are ordered too.
      return CANONICAL.writeValueAsString(CANONICAL.readTree(CANONICAL.writeValueAsBytes(template)))
          .getBytes(StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot serialize a pod template", e);
    }
  }
}
