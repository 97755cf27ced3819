package org.truckeefs.testkit.tahoe;

import java.util.List;
import java.util.Map;

/**
 * One request the emulated gateway received, for tests to assert on (retries, lease renewals, which operations a
 * client used). Holds caps: it is test data, never logged.
 *
 * @param method HTTP method
 * @param rawPath the path as sent, before percent-decoding
 * @param args the query arguments, decoded as Tahoe does ({@code +} is a space)
 * @param status the status answered, or 0 when the connection was dropped
 */
public record RecordedRequest(String method, String rawPath, Map<String, List<String>> args, int status) {
  /** The first value of a query argument, or null. */
  public String arg(String name) {
    List<String> v = args.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }
}
