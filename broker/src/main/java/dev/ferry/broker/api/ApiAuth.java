package dev.ferry.broker.api;

import dev.ferry.broker.EmqxProfile.ApiKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Who a request's Authorization header says it comes from. Every key is compared in constant time
 * and all of them always, so timing tells nothing; nothing here is ever logged.
 */
final class ApiAuth {

  enum Caller {
    /** No Authorization header, or one that is neither Basic nor Bearer. */
    MISSING,
    /** A Bearer token: the lab broker has no login, so no token is ever valid. */
    BEARER,
    /** Basic with a key and secret that match no key. */
    BAD,
    ADMIN,
    VIEWER
  }

  private final byte[] admin;
  private final List<byte[]> viewers = new ArrayList<>();

  ApiAuth(String key, String secret, List<ApiKey> viewerKeys) {
    this.admin = token(key, secret);
    viewerKeys.forEach(k -> viewers.add(token(k.key(), k.secret())));
  }

  Caller check(String header) {
    if (header == null) {
      return Caller.MISSING;
    }
    String h = header.trim();
    if (h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Caller.BEARER;
    }
    if (!h.regionMatches(true, 0, "Basic ", 0, 6)) {
      return Caller.MISSING;
    }
    byte[] given = h.substring(6).trim().getBytes(StandardCharsets.US_ASCII);
    boolean isAdmin = MessageDigest.isEqual(given, admin);
    boolean isViewer = false;
    for (byte[] v : viewers) {
      isViewer |= MessageDigest.isEqual(given, v);
    }
    return isAdmin ? Caller.ADMIN : isViewer ? Caller.VIEWER : Caller.BAD;
  }

  private static byte[] token(String key, String secret) {
    return Base64.getEncoder().encode((key + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }
}
